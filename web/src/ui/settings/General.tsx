import { useSignal } from "@preact/signals";
import { accounts, applyTheme, prefs, savePrefs } from "../../state/session";
import { askNotificationPermission, notificationsWanted } from "../../state/push";
import { setLang, lang, t } from "../../i18n";
import type { Lang, ReceiptPolicy, Theme } from "../../lib/prefs";

export function General() {
  const p = prefs.value;
  return (
    <form class="settings-form" onSubmit={(e) => e.preventDefault()}>
      <label>
        {t("settings.language")}
        <select name="language" value={lang.value} onChange={(e) => { const l = e.currentTarget.value as Lang; setLang(l); void savePrefs({ language: l }); }}>
          <option value="es">Español</option>
          <option value="en">English</option>
        </select>
      </label>
      <fieldset>
        <legend>{t("settings.theme")}</legend>
        {(["auto", "light", "dark"] as Theme[]).map((th) => (
          <label key={th} class="inline">
            <input type="radio" name="theme" value={th} checked={p.theme === th} onChange={() => { void savePrefs({ theme: th }); applyTheme(); }} />
            {t(th === "auto" ? "settings.themeAuto" : th === "light" ? "settings.themeLight" : "settings.themeDark")}
          </label>
        ))}
      </fieldset>
      <label class="inline">
        <input type="checkbox" name="threads" checked={p.threads} onChange={(e) => void savePrefs({ threads: e.currentTarget.checked })} />
        {t("settings.threads")}
      </label>
      <label>
        {t("settings.undo")}
        <select name="undo" value={String(p.undoSeconds)} onChange={(e) => void savePrefs({ undoSeconds: Number(e.currentTarget.value) })}>
          {[0, 5, 10, 20, 30].map((n) => (
            <option key={n} value={String(n)}>{n === 0 ? t("settings.undoOff") : t("settings.seconds", { n })}</option>
          ))}
        </select>
      </label>
    </form>
  );
}

export function Receipts() {
  const p = prefs.value;
  return (
    <form class="settings-form" onSubmit={(e) => e.preventDefault()}>
      <fieldset>
        <legend>{t("settings.receiptPolicy")}</legend>
        {(["ask", "always", "never"] as ReceiptPolicy[]).map((r) => (
          <label key={r} class="inline">
            <input type="radio" name="receipts" value={r} checked={p.receipts === r} onChange={() => void savePrefs({ receipts: r })} />
            {t(r === "ask" ? "settings.receiptAsk" : r === "always" ? "settings.receiptAlways" : "settings.receiptNever")}
          </label>
        ))}
      </fieldset>
      <label class="inline">
        <input type="checkbox" name="requestReceipt" checked={p.requestReceipt} onChange={(e) => void savePrefs({ requestReceipt: e.currentTarget.checked })} />
        {t("settings.requestByDefault")}
      </label>
    </form>
  );
}

export function Notifications() {
  const permission = useSignal(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
  const p = prefs.value;
  return (
    <form class="settings-form" onSubmit={(e) => e.preventDefault()}>
      <p>
        {permission.value === "granted" ? t("settings.notifyGranted") : permission.value === "denied" ? t("settings.notifyDenied") : permission.value === "unsupported" ? t("settings.notifyUnsupported") : t("settings.notifyAsk")}
      </p>
      {permission.value === "default" && (
        <button type="button" class="primary" onClick={async () => (permission.value = await askNotificationPermission())}>
          {t("settings.notifyEnable")}
        </button>
      )}
      <fieldset>
        <legend>{t("settings.notifyPerAddress")}</legend>
        {accounts.value.map((a) => (
          <label key={a.id} class="inline">
            <input type="checkbox" name={"notify-" + a.id} checked={notificationsWanted(a.id)} onChange={(e) => void savePrefs({ notify: { ...p.notify, [a.id]: e.currentTarget.checked } })} />
            {a.name}
          </label>
        ))}
      </fieldset>
    </form>
  );
}
