// The console: the account, its security and, for an organisation's
// administrators, the organisation, its addresses and its domains. One
// frame (top bar, the sections, the page) around the screens each area
// gives (security/, org/, dns/); loaded with its strings on first use.
import { useSignal } from "@preact/signals";
import { logout, mustEnrol, user } from "../state/session";
import { consoleHash, go, route } from "../state/route";
import { Ask } from "../ui/Ask";
import { Toasts } from "../ui/Toasts";
import type { ScreenDef } from "./screens";
import { screens as securityScreens } from "./security";
import { screens as orgScreens } from "./org";
import { screens as dnsScreens } from "./dns";
import { Page } from "./ui";
import { tc } from "./i18n";
import { t } from "../i18n";
import "./console.css";

export const SCREENS: ScreenDef[] = [...securityScreens, ...orgScreens, ...dnsScreens];

export function Console() {
  const me = user.value!;
  const menu = useSignal(false);
  // Until a second factor the organisation requires is set up, the
  // security page is all there is (the server opens nothing else).
  const enrolling = mustEnrol.value;
  const r = enrolling ? { screen: "security", args: [] } : route.value.console!;
  const nav = SCREENS.filter((s) => !s.hidden && (!s.visible || s.visible(me)) && (!enrolling || s.id === "security"));
  const screen = SCREENS.find((s) => s.id === r.screen) ?? (r.screen === "" ? nav[0] : undefined);
  return (
    <div class={"console" + (menu.value ? " menu-open" : "")}>
      <a class="skip" href="#console-main" onClick={(e) => { e.preventDefault(); document.getElementById("console-page-title")?.focus(); }}>{tc("console.title")}</a>
      <header class="topbar">
        <button type="button" class="icon menu-button" aria-expanded={menu.value} aria-controls="console-nav" aria-label={tc("console.nav")} onClick={() => (menu.value = !menu.value)}>☰</button>
        <span class="brand">{tc("console.title")}</span>
        <span class="muted small who">{tc("console.signedInAs", { login: me.login })}</span>
        {!enrolling && <button type="button" data-testid="back-to-mail" onClick={() => go({ console: null })}>{tc("console.backToMail")}</button>}
        <button type="button" onClick={() => void logout()}>{t("action.logout")}</button>
      </header>
      <nav id="console-nav" class="console-nav" aria-label={tc("console.nav")}>
        <ul>
          {nav.map((s) => (
            <li key={s.id}>
              <a href={consoleHash(s.id)} aria-current={screen?.id === s.id ? "page" : undefined} onClick={() => (menu.value = false)}>{tc(s.title)}</a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="console-main" class="console-main">
        {screen ? screen.view(r.args) : <Page title={tc("console.title")}><p class="notice" role="alert">{tc("console.notFound")}</p></Page>}
      </main>
      <Ask />
      <Toasts />
    </div>
  );
}
