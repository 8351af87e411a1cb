// The reader pane: the open message, or its whole thread when threads are
// on (the open one expanded). Opening a message marks it read.
import { useSignal, useSignalEffect } from "@preact/signals";
import { go, route } from "../state/route";
import { prefs, showError } from "../state/session";
import { loadEmail, type FullEmail } from "../state/reader";
import { setKeyword } from "../state/actions";
import { MessageView } from "./MessageView";
import { t } from "../i18n";

export function Reader() {
  const thread = useSignal<FullEmail[] | null>(null);
  const error = useSignal("");
  const expanded = useSignal<string | null>(null);
  const reload = useSignal(0);

  useSignalEffect(() => {
    const { accountId, emailId } = route.value;
    const threads = prefs.value.threads;
    void reload.value;
    thread.value = null;
    error.value = "";
    if (!accountId || !emailId) return;
    let alive = true;
    loadEmail(accountId, emailId, threads)
      .then((list) => {
        if (!alive) return;
        if (list.length === 0) {
          error.value = t("reader.gone");
          return;
        }
        thread.value = list;
        // With threads on, the row's email stands for the thread: show the newest unread, else the newest.
        const open = list.find((e) => e.id === emailId && !threads) ?? list.filter((e) => !e.keywords.$seen).pop() ?? list[list.length - 1];
        expanded.value = open.id;
        const unread = list.filter((e) => (threads ? true : e.id === open.id) && !e.keywords.$seen).map((e) => e.id);
        if (unread.length) void setKeyword(accountId, unread, "$seen", true);
      })
      .catch((e) => {
        if (alive) {
          error.value = e instanceof Error ? e.message : String(e);
          showError(e);
        }
      });
    return () => {
      alive = false;
    };
  });

  const { accountId, emailId } = route.value;
  if (!emailId || !accountId) {
    return (
      <section class="reader empty" aria-label={t("reader.title")}>
        <p class="muted">{t("reader.nothing")}</p>
      </section>
    );
  }
  const list = thread.value;
  return (
    <section class="reader" aria-label={t("reader.title")}>
      <div class="reader-bar">
        <button type="button" class="back" onClick={() => go({ emailId: null })}>← {t("action.back")}</button>
      </div>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {!list && !error.value && <p class="muted" role="status">{t("app.loading")}</p>}
      {list && (
        <div class="thread">
          {list.length > 1 && <h2 class="thread-subject">{list[list.length - 1].subject || t("list.noSubject")} <span class="muted">({list.length})</span></h2>}
          {list.map((e) =>
            e.id === expanded.value || list.length === 1 ? (
              <MessageView key={e.id} accountId={accountId} email={e} primary onChanged={() => reload.value++} />
            ) : (
              <button key={e.id} type="button" class="collapsed-message" aria-expanded="false" onClick={() => (expanded.value = e.id)}>
                <strong>{e.from?.[0]?.name || e.from?.[0]?.email}</strong> <span class="muted">{e.preview}</span>
              </button>
            ),
          )}
        </div>
      )}
    </section>
  );
}
