// The push channel (JMAP EventSource): every StateChange refreshes the
// folders of the account it names and, for the account shown, its list.
// New unread mail in an inbox raises a browser notification while the tab
// is in the background (if the user allowed it and wants it for that
// address). The tab's title carries the unread count of the inboxes.
import { effect } from "@preact/signals";
import { accountName, accounts, jmap, onSessionEnd, prefs } from "./session";
import { byRole, inboxUnread, loadMailboxes } from "./mailboxes";
import { t } from "../i18n";

let source: EventSource | null = null;
const emailStates: Record<string, string> = {};
let onListChange: (accountId: string) => void = () => {};

export function onEmailsChanged(fn: (accountId: string) => void): void {
  onListChange = fn;
}

async function initStates(): Promise<void> {
  const ids = accounts.value.map((a) => a.id);
  if (ids.length === 0) return;
  const r = await jmap.value!.request(ids.map((accountId, i) => ["Email/get", { accountId, ids: [] }, "e" + i]));
  ids.forEach((id, i) => (emailStates[id] = r["e" + i].state));
}

export function notificationsWanted(accountId: string): boolean {
  return prefs.value.notify[accountId] !== false;
}

async function announceNew(accountId: string): Promise<void> {
  const since = emailStates[accountId];
  if (!since) return;
  const j = jmap.value!;
  let r;
  try {
    r = await j.request([
      ["Email/changes", { accountId, sinceState: since, maxChanges: 200 }, "c"],
      ["Email/get", { accountId, "#ids": { resultOf: "c", name: "Email/changes", path: "/created" }, properties: ["id", "from", "subject", "mailboxIds", "keywords"] }, "g"],
    ]);
  } catch {
    await initStates().catch(() => {});
    return;
  }
  emailStates[accountId] = r.c.newState;
  const inbox = byRole(accountId, "inbox");
  const fresh = (r.g.list as any[]).filter((e) => inbox && e.mailboxIds[inbox.id] && !e.keywords.$seen);
  if (fresh.length === 0 || !document.hidden) return;
  if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
  if (!notificationsWanted(accountId)) return;
  const e = fresh[0];
  const who = e.from?.[0]?.name || e.from?.[0]?.email || "";
  const title = fresh.length === 1 ? t("notify.one", { address: accountName(accountId) }) : t("notify.many", { n: fresh.length, address: accountName(accountId) });
  const n = new Notification(title, { body: fresh.length === 1 ? `${who}: ${e.subject ?? ""}` : "", tag: "estafeta-" + accountId });
  n.onclick = () => {
    window.focus();
    location.hash = `#/${accountId}/${inbox!.id}`;
    n.close();
  };
}

export function startPush(): void {
  if (source || !jmap.value) return;
  void initStates().catch(() => {});
  source = jmap.value.events((changed) => {
    const ids = Object.keys(changed);
    void loadMailboxes(ids.filter((id) => accounts.value.some((a) => a.id === id)));
    for (const id of ids) {
      if (changed[id].Email) {
        onListChange(id);
        void announceNew(id);
      }
    }
  });
}

export function stopPush(): void {
  source?.close();
  source = null;
}

onSessionEnd(stopPush);

/** The count of unread mail in the inboxes, in the tab's title. */
export function titleEffect(): () => void {
  return effect(() => {
    const counts = inboxUnread.value;
    const n = Object.values(counts).reduce((a, b) => a + b, 0);
    document.title = n > 0 ? `(${n}) ${t("app.title")}` : t("app.title");
  });
}

export async function askNotificationPermission(): Promise<NotificationPermission | "unsupported"> {
  if (typeof Notification === "undefined") return "unsupported";
  return Notification.requestPermission();
}
