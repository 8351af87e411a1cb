// The top bar: the menu button (phones), the search box, the address
// switcher with each address's unread count, compose, settings, the
// console (account, security, administration), logout.
import { accountName, accounts, logout, user } from "../state/session";
import { inboxUnread } from "../state/mailboxes";
import { go, goConsole, route } from "../state/route";
import { compose, settingsOpen } from "../state/compose";
import { SearchBar } from "./SearchBar";
import { fmtNumber, t } from "../i18n";

export function Header(props: { onMenu: () => void }) {
  const r = route.value;
  const current = r.accountId ?? "";
  return (
    <header class="topbar">
      <button type="button" class="icon menu-button" aria-label={t("app.menu")} onClick={props.onMenu}>☰</button>
      <span class="brand" aria-hidden="true">{t("app.title")}</span>
      <SearchBar />
      <label class="switcher">
        <span class="sr-only">{t("header.address")}</span>
        <select
          data-testid="address-switcher"
          value={current}
          onChange={(e) => go({ accountId: e.currentTarget.value, mailboxId: null, emailId: null, search: false })}
        >
          {accounts.value.map((a) => {
            const n = inboxUnread.value[a.id] ?? 0;
            return (
              <option key={a.id} value={a.id}>
                {n > 0 ? `${a.name} (${fmtNumber(n)})` : a.name}
              </option>
            );
          })}
        </select>
      </label>
      <button type="button" class="primary" onClick={() => current && compose({ mode: "new", accountId: current })}>
        {t("action.compose")}
      </button>
      <button type="button" onClick={() => (settingsOpen.value = "general")}>{t("settings.title")}</button>
      <button type="button" data-testid="open-console" onClick={() => goConsole("")}>{t("header.console")}</button>
      <button type="button" title={user.value?.login} onClick={() => void logout()}>{t("action.logout")}</button>
      <span class="sr-only" aria-live="polite">{current ? t("header.using", { address: accountName(current) }) : ""}</span>
    </header>
  );
}
