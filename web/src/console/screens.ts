// What an area of the console (security, org, dns) gives the frame: its
// screens, each with the navigation label, who sees it, and its view.
import type { JSX } from "preact";
import type { User } from "../lib/api";
import type { CKey } from "./i18n";

export interface ScreenDef {
  /** The route segment: #/console/{id}[/{arg}…]. */
  id: string;
  /** The navigation label (and the page title unless the view sets its own). */
  title: CKey;
  /** Shown in the navigation to this user (every user when absent). The server still decides. */
  visible?: (user: User) => boolean;
  /** Not in the navigation (reached from another screen, e.g. an address's users). */
  hidden?: boolean;
  view: (args: string[]) => JSX.Element;
}

/** Admins and legal representatives manage their organisation. */
export function manages(user: User): boolean {
  return user.role === "admin" || user.role === "legal";
}
