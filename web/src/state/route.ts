// Hash routing: #/{accountId}/{mailboxId}[/{emailId}] or
// #/{accountId}/search[/{emailId}] (the search itself is kept in memory),
// #/{accountId}/drive[/{folderId}] for the user's drive and
// #/{accountId}/org-drive[/{folderId}] for the organisation's (the account
// is the one mail goes to and from there), and #/console/{screen}[/{arg}…]
// for the console (account ids are "a" and a number, so "console" is never
// one; mailbox ids are "m" and a number, never "search" or a drive). The server answers every app path
// with index.html, but the hash keeps the app's place without asking it.
import { signal } from "@preact/signals";
import type { DriveSpace } from "../lib/drive";

export interface ConsoleRoute {
  screen: string;
  args: string[];
}

export interface Route {
  accountId: string | null;
  mailboxId: string | null; // null with search
  emailId: string | null;
  search: boolean;
  console: ConsoleRoute | null;
  /** A drive, at a folder (null: its top); absent or null in mail. */
  drive?: { space: DriveSpace; folder: number | null } | null;
}

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "console") {
    const [, screen = "", ...args] = parts;
    return { accountId: null, mailboxId: null, emailId: null, search: false, console: { screen, args } };
  }
  const [accountId = null, second = null, emailId = null] = parts;
  if (second === "search") return { accountId, mailboxId: null, emailId, search: true, console: null };
  if (second === "drive" || second === "org-drive") {
    const folder = Number(emailId);
    const space: DriveSpace = second === "org-drive" ? "org" : "mine";
    return { accountId, mailboxId: null, emailId: null, search: false, console: null, drive: { space, folder: Number.isInteger(folder) && folder > 0 ? folder : null } };
  }
  return { accountId, mailboxId: second, emailId, search: false, console: null };
}

export const route = signal<Route>(parseRoute(location.hash));

window.addEventListener("hashchange", () => {
  route.value = parseRoute(location.hash);
});

/** The hash of the mail route `r` (what it does not name kept from the current one). */
export function routeHash(r: Partial<Route>): string {
  const x = { ...route.value, ...r };
  if (x.console) return consoleHash(x.console.screen, ...x.console.args);
  if (x.drive)
    return "#/" + [x.accountId ?? "", x.drive.space === "org" ? "org-drive" : "drive", ...(x.drive.folder ? [String(x.drive.folder)] : [])].map(encodeURIComponent).join("/");
  const parts = [x.accountId ?? "", x.search ? "search" : x.mailboxId ?? ""];
  if (x.emailId) parts.push(x.emailId);
  return "#/" + parts.map(encodeURIComponent).join("/");
}

export function consoleHash(screen: string, ...args: string[]): string {
  return "#/" + ["console", screen, ...args].map(encodeURIComponent).join("/");
}

export function go(r: Partial<Route>): void {
  const h = routeHash({ console: null, drive: null, ...r });
  if (h !== location.hash) location.hash = h;
}

/** Opens the console's `screen` (with its arguments). */
export function goConsole(screen: string, ...args: string[]): void {
  const h = consoleHash(screen, ...args);
  if (h !== location.hash) location.hash = h;
}
