// Hash routing: #/{accountId}/{mailboxId}[/{emailId}] or
// #/{accountId}/search[/{emailId}] (the search itself is kept in memory).
// The server answers every app path with index.html, but the hash keeps
// the app's place without asking it.
import { signal } from "@preact/signals";

export interface Route {
  accountId: string | null;
  mailboxId: string | null; // null with search
  emailId: string | null;
  search: boolean;
}

function parse(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const [accountId = null, second = null, emailId = null] = parts;
  if (second === "search") return { accountId, mailboxId: null, emailId, search: true };
  return { accountId, mailboxId: second, emailId, search: false };
}

export const route = signal<Route>(parse(location.hash));

window.addEventListener("hashchange", () => {
  route.value = parse(location.hash);
});

export function routeHash(r: Partial<Route>): string {
  const x = { ...route.value, ...r };
  const parts = [x.accountId ?? "", x.search ? "search" : x.mailboxId ?? ""];
  if (x.emailId) parts.push(x.emailId);
  return "#/" + parts.map(encodeURIComponent).join("/");
}

export function go(r: Partial<Route>): void {
  const h = routeHash(r);
  if (h !== location.hash) location.hash = h;
}
