// The message list: a query (a folder or a search) whose rows are fetched
// by position, a page at a time, only where the user looks (Email/query
// with position + Email/get of those ids, in one request); selection,
// focus and the open message.
import { signal } from "@preact/signals";
import { jmap, prefs } from "./session";
import type { EmailAddress } from "../lib/address";

export const PAGE = 50;

export interface ListEmail {
  id: string;
  blobId: string;
  threadId: string;
  mailboxIds: Record<string, boolean>;
  keywords: Record<string, boolean>;
  from: EmailAddress[] | null;
  to: EmailAddress[] | null;
  subject: string | null;
  receivedAt: string;
  hasAttachment: boolean;
  preview: string;
  size: number;
}

export const LIST_PROPS = ["id", "blobId", "threadId", "mailboxIds", "keywords", "from", "to", "subject", "receivedAt", "hasAttachment", "preview", "size"];

export interface SearchFields {
  text: string;
  from: string;
  to: string;
  subject: string;
  body: string;
  hasAttachment: boolean;
  after: string; // yyyy-mm-dd
  before: string;
  minSize: number | null; // bytes
  maxSize: number | null;
  /** "" (all but Trash and Spam), "*" (every folder) or a folder id. */
  folder: string;
}

export interface ListQuery {
  accountId: string;
  mailboxId: string | null;
  search: SearchFields | null;
  /** Mailboxes left out of an all-folders search (Trash and Spam). */
  exclude: string[];
  threads: boolean;
}

export interface ListState {
  query: ListQuery | null;
  total: number;
  /** position → email id */
  ids: Map<number, string>;
  loading: boolean;
  error: string | null;
}

export const list = signal<ListState>({ query: null, total: 0, ids: new Map(), loading: false, error: null });
/** id → the email's list fields (shared by every list). */
export const emails = signal<Map<string, ListEmail>>(new Map());
/** threadId → number of emails in it (when threads are on). */
export const threadSizes = signal<Map<string, number>>(new Map());
/** emailId → highlighted snippet HTML (subject, preview) for a search. */
export const snippets = signal<Map<string, { subject: string | null; preview: string | null }>>(new Map());
export const selection = signal<Set<string>>(new Set());
export const focusIndex = signal(0);

const requested = new Set<number>(); // pages asked for in this query's generation
let generation = 0;

export function filterOf(q: ListQuery): Record<string, unknown> {
  const s = q.search;
  if (!s) return { inMailbox: q.mailboxId };
  const conditions: Record<string, unknown>[] = [];
  if (s.text.trim()) conditions.push({ text: s.text.trim() });
  if (s.from.trim()) conditions.push({ from: s.from.trim() });
  if (s.to.trim()) conditions.push({ to: s.to.trim() });
  if (s.subject.trim()) conditions.push({ subject: s.subject.trim() });
  if (s.body.trim()) conditions.push({ body: s.body.trim() });
  if (s.hasAttachment) conditions.push({ hasAttachment: true });
  if (s.after) conditions.push({ after: new Date(s.after + "T00:00:00").toISOString().replace(/\.\d+Z$/, "Z") });
  if (s.before) {
    const d = new Date(s.before + "T00:00:00");
    d.setDate(d.getDate() + 1);
    conditions.push({ before: d.toISOString().replace(/\.\d+Z$/, "Z") });
  }
  if (s.minSize) conditions.push({ minSize: s.minSize });
  if (s.maxSize) conditions.push({ maxSize: s.maxSize });
  if (s.folder === "") {
    if (q.exclude.length) conditions.push({ inMailboxOtherThan: q.exclude });
  } else if (s.folder !== "*") conditions.push({ inMailbox: s.folder });
  if (conditions.length === 0) return {};
  if (conditions.length === 1) return conditions[0];
  return { operator: "AND", conditions };
}

export function isSearchEmpty(s: SearchFields): boolean {
  return !s.text.trim() && !s.from.trim() && !s.to.trim() && !s.subject.trim() && !s.body.trim() && !s.hasAttachment && !s.after && !s.before && !s.minSize && !s.maxSize;
}

