// What the security and account screens read and change on the server:
// the account (/api/v1/me…), its sessions and login history, and the
// activity log (/api/v1/activity). Times are Unix seconds.
import { api } from "../../lib/api";

export interface SecurityState {
  two_factor: boolean;
  /** The organisation's policy: two-factor authentication cannot be turned off. */
  two_factor_required: boolean;
  emergency_codes_left: number;
  lockout_threshold: number;
  minimum_lockout_threshold: number;
  alert_on_success: boolean;
  alert_on_failure: boolean;
  /** Where alerts go; "" for the account's own address. */
  alert_address: string;
  /** The language of the alert e-mails. */
  language: string;
}

export interface Me {
  id: number;
  login: string;
  display_name: string;
  role: string;
  organisation_id: number;
  security: SecurityState;
}

export interface WebSession {
  id: number;
  kind: "browser";
  method: string;
  ip: string;
  user_agent: string;
  created: number;
  last_seen: number;
  expires: number;
  current: boolean;
}

export interface MailConnection {
  id: number;
  /** imap, pop3, smtp… */
  kind: string;
  address: string;
  device: string;
  device_id: number;
  ip: string;
  since: number;
}

export interface LoginRecord {
  id: number;
  time: number;
  ip: string;
  user_agent: string;
  method: string;
  success: boolean;
  reason: string;
}

export interface ActivityEntry {
  id: number;
  time: number;
  actor: string;
  action: string;
  target: string;
  product: string;
  ip: string;
  detail: string;
}

/** One page of a list the server pages by "the last id seen": `next` is there when there may be more. */
export interface CursorPage<T> {
  items: T[];
  next: number | null;
}

export interface Codes {
  emergency_codes: string[];
  /** The sheet to keep (plain text, with the server's name and the login). */
  sheet: string;
}

export const getMe = () => api<Me>("GET", "/me");
export const patchSecurity = (change: Partial<Pick<SecurityState, "lockout_threshold" | "alert_on_success" | "alert_on_failure" | "alert_address" | "language">>) =>
  api<Me>("PATCH", "/me/security", change);

export const startEnrolment = () => api<{ secret: string; otpauth_uri: string }>("POST", "/me/2fa/enrolment");
export const confirmEnrolment = (code: string, password: string) => api<Codes>("POST", "/me/2fa/confirm", { code, password });
export const regenerateCodes = (code: string) => api<Codes>("POST", "/me/2fa/emergency-codes", { code });
export const disableSecondFactor = (password: string, code: string) => api<void>("POST", "/me/2fa/disable", { password, code });

export const getSessions = () => api<{ sessions: WebSession[]; connections: MailConnection[] }>("GET", "/me/sessions");
export const endSession = (id: number) => api<void>("DELETE", "/me/sessions/" + id);
export const endConnection = (id: number) => api<void>("DELETE", "/me/connections/" + id);
export const endOtherSessions = () => api<{ ended: number }>("POST", "/me/sessions/end-others");

export async function getLogins(before: number | null, limit: number): Promise<CursorPage<LoginRecord>> {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before !== null) q.set("before", String(before));
  const r = await api<{ logins: LoginRecord[]; next?: number }>("GET", "/me/logins?" + q.toString());
  return { items: r.logins, next: r.next ?? null };
}

/** What the activity log is filtered by (empty: not filtered). */
export interface ActivityFilter {
  /** Unix seconds, inclusive. */
  since: number | null;
  /** Unix seconds, exclusive. */
  until: number | null;
  product: string;
  /** An action or the start of one ("security.2fa"). */
  action: string;
  /** Words in the actor, action, target or detail. */
  text: string;
}

export const NO_FILTER: ActivityFilter = { since: null, until: null, product: "", action: "", text: "" };

/** The query string of one page of the activity log. */
export function activityQuery(f: ActivityFilter, before: number | null, limit: number): string {
  const q = new URLSearchParams();
  if (f.since !== null) q.set("since", String(f.since));
  if (f.until !== null) q.set("until", String(f.until));
  if (f.product) q.set("product", f.product);
  if (f.action) q.set("action", f.action);
  if (f.text.trim()) q.set("q", f.text.trim());
  if (before !== null) q.set("before", String(before));
  q.set("limit", String(limit));
  return q.toString();
}

export async function getActivity(f: ActivityFilter, before: number | null, limit: number): Promise<CursorPage<ActivityEntry>> {
  const r = await api<{ entries: ActivityEntry[]; next?: number }>("GET", "/activity?" + activityQuery(f, before, limit));
  return { items: r.entries, next: r.next ?? null };
}

/**
 * Every entry the filter selects, newest first, fetched a page at a time
 * and stopped at `max` (a log can be long): `complete` says whether that
 * was all of them.
 */
export async function allActivity(
  f: ActivityFilter,
  max: number,
  fetchPage: typeof getActivity = getActivity,
  pageSize = 1000,
): Promise<{ entries: ActivityEntry[]; complete: boolean }> {
  const entries: ActivityEntry[] = [];
  let before: number | null = null;
  while (entries.length < max) {
    const page = await fetchPage(f, before, Math.min(pageSize, max - entries.length));
    entries.push(...page.items);
    if (page.next === null || page.items.length === 0) return { entries, complete: true };
    before = page.next;
  }
  // Exactly `max` entries and a `next`: one more look says whether anything was left out.
  const more = await fetchPage(f, before, 1);
  return { entries, complete: more.items.length === 0 };
}
