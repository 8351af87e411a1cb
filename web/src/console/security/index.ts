// The security area's screens (see ../screens.ts): the security centre,
// sessions and login history, the activity log and the account. Every
// user sees them; each shows the user's own (the activity log: the whole
// organisation's to its administrators).
import { h } from "preact";
import type { ScreenDef } from "../screens";
import { SecurityScreen } from "./Security";
import { SessionsScreen } from "./Sessions";
import { ActivityScreen } from "./Activity";
import { AccountScreen } from "./Account";
import "./security.css";

export const screens: ScreenDef[] = [
  { id: "security", title: "security.nav.security", view: () => h(SecurityScreen, {}) },
  { id: "sessions", title: "security.nav.sessions", view: () => h(SessionsScreen, {}) },
  { id: "activity", title: "security.nav.activity", view: () => h(ActivityScreen, {}) },
  { id: "account", title: "account.nav", view: () => h(AccountScreen, {}) },
];
