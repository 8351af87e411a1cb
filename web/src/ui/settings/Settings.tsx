// Settings: general (language, theme, threads, undo delay), identities and
// signatures, read receipts, notifications, special folders, vacation
// reply, download links. Loaded on first use.
import { settingsOpen } from "../../state/compose";
import { Dialog } from "../Dialog";
import { General, Receipts, Notifications } from "./General";
import { Identities } from "./Identities";
import { SpecialFolders } from "./SpecialFolders";
import { Vacation } from "./Vacation";
import { Transfers } from "./Transfers";
import { t, type Key } from "../../i18n";

const TABS = ["general", "identities", "receipts", "notifications", "folders", "vacation", "transfers"] as const;

export function Settings() {
  const tab = (TABS as readonly string[]).includes(settingsOpen.value ?? "") ? settingsOpen.value! : "general";
  const onKey = (e: KeyboardEvent) => {
    const i = TABS.indexOf(tab as any);
    let n = -1;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") n = (i + 1) % TABS.length;
    if (e.key === "ArrowLeft" || e.key === "ArrowUp") n = (i + TABS.length - 1) % TABS.length;
    if (n >= 0) {
      e.preventDefault();
      settingsOpen.value = TABS[n];
      queueMicrotask(() => document.getElementById("tab-" + TABS[n])?.focus());
    }
  };
  return (
    <Dialog title={t("settings.title")} wide onClose={() => (settingsOpen.value = null)} class="settings">
      <div class="tabs" role="tablist" aria-label={t("settings.title")} onKeyDown={onKey}>
        {TABS.map((x) => (
          <button key={x} id={"tab-" + x} type="button" role="tab" aria-selected={tab === x} aria-controls="settings-panel" tabIndex={tab === x ? 0 : -1} onClick={() => (settingsOpen.value = x)}>
            {t(("settings.tab." + x) as Key)}
          </button>
        ))}
      </div>
      <div id="settings-panel" role="tabpanel" aria-labelledby={"tab-" + tab} class="tab-panel">
        {tab === "general" && <General />}
        {tab === "identities" && <Identities />}
        {tab === "receipts" && <Receipts />}
        {tab === "notifications" && <Notifications />}
        {tab === "folders" && <SpecialFolders />}
        {tab === "vacation" && <Vacation />}
        {tab === "transfers" && <Transfers />}
      </div>
    </Dialog>
  );
}