/** Starts a new list (a folder or a search); the first page is fetched at once. */
export function openList(q: ListQuery): Promise<void> {
  generation++;
  requested.clear();
  list.value = { query: q, total: 0, ids: new Map(), loading: true, error: null };
  selection.value = new Set();
  focusIndex.value = 0;
  snippets.value = new Map();
  return fetchRange(0, PAGE);
}

/** The same list again after a change: rows where the user looks are fetched anew. */
export function refreshList(start: number, end: number): Promise<void> {
  requested.clear();
  return fetchRange(start, end, true);
}

/** Fetches the pages covering rows [start, end) that are not there yet. */
export async function fetchRange(start: number, end: number, replace = false): Promise<void> {
  const q = list.value.query;
  const j = jmap.value;
  if (!q || !j) return;
  const gen = generation;
  const pages: number[] = [];
  for (let p = Math.floor(start / PAGE); p * PAGE < Math.max(end, start + 1); p++) {
    if (requested.has(p)) continue;
    requested.add(p);
    pages.push(p);
  }
  if (pages.length === 0) return;
  const filter = filterOf(q);
  const calls: any[] = [];
  for (const p of pages) {
    calls.push(["Email/query", { accountId: q.accountId, filter, sort: [{ property: "receivedAt", isAscending: false }], collapseThreads: q.threads, position: p * PAGE, limit: PAGE, calculateTotal: true }, "q" + p]);
    calls.push(["Email/get", { accountId: q.accountId, "#ids": { resultOf: "q" + p, name: "Email/query", path: "/ids" }, properties: LIST_PROPS }, "g" + p]);
    if (q.threads)
      calls.push(["Thread/get", { accountId: q.accountId, "#ids": { resultOf: "g" + p, name: "Email/get", path: "/list/*/threadId" } }, "t" + p]);
    if (q.search)
      calls.push(["SearchSnippet/get", { accountId: q.accountId, filter, "#emailIds": { resultOf: "q" + p, name: "Email/query", path: "/ids" } }, "s" + p]);
  }
  try {
    const r = await j.request(calls, pages.map((p) => "s" + p));
    if (gen !== generation) return;
    const ids = replace ? new Map<number, string>() : new Map(list.value.ids);
    const known = new Map(emails.value);
    const sizes = new Map(threadSizes.value);
    const snips = new Map(snippets.value);
    let total = list.value.total;
    for (const p of pages) {
      const qr = r["q" + p];
      total = qr.total ?? total;
      (qr.ids as string[]).forEach((id, i) => ids.set(qr.position + i, id));
      for (const e of r["g" + p].list as ListEmail[]) known.set(e.id, e);
      if (r["t" + p]) for (const th of r["t" + p].list) sizes.set(th.id, th.emailIds.length);
      if (r["s" + p] && !r["s" + p].error) for (const s of r["s" + p].list) snips.set(s.emailId, { subject: s.subject, preview: s.preview });
    }
    if (replace) {
      // Rows outside the refreshed pages are forgotten; they are fetched again when seen.
      requested.clear();
      for (const p of pages) requested.add(p);
    }
    emails.value = known;
    threadSizes.value = sizes;
    snippets.value = snips;
    list.value = { ...list.value, total, ids, loading: false, error: null };
  } catch (e) {
    if (gen !== generation) return;
    for (const p of pages) requested.delete(p);
    list.value = { ...list.value, loading: false, error: e instanceof Error ? e.message : String(e) };
  }
}

/** Keeps the list's copy of some emails up to date after a change made here. */
export function patchEmails(ids: string[], change: (e: ListEmail) => ListEmail): void {
  const known = new Map(emails.value);
  for (const id of ids) {
    const e = known.get(id);
    if (e) known.set(id, change(e));
  }
  emails.value = known;
}

export function threadsOn(): boolean {
  return prefs.value.threads;
}
