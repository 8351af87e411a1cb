// Search: one box over every folder but Trash and Spam (inMailboxOtherThan),
// and an advanced panel (from, to, subject, words, attachment, dates,
// size, folder — Trash and Spam included on request). Results go to the
// normal list with highlighted snippets.
import { signal, useSignal } from "@preact/signals";
import { go, route } from "../state/route";
import { isSearchEmpty, type SearchFields } from "../state/list";
import { mailboxes, mailboxTree, displayName, type TreeNode } from "../state/mailboxes";
import { t } from "../i18n";

export const EMPTY_SEARCH: SearchFields = { text: "", from: "", to: "", subject: "", body: "", hasAttachment: false, after: "", before: "", minSize: null, maxSize: null, folder: "" };
export const searchFields = signal<SearchFields>(EMPTY_SEARCH);

function flatten(nodes: TreeNode[]): TreeNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children)]);
}

function run(s: SearchFields) {
  if (isSearchEmpty(s)) {
    go({ search: false, emailId: null });
    return;
  }
  searchFields.value = { ...s };
  go({ search: true, emailId: null, mailboxId: null });
}

export function SearchBar() {
  const text = useSignal("");
  const open = useSignal(false);
  const adv = useSignal<SearchFields>(EMPTY_SEARCH);
  const accountId = route.value.accountId ?? "";
  const folders = flatten(mailboxTree(mailboxes.value[accountId] ?? []));
  const set = (k: keyof SearchFields, v: unknown) => (adv.value = { ...adv.value, [k]: v });
  const mb = (v: string) => (v ? Math.round(parseFloat(v) * 1024 * 1024) || null : null);

  return (
    <div class="search" role="search">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run({ ...EMPTY_SEARCH, text: text.value });
        }}
      >
        <label class="sr-only" for="search-box">{t("search.label")}</label>
        <input id="search-box" type="search" placeholder={t("search.placeholder")} value={text.value} onInput={(e) => (text.value = e.currentTarget.value)} />
        <button type="button" class="icon" aria-expanded={open.value} aria-controls="search-advanced" aria-label={t("search.advanced")} title={t("search.advanced")} onClick={() => (open.value = !open.value)}>⚙</button>
      </form>
      {route.value.search && (
        <button type="button" class="link" onClick={() => { text.value = ""; searchFields.value = EMPTY_SEARCH; go({ search: false, mailboxId: null, emailId: null }); }}>
          {t("search.clear")}
        </button>
      )}
      {open.value && (
        <form
          id="search-advanced"
          class="advanced card"
          aria-label={t("search.advanced")}
          onSubmit={(e) => {
            e.preventDefault();
            open.value = false;
            run(adv.value);
          }}
        >
          <label>{t("search.from")}<input name="from" value={adv.value.from} onInput={(e) => set("from", e.currentTarget.value)} /></label>
          <label>{t("search.to")}<input name="to" value={adv.value.to} onInput={(e) => set("to", e.currentTarget.value)} /></label>
          <label>{t("search.subject")}<input name="subject" value={adv.value.subject} onInput={(e) => set("subject", e.currentTarget.value)} /></label>
          <label>{t("search.words")}<input name="body" value={adv.value.body} onInput={(e) => set("body", e.currentTarget.value)} /></label>
          <label class="inline"><input type="checkbox" name="hasAttachment" checked={adv.value.hasAttachment} onChange={(e) => set("hasAttachment", e.currentTarget.checked)} />{t("search.hasAttachment")}</label>
          <div class="row">
            <label>{t("search.after")}<input type="date" name="after" value={adv.value.after} onInput={(e) => set("after", e.currentTarget.value)} /></label>
            <label>{t("search.before")}<input type="date" name="before" value={adv.value.before} onInput={(e) => set("before", e.currentTarget.value)} /></label>
          </div>
          <div class="row">
            <label>{t("search.minSize")}<input type="number" min="0" step="0.1" name="minSize" onInput={(e) => set("minSize", mb(e.currentTarget.value))} /></label>
            <label>{t("search.maxSize")}<input type="number" min="0" step="0.1" name="maxSize" onInput={(e) => set("maxSize", mb(e.currentTarget.value))} /></label>
          </div>
          <label>
            {t("search.folder")}
            <select name="folder" value={adv.value.folder} onChange={(e) => set("folder", e.currentTarget.value)}>
              <option value="">{t("search.allButTrash")}</option>
              <option value="*">{t("search.everywhere")}</option>
              {folders.map((n) => (
                <option key={n.mailbox.id} value={n.mailbox.id}>{"\u00a0".repeat(n.depth * 2) + displayName(n.mailbox)}</option>
              ))}
            </select>
          </label>
          <div class="row end">
            <button type="button" onClick={() => { adv.value = EMPTY_SEARCH; }}>{t("search.reset")}</button>
            <button type="submit" class="primary">{t("search.submit")}</button>
          </div>
        </form>
      )}
    </div>
  );
}
