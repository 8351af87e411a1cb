// Folders of every account: the tree, unread counts, special folders by
// role (RFC 8621 §2), and their changes (create, rename, delete, role).
import { computed, signal } from "@preact/signals";
import { accounts, jmap } from "./session";
import { t, type Key } from "../i18n";

export interface Mailbox {
  id: string;
  name: string;
  parentId: string | null;
  role: string | null;
  sortOrder: number;
  totalEmails: number;
  unreadEmails: number;
  totalThreads: number;
  unreadThreads: number;
  myRights: Record<string, boolean>;
}

export const ROLES = ["inbox", "drafts", "sent", "archive", "junk", "trash"] as const;
export type Role = (typeof ROLES)[number];

/** accountId → its folders. */
export const mailboxes = signal<Record<string, Mailbox[]>>({});

export function roleLabel(role: string): string | null {
  return (ROLES as readonly string[]).includes(role) ? t(("role." + role) as Key) : null;
}

export function displayName(m: Mailbox): string {
  return (m.role && roleLabel(m.role)) || m.name;
}

export function byRole(accountId: string, role: Role): Mailbox | undefined {
  return mailboxes.value[accountId]?.find((m) => m.role === role);
}

export function mailboxById(accountId: string, id: string): Mailbox | undefined {
  return mailboxes.value[accountId]?.find((m) => m.id === id);
}

export interface TreeNode {
  mailbox: Mailbox;
  depth: number;
  children: TreeNode[];
}

/** Special folders first in the usual order, then the others by sort order and name, children under parents. */
export function mailboxTree(list: Mailbox[]): TreeNode[] {
  const rank = (m: Mailbox) => {
    const i = m.role ? (ROLES as readonly string[]).indexOf(m.role) : -1;
    return i < 0 ? ROLES.length : i;
  };
  const cmp = (a: Mailbox, b: Mailbox) =>
    rank(a) - rank(b) || a.sortOrder - b.sortOrder || a.name.localeCompare(b.name);
  const ids = new Set(list.map((m) => m.id));
  const build = (parent: string | null, depth: number): TreeNode[] =>
    list
      .filter((m) => (m.parentId && ids.has(m.parentId) ? m.parentId : null) === parent)
      .sort(cmp)
      .map((m) => ({ mailbox: m, depth, children: depth < 10 ? build(m.id, depth + 1) : [] }));
  return build(null, 0);
}

/** Unread in the inbox of each account. */
export const inboxUnread = computed<Record<string, number>>(() => {
  const out: Record<string, number> = {};
  for (const [id, list] of Object.entries(mailboxes.value))
    out[id] = list.find((m) => m.role === "inbox")?.unreadEmails ?? 0;
  return out;
});

const PROPS = ["id", "name", "parentId", "role", "sortOrder", "totalEmails", "unreadEmails", "totalThreads", "unreadThreads", "myRights"];

/** Reads the folders of the given accounts (all by default) in one request. */
export async function loadMailboxes(ids?: string[]): Promise<void> {
  const j = jmap.value;
  if (!j) return;
  const which = ids ?? accounts.value.map((a) => a.id);
  if (which.length === 0) return;
  const r = await j.request(
    which.map((accountId, i) => ["Mailbox/get", { accountId, properties: PROPS }, "m" + i]),
    which.map((_, i) => "m" + i),
  );
  const next = { ...mailboxes.value };
  which.forEach((accountId, i) => {
    const a = r["m" + i];
    if (a && !a.error) next[accountId] = a.list as Mailbox[];
  });
  mailboxes.value = next;
}

/** The reason a Mailbox/set change was refused, as the server gave it. */
function refusal(r: any, key: string, kind: "notCreated" | "notUpdated" | "notDestroyed"): string | null {
  const e = r?.[kind]?.[key];
  if (!e) return null;
  return e.description ? `${e.description}` : e.type;
}

export async function createMailbox(accountId: string, name: string, parentId: string | null): Promise<string | null> {
  const r = await jmap.value!.call("Mailbox/set", { accountId, create: { n: { name, parentId } } });
  await loadMailboxes([accountId]);
  return refusal(r, "n", "notCreated");
}

export async function renameMailbox(accountId: string, id: string, name: string): Promise<string | null> {
  const r = await jmap.value!.call("Mailbox/set", { accountId, update: { [id]: { name } } });
  await loadMailboxes([accountId]);
  return refusal(r, id, "notUpdated");
}

export async function deleteMailbox(accountId: string, id: string): Promise<string | null> {
  const r = await jmap.value!.call("Mailbox/set", { accountId, destroy: [id], onDestroyRemoveEmails: false });
  await loadMailboxes([accountId]);
  return refusal(r, id, "notDestroyed");
}

/** Makes `id` the folder of `role` (and no other); null when done, else the server's refusal. */
export async function setRole(accountId: string, role: Role, id: string): Promise<string | null> {
  const current = byRole(accountId, role);
  if (current?.id === id) return null;
  const update: Record<string, unknown> = {};
  if (current) update[current.id] = { role: null };
  update[id] = { role };
  const r = await jmap.value!.call("Mailbox/set", { accountId, update });
  await loadMailboxes([accountId]);
  return refusal(r, id, "notUpdated") ?? (current ? refusal(r, current.id, "notUpdated") : null);
}
