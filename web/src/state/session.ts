// Who is logged in, the JMAP session and its accounts (one per address the
// user may use, shared ones included), the user's settings, and the
// messages the app shows in passing (toasts).
import { computed, signal } from "@preact/signals";
import { api, ApiError, onUnauthorized, setCsrf, type SessionInfo, type User, type AddressInfo } from "../lib/api";
import { Jmap } from "../lib/jmap";
import { DEFAULT_PREFS, normalizePrefs, type Preferences } from "../lib/prefs";
import { setLang, t } from "../i18n";

export const user = signal<User | null>(null);
export const booting = signal(true);
export const jmap = signal<Jmap | null>(null);
export const prefs = signal<Preferences>(DEFAULT_PREFS);
export const addressInfo = signal<AddressInfo[]>([]);
/**
 * The organisation requires two-factor authentication and this account has
 * not set it up: the server opens nothing but the enrolment, so the app
 * shows the security page alone until it is done (then loads again).
 */
export const mustEnrol = signal(false);
/** The session was ended from elsewhere (another device, an administrator) or expired: the login says so. */
export const sessionEnded = signal(false);
const endHandlers: (() => void)[] = [];

/** `fn` runs when the session ends from elsewhere (closing what the logged-in app opened). */
export function onSessionEnd(fn: () => void): void {
  endHandlers.push(fn);
}

onUnauthorized(() => {
  if (!user.value) return;
  for (const fn of endHandlers) fn();
  setCsrf("");
  user.value = null;
  jmap.value = null;
  addressInfo.value = [];
  sessionEnded.value = true;
});

export interface Account {
  id: string;
  name: string;
}

export const accounts = computed<Account[]>(() => {
  const j = jmap.value;
  if (!j) return [];
  return Object.entries(j.session.accounts)
    .filter(([, a]) => "urn:ietf:params:jmap:mail" in a.accountCapabilities)
    .map(([id, a]) => ({ id, name: a.name }))
    .sort((a, b) => a.name.localeCompare(b.name));
});

export function accountName(id: string): string {
  return jmap.value?.session.accounts[id]?.name ?? id;
}

export function mayChangeSpecialFolders(accountId: string): boolean {
  const name = accountName(accountId).toLowerCase();
  return addressInfo.value.find((a) => a.address.toLowerCase() === name)?.may_change_special_folders ?? false;
}

// --- toasts

export interface Toast {
  id: number;
  text: string;
  kind: "info" | "error";
  action?: { label: string; run: () => void };
  timeout: number;
}

export const toasts = signal<Toast[]>([]);
let toastSeq = 0;

export function toast(text: string, kind: Toast["kind"] = "info", action?: Toast["action"], timeout = 6000): number {
  const id = ++toastSeq;
  toasts.value = [...toasts.value, { id, text, kind, action, timeout }];
  if (timeout > 0) setTimeout(() => dismissToast(id), timeout);
  return id;
}

export function dismissToast(id: number): void {
  toasts.value = toasts.value.filter((x) => x.id !== id);
}

/** An error as a person reads it, in a toast. */
export function showError(e: unknown): void {
  const msg = e instanceof Error ? e.message : String(e);
  toast(t("error.generic", { message: msg }), "error");
}

// --- theme

export function applyTheme(): void {
  const theme = prefs.value.theme;
  const dark = theme === "dark" || (theme === "auto" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
}

export function isDark(): boolean {
  return document.documentElement.dataset.theme === "dark";
}

// --- login

async function start(info: SessionInfo): Promise<void> {
  setCsrf(info.csrf_token);
  // Until a required second factor is set up, the server opens nothing but
  // the enrolment: no JMAP, no addresses.
  const enrolling = info.two_factor_setup_required === true;
  const [j, stored, addrs] = await Promise.all([
    enrolling ? null : Jmap.connect(),
    api<unknown>("GET", "/me/preferences").catch(() => ({})),
    enrolling ? { addresses: [] } : api<{ addresses: AddressInfo[] }>("GET", "/me/addresses").catch(() => ({ addresses: [] })),
  ]);
  prefs.value = normalizePrefs(stored);
  if (prefs.value.language) setLang(prefs.value.language);
  applyTheme();
  addressInfo.value = addrs.addresses;
  jmap.value = j;
  mustEnrol.value = enrolling;
  if (enrolling) location.hash = "#/console/security";
  sessionEnded.value = false;
  user.value = info.user;
}

/** On page load: an open session is used as it is. */
export async function boot(): Promise<void> {
  applyTheme();
  try {
    const info = await api<SessionInfo>("GET", "/session");
    await start(info);
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) console.warn(e);
  } finally {
    booting.value = false;
  }
}

export async function login(loginName: string, password: string, code: string | null): Promise<void> {
  const body: Record<string, string> = { login: loginName, password };
  if (code) body.code = code;
  const info = await api<SessionInfo>("POST", "/session", body);
  await start(info);
}

export async function logout(): Promise<void> {
  try {
    await api("DELETE", "/session");
  } finally {
    location.hash = "";
    location.reload();
  }
}

let saving: Promise<unknown> = Promise.resolve();

/** Changes the settings here at once and on the server (in order). */
export function savePrefs(change: Partial<Preferences>): Promise<unknown> {
  prefs.value = { ...prefs.value, ...change };
  const snapshot = prefs.value;
  saving = saving.then(() => api("PUT", "/me/preferences", snapshot)).catch((e) => showError(e));
  return saving;
}
