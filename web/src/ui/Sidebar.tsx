// The folder tree of the address in use (role="tree"): special folders
// first with their names in the user's language, unread counts, drop
// target for dragged messages; create, rename and delete own folders.
import { useSignal } from "@preact/signals";
import { route, go, routeHash } from "../state/route";
import { driveName } from "./drive/DrivePicker";
import { createMailbox, deleteMailbox, displayName, mailboxes, mailboxTree, renameMailbox, type TreeNode } from "../state/mailboxes";
import { move } from "../state/actions";
import { accounts, showError, toast } from "../state/session";
import { askConfirm, askText } from "../state/ask";
import { DriveIcon } from "./icons";
import { fmtNumber, t } from "../i18n";

function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

export const DRAG_TYPE = "application/x-estafeta-emails";

export function Sidebar(props: { onNavigate: () => void }) {
  const accountId = route.value.accountId ?? "";
  const nodes = flatten(mailboxTree(mailboxes.value[accountId] ?? []));
  const over = useSignal<string | null>(null);
  const current = route.value.search ? null : route.value.mailboxId;
  const selectedNode = nodes.find((n) => n.mailbox.id === current);
  const own = selectedNode && !selectedNode.mailbox.role;

  const onKey = (e: KeyboardEvent, i: number) => {
    const items = Array.from((e.currentTarget as HTMLElement).closest("[role=tree]")!.querySelectorAll<HTMLElement>("[role=treeitem]"));
    let next = -1;
    if (e.key === "ArrowDown") next = Math.min(items.length - 1, i + 1);
    else if (e.key === "ArrowUp") next = Math.max(0, i - 1);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = items.length - 1;
    else if (e.key === "Enter" || e.key === " ") {
      e.preventDefault();
      open(nodes[i].mailbox.id);
      return;
    }
    if (next >= 0) {
      e.preventDefault();
      items[next].focus();
    }
  };
  const open = (id: string) => {
    go({ accountId, mailboxId: id, emailId: null, search: false });
    props.onNavigate();
  };

  const create = async () => {
    const parent = own ? selectedNode.mailbox : null;
    const address = accounts.value.find((a) => a.id === accountId)?.name ?? "";
    const name = await askText({
      title: t("folders.newTitle"),
      text: parent ? t("folders.newInside", { parent: parent.name }) : t("folders.newTop", { address }),
      label: t("folders.newName"),
      action: t("folders.create"),
    });
    if (!name) return;
    try {
      const err = await createMailbox(accountId, name, parent?.id ?? null);
      if (err) toast(t("folders.refused", { reason: err }), "error");
    } catch (e) {
      showError(e);
    }
  };
  const rename = async () => {
    if (!selectedNode || !own) return;
    const old = selectedNode.mailbox.name;
    const name = await askText({
      title: t("folders.renameTitle", { name: old }),
      text: t("folders.renameHelp"),
      label: t("folders.renameTo"),
      value: old,
      action: t("folders.renameAction"),
    });
    if (!name || name === old) return;
    try {
      const err = await renameMailbox(accountId, selectedNode.mailbox.id, name);
      if (err) toast(t("folders.refused", { reason: err }), "error");
    } catch (e) {
      showError(e);
    }
  };
  const remove = async () => {
    if (!selectedNode || !own) return;
    const name = selectedNode.mailbox.name;
    const sure = await askConfirm({
      title: t("folders.deleteTitle", { name }),
      text: t("folders.confirmDelete", { name }),
      action: t("folders.deleteAction"),
      danger: true,
    });
    if (!sure) return;
    try {
      const err = await deleteMailbox(accountId, selectedNode.mailbox.id);
      if (err) toast(t("folders.refused", { reason: err }), "error");
      else go({ mailboxId: null, emailId: null });
    } catch (e) {
      showError(e);
    }
  };

  return (
    <nav class="sidebar" aria-label={t("folders.title")}>
      <ul role="tree" aria-label={t("folders.title")} class="tree">
        {nodes.map((n, i) => {
          const m = n.mailbox;
          const selected = m.id === current;
          return (
            <li
              key={m.id}
              role="treeitem"
              aria-level={n.depth + 1}
              aria-selected={selected}
              tabIndex={selected || (!current && i === 0) ? 0 : -1}
              data-mailbox={m.id}
              data-role={m.role ?? undefined}
              class={"folder" + (selected ? " selected" : "") + (over.value === m.id ? " drop" : "")}
              style={{ paddingLeft: `${0.75 + n.depth * 1}rem` }}
              onClick={() => open(m.id)}
              onKeyDown={(e) => onKey(e, i)}
              onDragOver={(e) => {
                if (e.dataTransfer?.types.includes(DRAG_TYPE)) {
                  e.preventDefault();
                  over.value = m.id;
                }
              }}
              onDragLeave={() => (over.value = null)}
              onDrop={(e) => {
                e.preventDefault();
                over.value = null;
                const ids = JSON.parse(e.dataTransfer?.getData(DRAG_TYPE) || "[]") as string[];
                if (ids.length) void move(accountId, ids, m.id).then((ok) => ok && toast(t("toast.moved", { n: ids.length, folder: displayName(m) })));
              }}
            >
              <span class="folder-name">{displayName(m)}</span>
              {m.unreadEmails > 0 && (
                <span class="count" aria-label={t("folders.unread", { n: m.unreadEmails })}>{fmtNumber(m.unreadEmails)}</span>
              )}
            </li>
          );
        })}
      </ul>
      {(["mine", "org"] as const).map((space) => {
        const here = route.value.drive?.space === space;
        return (
          <a key={space} class={"drive-link" + (here ? " selected" : "")} href={routeHash({ accountId, console: null, drive: { space, folder: null } })} aria-current={here ? "page" : undefined} onClick={() => props.onNavigate()}>
            <DriveIcon /> {driveName(space)}
          </a>
        );
      })}
      <div class="folder-actions">
        <button type="button" onClick={create}>{t("folders.new")}</button>
        <button type="button" onClick={rename} disabled={!own}>{t("folders.rename")}</button>
        <button type="button" onClick={remove} disabled={!own}>{t("folders.delete")}</button>
      </div>
    </nav>
  );
}
