// The app's frame: login, the mail screen (header, folders, list, reader)
// or the console (account, security, organisation; loaded on first use),
// the composer and the settings (both loaded on first use), the toasts;
// routing and the keyboard shortcuts.
import { lazy, Suspense } from "preact/compat";
import { useEffect } from "preact/hooks";
import { useSignal, useSignalEffect } from "@preact/signals";
import { accounts, booting, mustEnrol, prefs, user } from "../state/session";
import { byRole, loadMailboxes, mailboxes } from "../state/mailboxes";
import { go, route } from "../state/route";
import { driveName } from "./drive/DrivePicker";
import { list, openList, refreshList, type SearchFields } from "../state/list";
import { onEmailsChanged, startPush, titleEffect } from "../state/push";
import { composeRequest, settingsOpen } from "../state/compose";
import { currentWindow } from "./MessageList";
import { Login } from "./Login";
import { Header } from "./Header";
import { Sidebar } from "./Sidebar";
import { MessageList } from "./MessageList";
import { Reader } from "./Reader";
import { Toasts } from "./Toasts";
import { searchFields } from "./SearchBar";
import { Dialog } from "./Dialog";
import { Ask } from "./Ask";
import { handleShortcut, SHORTCUTS } from "./shortcuts";
import { t, type Key } from "../i18n";

const Composer = lazy(() => import("./composer/Composer").then((m) => ({ default: m.Composer })));
const Settings = lazy(() => import("./settings/Settings").then((m) => ({ default: m.Settings })));
const DriveView = lazy(() => import("./drive/DriveView").then((m) => ({ default: m.DriveView })));
const Console = lazy(() => import("../console/Console").then((m) => ({ default: m.Console })));

export function App() {
  if (booting.value) return <div class="boot" role="status">{t("app.loading")}</div>;
  if (!user.value) return <Login />;
  if (route.value.console || mustEnrol.value)
    return (
      <Suspense fallback={<div class="boot" role="status">{t("app.loading")}</div>}>
        <Console />
      </Suspense>
    );
  return <Mail />;
}

function Mail() {
  const drawer = useSignal(false);
  const help = useSignal(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => handleShortcut(e, () => (help.value = true));
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    void loadMailboxes();
    startPush();
    const stop = titleEffect();
    onEmailsChanged((accountId) => {
      if (list.value.query?.accountId === accountId) {
        const w = currentWindow();
        void refreshList(w.start, w.end);
      }
    });
    return stop;
  }, []);

  // A route without an account or folder goes to the first account's inbox.
  useSignalEffect(() => {
    const r = route.value;
    const accs = accounts.value;
    if (accs.length === 0) return;
    const accountId = r.accountId && accs.some((a) => a.id === r.accountId) ? r.accountId : accs[0].id;
    const boxes = mailboxes.value[accountId];
    if (!boxes) return;
    if (accountId !== r.accountId || (!r.search && !r.drive && (!r.mailboxId || !boxes.some((m) => m.id === r.mailboxId)))) {
      const inbox = byRole(accountId, "inbox") ?? boxes[0];
      if (r.drive) go({ accountId, drive: r.drive });
      else if (inbox) go({ accountId, mailboxId: inbox.id, emailId: null, search: false });
    }
  });

  // The list follows the route (folder or search) and the threads setting.
  useSignalEffect(() => {
    const r = route.value;
    const threads = prefs.value.threads;
    const s: SearchFields | null = r.search ? searchFields.value : null;
    if (!r.accountId || !mailboxes.value[r.accountId]) return;
    if (r.drive || (!r.search && !r.mailboxId)) return;
    const q = list.value.query;
    const exclude = [byRole(r.accountId, "trash")?.id, byRole(r.accountId, "junk")?.id].filter(Boolean) as string[];
    if (q && q.accountId === r.accountId && q.mailboxId === (r.search ? null : r.mailboxId) && q.search === s && q.threads === threads) return;
    void openList({ accountId: r.accountId, mailboxId: r.search ? null : r.mailboxId, search: s, exclude, threads });
  });

  const reading = !!route.value.emailId;
  const drive = !!route.value.drive;
  return (
    <div class={"mail" + (reading ? " reading" : "") + (drawer.value ? " drawer-open" : "")}>
      <a class="skip" href="#message-list" onClick={(e) => { e.preventDefault(); document.getElementById("message-list")?.focus(); }}>{t("app.skipToList")}</a>
      <Header onMenu={() => (drawer.value = !drawer.value)} />
      <Sidebar onNavigate={() => (drawer.value = false)} />
      {drive ? (
        <main class="panes drive-pane" aria-label={driveName(route.value.drive?.space ?? "mine")}>
          <Suspense fallback={<div class="boot" role="status">{t("app.loading")}</div>}>
            <DriveView key={route.value.drive?.space} />
          </Suspense>
        </main>
      ) : (
        <main class="panes" aria-label={t("app.mailArea")}>
          <MessageList />
          <Reader />
        </main>
      )}
      <Suspense fallback={<div class="boot" role="status">{t("app.loading")}</div>}>
        {composeRequest.value && <Composer key={composeRequest.value.key} request={composeRequest.value} />}
        {settingsOpen.value !== null && <Settings />}
      </Suspense>
      {help.value && (
        <Dialog title={t("shortcut.title")} onClose={() => (help.value = false)}>
          <table class="shortcuts">
            <tbody>
              {SHORTCUTS.map(([keys, label]) => (
                <tr key={keys}><th scope="row"><kbd>{keys}</kbd></th><td>{t(label as Key)}</td></tr>
              ))}
            </tbody>
          </table>
        </Dialog>
      )}
      <Ask />
      <Toasts />
    </div>
  );
}
