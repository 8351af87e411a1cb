// Keyboard shortcuts of the mail screen (as in common web mail apps):
// j/k next/previous, Enter or o open, x select, r reply, a reply all,
// f forward, e archive, s flag, u read/unread, # or Delete delete,
// ! spam, c compose, / search, Escape close the message, ? this list.
import { focusIndex, list, selection, emails } from "../state/list";
import { archive, markSpam, remove, setKeyword } from "../state/actions";
import { compose } from "../state/compose";
import { go, route } from "../state/route";
import { focusRow, idAt, openRow, targetIds } from "./MessageList";
import { readerActions } from "./MessageView";

export const SHORTCUTS: [string, string][] = [
  ["j / k", "shortcut.nextPrev"],
  ["Enter / o", "shortcut.open"],
  ["x", "shortcut.select"],
  ["r", "shortcut.reply"],
  ["a", "shortcut.replyAll"],
  ["f", "shortcut.forward"],
  ["e", "shortcut.archive"],
  ["s", "shortcut.flag"],
  ["u", "shortcut.read"],
  ["# / Supr", "shortcut.delete"],
  ["!", "shortcut.spam"],
  ["c", "shortcut.compose"],
  ["/", "shortcut.search"],
  ["Esc", "shortcut.close"],
  ["?", "shortcut.help"],
];

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el) return false;
  return el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || !!el.closest("dialog[open], .composer");
}

export function handleShortcut(e: KeyboardEvent, showHelp: () => void): void {
  if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
  const accountId = route.value.accountId;
  if (!accountId) return;
  const ids = targetIds();
  const move = (d: number) => {
    focusRow(focusIndex.value + d);
    if (route.value.emailId) openRow(focusIndex.value);
  };
  const k = e.key;
  let handled = true;
  if (k === "j") move(1);
  else if (k === "k") move(-1);
  else if (k === "Enter" || k === "o") openRow(focusIndex.value);
  else if (k === "x") {
    const id = idAt(focusIndex.value);
    if (id) {
      const next = new Set(selection.value);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      selection.value = next;
    }
  } else if (k === "r" || k === "a" || k === "f") {
    if (readerActions) readerActions.reply(k === "r" ? "reply" : k === "a" ? "replyAll" : "forward");
    else handled = false;
  } else if (k === "e") void archive(accountId, ids);
  else if (k === "s") void setKeyword(accountId, ids, "$flagged", !ids.every((id) => emails.value.get(id)?.keywords.$flagged));
  else if (k === "u") void setKeyword(accountId, ids, "$seen", !ids.every((id) => emails.value.get(id)?.keywords.$seen));
  else if (k === "#" || k === "Delete") void remove(accountId, ids);
  else if (k === "!") void markSpam(accountId, ids, true);
  else if (k === "c") compose({ mode: "new", accountId });
  else if (k === "/") document.getElementById("search-box")?.focus();
  else if (k === "Escape" && route.value.emailId) go({ emailId: null });
  else if (k === "?") showHelp();
  else handled = false;
  if (handled) e.preventDefault();
  void list;
}
