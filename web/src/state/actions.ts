// What the user does to messages: read/unread, flag, move, archive,
// delete (to Trash; for good in Trash), spam / not spam. With threads on,
// an action on a row is on the thread's emails (a move only on those in
// the folder shown).
import { jmap, showError, toast } from "./session";
import { byRole, loadMailboxes, type Role } from "./mailboxes";
import { emails, list, patchEmails, selection } from "./list";
import { askConfirm } from "./ask";
import { t } from "../i18n";

async function expand(accountId: string, ids: string[], inMailbox: string | null): Promise<string[]> {
  if (!list.value.query?.threads) return ids;
  const threadIds = [...new Set(ids.map((id) => emails.value.get(id)?.threadId).filter(Boolean))] as string[];
  if (threadIds.length === 0) return ids;
  const r = await jmap.value!.request([
    ["Thread/get", { accountId, ids: threadIds }, "t"],
    ["Email/get", { accountId, "#ids": { resultOf: "t", name: "Thread/get", path: "/list/*/emailIds" }, properties: ["id", "mailboxIds"] }, "e"],
  ]);
  return (r.e.list as { id: string; mailboxIds: Record<string, boolean> }[])
    .filter((e) => !inMailbox || e.mailboxIds[inMailbox])
    .map((e) => e.id);
}

async function update(accountId: string, ids: string[], patch: Record<string, unknown>): Promise<void> {
  if (ids.length === 0) return;
  const u: Record<string, unknown> = {};
  for (const id of ids) u[id] = patch;
  const r = await jmap.value!.call("Email/set", { accountId, update: u });
  const failed = Object.values(r.notUpdated ?? {}) as any[];
  if (failed.length) throw new Error(failed[0].description ?? failed[0].type);
}

export async function setKeyword(accountId: string, ids: string[], keyword: string, on: boolean): Promise<void> {
  try {
    const all = await expand(accountId, ids, null);
    patchEmails(all, (e) => {
      const k = { ...e.keywords };
      if (on) k[keyword] = true;
      else delete k[keyword];
      return { ...e, keywords: k };
    });
    await update(accountId, all, { ["keywords/" + keyword]: on ? true : null });
    if (keyword === "$seen") void loadMailboxes([accountId]);
  } catch (e) {
    showError(e);
  }
}

/** Moves from the folder shown (or every folder, for a search) to `to`. */
export async function move(accountId: string, ids: string[], to: string, extra: Record<string, unknown> = {}): Promise<boolean> {
  const from = list.value.query?.search ? null : list.value.query?.mailboxId ?? null;
  try {
    const all = await expand(accountId, ids, from);
    if (all.length === 0) return false;
    const u: Record<string, unknown> = {};
    for (const id of all) u[id] = { mailboxIds: { [to]: true }, ...extra };
    const r = await jmap.value!.call("Email/set", { accountId, update: u });
    const failed = Object.values(r.notUpdated ?? {}) as any[];
    if (failed.length) throw new Error(failed[0].description ?? failed[0].type);
    selection.value = new Set();
    void loadMailboxes([accountId]);
    return true;
  } catch (e) {
    showError(e);
    return false;
  }
}

function needRole(accountId: string, role: Role): string | null {
  const m = byRole(accountId, role);
  if (!m) toast(t("error.noRole", { folder: t(("role." + role) as any) }), "error");
  return m?.id ?? null;
}

export async function archive(accountId: string, ids: string[]): Promise<void> {
  const to = needRole(accountId, "archive");
  if (to && (await move(accountId, ids, to))) toast(t("toast.archived", { n: ids.length }));
}

/** To Trash; in Trash itself, deleted for good. */
export async function remove(accountId: string, ids: string[]): Promise<void> {
  const trash = byRole(accountId, "trash");
  const here = list.value.query?.mailboxId;
  if (!trash || (here === trash.id && !list.value.query?.search)) {
    const sure = await askConfirm({ title: t("confirm.destroyTitle"), text: t("confirm.destroy", { n: ids.length }), action: t("confirm.destroyAction"), danger: true });
    if (!sure) return;
    try {
      const all = await expand(accountId, ids, null);
      const r = await jmap.value!.call("Email/set", { accountId, destroy: all });
      const failed = Object.values(r.notDestroyed ?? {}) as any[];
      if (failed.length) throw new Error(failed[0].description ?? failed[0].type);
      selection.value = new Set();
      toast(t("toast.destroyed", { n: ids.length }));
      void loadMailboxes([accountId]);
    } catch (e) {
      showError(e);
    }
    return;
  }
  if (await move(accountId, ids, trash.id)) toast(t("toast.trashed", { n: ids.length }));
}

export async function markSpam(accountId: string, ids: string[], spam: boolean): Promise<void> {
  const to = needRole(accountId, spam ? "junk" : "inbox");
  if (!to) return;
  const kw = spam ? { "keywords/$junk": true, "keywords/$notjunk": null } : { "keywords/$notjunk": true, "keywords/$junk": null };
  if (await move(accountId, ids, to, kw)) toast(t(spam ? "toast.spam" : "toast.notSpam", { n: ids.length }));
}
