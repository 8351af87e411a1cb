// The message list (role="listbox"): fixed-height rows, only those in
// view drawn, fetched by position as they come into view, so a folder of
// 100,000 messages scrolls like one of ten. Unread/flag/attachment marks,
// thread sizes, multi-select (click, Ctrl/Shift-click, x), drag to a
// folder, and the toolbar of actions on the selection.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { emails, fetchRange, focusIndex, list, selection, snippets, threadSizes, type ListEmail } from "../state/list";
import { archive, markSpam, move, remove, setKeyword } from "../state/actions";
import { byRole, displayName, mailboxes, mailboxTree, type TreeNode } from "../state/mailboxes";
import { go, route } from "../state/route";
import { prefs, savePrefs } from "../state/session";
import { scrollToRow, visibleRows, type RowWindow } from "../lib/windowing";
import { shortName } from "../lib/address";
import { DRAG_TYPE } from "./Sidebar";
import { Snippet } from "./Snippet";
import { Paperclip } from "./icons";
import { fmtListDate, fmtNumber, t, type Key } from "../i18n";

export const ROW_HEIGHT = 64;
let lastWindow: RowWindow = { start: 0, end: 50 };

export function currentWindow(): RowWindow {
  return lastWindow;
}

let listElement: HTMLElement | null = null;

/** Moves the keyboard focus to row `i` and scrolls it into view. */
export function focusRow(i: number): void {
  const total = list.value.total;
  if (total === 0) return;
  const n = Math.max(0, Math.min(total - 1, i));
  focusIndex.value = n;
  if (listElement) listElement.scrollTop = scrollToRow(n, listElement.scrollTop, listElement.clientHeight, ROW_HEIGHT);
}

export function idAt(i: number): string | undefined {
  return list.value.ids.get(i);
}

/** The ids an action applies to: the selection, else the focused row. */
export function targetIds(): string[] {
  if (selection.value.size) return [...selection.value];
  const id = idAt(focusIndex.value) ?? route.value.emailId;
  return id ? [id] : [];
}

function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

export function openRow(i: number): void {
  const id = idAt(i);
  if (!id) return;
  focusIndex.value = i;
  go({ emailId: id });
}

