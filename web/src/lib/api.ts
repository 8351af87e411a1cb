// The account API (/api/v1): JSON both ways, the session cookie sent by the
// browser, and the CSRF token on every request that changes something.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field: string | null = null,
  ) {
    super(message);
  }
}

let csrfToken = "";
let unauthorized: () => void = () => {};

/** What to do when the server says the session is gone (ended elsewhere, expired). */
export function onUnauthorized(fn: () => void): void {
  unauthorized = fn;
}

/** A request of a logged-in page was refused for want of a session. */
export function sessionGone(): void {
  unauthorized();
}

export function setCsrf(token: string): void {
  csrfToken = token;
}

export function csrf(): string {
  return csrfToken;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD") headers["X-CSRF-Token"] = csrfToken;
  let res: Response;
  try {
    // The drive's bridges to mail are JMAP's (/jmap/drive/…), with the same session and answers.
    res = await fetch((path.startsWith("/jmap/") ? "" : "/api/v1") + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (e) {
    throw new ApiError(0, "network", String(e));
  }
  if (res.status === 204) return undefined as T;
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401 && path !== "/session") sessionGone();
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    // JMAP's own refusals on /jmap/… (CSRF, too many at once) are problem details (RFC 7807).
    const problem = data as { type?: string; detail?: string } | null;
    const code = err?.code ?? problem?.type?.replace(/^urn:ietf:params:jmap:error:/, "") ?? "http_" + res.status;
    throw new ApiError(res.status, code, err?.message ?? problem?.detail ?? (res.statusText || "HTTP " + res.status), err?.field ?? null);
  }
  return data as T;
}

export interface User {
  id: number;
  login: string;
  display_name: string;
  role: string;
}

export interface SessionInfo {
  user: User;
  csrf_token: string;
  /** The organisation requires a second factor this account has not set up: only its enrolment is open. */
  two_factor_setup_required?: boolean;
}

export interface AddressInfo {
  address: string;
  may_change_special_folders: boolean;
}