export function MessageList() {
  const ref = useRef<HTMLDivElement>(null);
  const scrollTop = useSignal(0);
  const height = useSignal(600);
  const anchor = useRef<number | null>(null);
  const fetchTimer = useRef<number | undefined>(undefined);
  const st = list.value;
  const accountId = st.query?.accountId ?? "";
  const w = visibleRows(scrollTop.value, height.value, ROW_HEIGHT, st.total);
  lastWindow = w;

  useEffect(() => {
    listElement = ref.current;
    const el = ref.current!;
    const ro = new ResizeObserver(() => (height.value = el.clientHeight));
    ro.observe(el);
    height.value = el.clientHeight;
    return () => ro.disconnect();
  }, []);

  // Rows that come into view are fetched shortly after scrolling settles.
  useEffect(() => {
    clearTimeout(fetchTimer.current);
    fetchTimer.current = window.setTimeout(() => void fetchRange(w.start, w.end), 60);
  }, [w.start, w.end, st.query]);

  useEffect(() => {
    if (ref.current && st.total === 0) ref.current.scrollTop = 0;
  }, [st.query]);

  const sel = selection.value;
  const toggle = (id: string, i: number, e: MouseEvent | KeyboardEvent) => {
    const next = new Set(sel);
    if (e.shiftKey && anchor.current !== null) {
      const [a, b] = [Math.min(anchor.current, i), Math.max(anchor.current, i)];
      for (let k = a; k <= b; k++) {
        const x = idAt(k);
        if (x) next.add(x);
      }
    } else if (next.has(id)) next.delete(id);
    else next.add(id);
    anchor.current = i;
    selection.value = next;
  };

  const ids = targetIds();
  const folders = flatten(mailboxTree(mailboxes.value[accountId] ?? []));
  const here = st.query?.mailboxId;
  const inJunk = here && here === byRole(accountId, "junk")?.id;
  const allSeen = ids.length > 0 && ids.every((id) => emails.value.get(id)?.keywords.$seen);
  const allFlagged = ids.length > 0 && ids.every((id) => emails.value.get(id)?.keywords.$flagged);

  const rows = [];
  for (let i = w.start; i < w.end; i++) {
    const id = st.ids.get(i);
    const e = id ? emails.value.get(id) : undefined;
    rows.push(
      <Row
        key={i}
        index={i}
        email={e}
        selected={!!id && sel.has(id)}
        focused={focusIndex.value === i}
        open={!!id && route.value.emailId === id}
        threadSize={e && st.query?.threads ? threadSizes.value.get(e.threadId) ?? 1 : 1}
        onOpen={(ev) => {
          if (!id) return;
          if (ev.ctrlKey || ev.metaKey || ev.shiftKey) toggle(id, i, ev);
          else openRow(i);
        }}
        onToggle={(ev) => id && toggle(id, i, ev)}
        dragIds={() => (id && sel.has(id) ? [...sel] : id ? [id] : [])}
      />,
    );
  }

  return (
    <section class="list-pane" aria-label={t("list.title")}>
      <div class="list-toolbar" role="toolbar" aria-label={t("list.actions")}>
        <input
          type="checkbox"
          aria-label={t("list.selectLoaded")}
          checked={sel.size > 0 && sel.size >= Math.min(st.total, st.ids.size)}
          onChange={(e) => {
            selection.value = e.currentTarget.checked ? new Set(Array.from({ length: w.end - w.start }, (_, k) => idAt(w.start + k)).filter(Boolean) as string[]) : new Set();
          }}
        />
        <button type="button" disabled={!ids.length} onClick={() => setKeyword(accountId, ids, "$seen", !allSeen)}>{allSeen ? t("action.markUnread") : t("action.markRead")}</button>
        <button type="button" disabled={!ids.length} onClick={() => setKeyword(accountId, ids, "$flagged", !allFlagged)}>{allFlagged ? t("action.unflag") : t("action.flag")}</button>
        <button type="button" disabled={!ids.length} onClick={() => archive(accountId, ids)}>{t("action.archive")}</button>
        <button type="button" disabled={!ids.length} onClick={() => remove(accountId, ids)}>{t("action.delete")}</button>
        <button type="button" disabled={!ids.length} onClick={() => markSpam(accountId, ids, !inJunk)}>{inJunk ? t("action.notSpam") : t("action.spam")}</button>
        <select
          aria-label={t("action.moveTo")}
          disabled={!ids.length}
          value=""
          onChange={(e) => {
            const to = e.currentTarget.value;
            e.currentTarget.value = "";
            if (to) void move(accountId, ids, to);
          }}
        >
          <option value="">{t("action.moveTo")}</option>
          {folders.map((n) => (
            <option key={n.mailbox.id} value={n.mailbox.id}>{"\u00a0".repeat(n.depth * 2) + displayName(n.mailbox)}</option>
          ))}
        </select>
        <label class="inline threads-toggle">
          <input type="checkbox" checked={prefs.value.threads} onChange={(e) => void savePrefs({ threads: e.currentTarget.checked })} />
          {t("list.threads")}
        </label>
      </div>
      <div class="list-status" aria-live="polite">
        {st.error ? <span class="error">{st.error}</span> : st.loading ? t("app.loading") : t(((route.value.search ? "list.results" : "list.count") + (st.total === 1 ? "One" : "")) as Key, { n: fmtNumber(st.total) })}
      </div>
      <div
        id="message-list"
        ref={ref}
        class="list"
        role={st.total ? "listbox" : undefined}
        aria-label={st.total ? t("list.title") : undefined}
        aria-multiselectable={st.total ? "true" : undefined}
        aria-activedescendant={st.total ? "row-" + focusIndex.value : undefined}
        tabIndex={0}
        onScroll={(e) => {
          const top = (e.currentTarget as HTMLElement).scrollTop;
          requestAnimationFrame(() => (scrollTop.value = top));
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") { e.preventDefault(); focusRow(focusIndex.value + 1); }
          else if (e.key === "ArrowUp") { e.preventDefault(); focusRow(focusIndex.value - 1); }
          else if (e.key === "PageDown") { e.preventDefault(); focusRow(focusIndex.value + Math.floor(height.value / ROW_HEIGHT)); }
          else if (e.key === "PageUp") { e.preventDefault(); focusRow(focusIndex.value - Math.floor(height.value / ROW_HEIGHT)); }
          else if (e.key === "Home") { e.preventDefault(); focusRow(0); }
          else if (e.key === "End") { e.preventDefault(); focusRow(st.total - 1); }
          else if (e.key === " ") { e.preventDefault(); const id = idAt(focusIndex.value); if (id) toggle(id, focusIndex.value, e); }
        }}
      >
        <div class="list-spacer" style={{ height: `${st.total * ROW_HEIGHT}px` }}>
          {rows}
        </div>
        {!st.loading && st.total === 0 && <p class="empty">{route.value.search ? t("list.noResults") : t("list.empty")}</p>}
      </div>
    </section>
  );
}

function Row(props: {
  index: number;
  email: ListEmail | undefined;
  selected: boolean;
  focused: boolean;
  open: boolean;
  threadSize: number;
  onOpen: (e: MouseEvent) => void;
  onToggle: (e: MouseEvent) => void;
  dragIds: () => string[];
}) {
  const e = props.email;
  const style = { transform: `translateY(${props.index * ROW_HEIGHT}px)`, height: `${ROW_HEIGHT}px` };
  if (!e) return <div id={"row-" + props.index} role="option" aria-selected="false" aria-busy="true" class="row placeholder" style={style}><span class="skeleton" /></div>;
  const unread = !e.keywords.$seen;
  const flagged = !!e.keywords.$flagged;
  const snip = snippets.value.get(e.id);
  const cls = "row" + (unread ? " unread" : "") + (props.selected ? " selected" : "") + (props.focused ? " focused" : "") + (props.open ? " open" : "");
  const marks = [unread ? t("list.unread") : "", flagged ? t("list.flagged") : "", e.hasAttachment ? t("list.hasAttachment") : ""].filter(Boolean).join(", ");
  return (
    <div
      id={"row-" + props.index}
      role="option"
      aria-selected={props.selected || props.open}
      data-email={e.id}
      class={cls}
      style={style}
      draggable
      onDragStart={(ev) => {
        ev.dataTransfer!.setData(DRAG_TYPE, JSON.stringify(props.dragIds()));
        ev.dataTransfer!.effectAllowed = "move";
      }}
      onClick={props.onOpen}
    >
      <span class={"check" + (props.selected ? " on" : "")} aria-hidden="true" onClick={(ev) => { ev.stopPropagation(); props.onToggle(ev); }} />
      <div class="row-main">
        <div class="row-line">
          <span class="from">{shortName(e.from) || t("list.noSender")}</span>
          {props.threadSize > 1 && <span class="thread-count" aria-hidden="true">{props.threadSize}</span>}
          <span class="marks" aria-hidden="true">
            {e.hasAttachment && <span class="mark-attach" title={t("list.hasAttachment")}><Paperclip /></span>}
            {flagged && <span class="mark-flag" title={t("list.flagged")}>★</span>}
          </span>
          <time dateTime={e.receivedAt}>{fmtListDate(e.receivedAt)}</time>
        </div>
        <div class="subject">{snip?.subject ? <Snippet html={snip.subject} /> : e.subject || t("list.noSubject")}</div>
        <div class="preview">{snip?.preview ? <Snippet html={snip.preview} /> : e.preview}</div>
        {marks && <span class="sr-only">{marks}</span>}
      </div>
    </div>
  );
}
