// A small JMAP client (RFC 8620, RFC 8621) for the app: one session, method
// calls batched in one request with back-references, uploads with
// progress, download URLs and the push channel (EventSource).
import { csrf, sessionGone } from "./api";
import { Slots } from "./slots";

export const USING = [
  "urn:ietf:params:jmap:core",
  "urn:ietf:params:jmap:mail",
  "urn:ietf:params:jmap:submission",
  "urn:ietf:params:jmap:mdn",
  "urn:ietf:params:jmap:vacationresponse",
  "urn:ietf:params:jmap:quota",
];

export interface JmapAccount {
  name: string;
  isPersonal: boolean;
  isReadOnly: boolean;
  accountCapabilities: Record<string, Record<string, unknown>>;
}

export interface JmapSession {
  accounts: Record<string, JmapAccount>;
  primaryAccounts: Record<string, string>;
  username: string;
  apiUrl: string;
  downloadUrl: string;
  uploadUrl: string;
  eventSourceUrl: string;
  capabilities: Record<string, Record<string, unknown>>;
  state: string;
}

export type Invocation = [string, Record<string, unknown>, string];

export class JmapError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly detail: unknown = null,
  ) {
    super(message);
  }
}

/** Only the path of a URL the session names: the app talks to its own origin. */
function localPath(url: string): string {
  return url.replace(/^[a-z]+:\/\/[^/]+/i, "");
}

/** How long a 429 asks to wait (Retry-After in seconds, RFC 9110 §10.2.3), within 1–30 s. */
function retryAfter(header: string | null): number {
  const s = Number(header);
  return Number.isFinite(s) ? Math.min(30, Math.max(1, s)) : 1;
}

export class Jmap {
  /** Uploads under way at once: no more than the server takes from one user. */
  private readonly uploads: Slots;

  constructor(readonly session: JmapSession) {
    const most = Number(session.capabilities?.["urn:ietf:params:jmap:core"]?.maxConcurrentUpload);
    this.uploads = new Slots(Number.isInteger(most) && most > 0 ? most : 1);
  }

  static async connect(): Promise<Jmap> {
    const res = await fetch("/jmap/session", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!res.ok) throw new JmapError("session", `GET /jmap/session: ${res.status}`);
    return new Jmap((await res.json()) as JmapSession);
  }

  /** Several calls in one request; answers by call id. A method error throws unless `tolerate` lists its call id. */
  async request(calls: Invocation[], tolerate: string[] = []): Promise<Record<string, any>> {
    const res = await fetch(localPath(this.session.apiUrl), {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ using: USING, methodCalls: calls }),
    });
    if (res.status === 401) sessionGone();
    if (!res.ok) {
      let detail: any = null;
      try {
        detail = await res.json();
      } catch {
        /* not JSON */
      }
      throw new JmapError(detail?.type ?? "http_" + res.status, detail?.detail ?? detail?.error?.message ?? res.statusText, detail);
    }
    const body = (await res.json()) as { methodResponses: Invocation[] };
    const out: Record<string, any> = {};
    for (const [name, args, id] of body.methodResponses) {
      if (name === "error") {
        if (!tolerate.includes(id)) throw new JmapError(String(args.type), String(args.description ?? args.type), args);
        out[id] = { error: args };
        continue;
      }
      // Implicit calls (onSuccess…) share the id of their call; keep the first answer under the id.
      if (!(id in out)) out[id] = args;
      else out[id + ":" + name] = args;
    }
    return out;
  }

  /** One call; its answer. */
  async call(name: string, args: Record<string, unknown>): Promise<any> {
    const r = await this.request([[name, args, "c"]]);
    return r["c"];
  }

  downloadUrl(accountId: string, blobId: string, name: string, type = "application/octet-stream"): string {
    return localPath(this.session.downloadUrl)
      .replace("{accountId}", encodeURIComponent(accountId))
      .replace("{blobId}", encodeURIComponent(blobId))
      .replace("{name}", encodeURIComponent(name))
      .replace("{type}", encodeURIComponent(type));
  }

  zipUrl(accountId: string, emailId: string, name: string): string {
    return `/jmap/zip/${encodeURIComponent(accountId)}/${encodeURIComponent(emailId)}/${encodeURIComponent(name)}`;
  }

  /**
   * Uploads a file (XMLHttpRequest, for the progress events); resolves with the blob's id, size and type.
   * Files wait their turn beyond maxConcurrentUpload; one refused with 429 (another tab's uploads) is
   * sent again after the wait the server asks, for up to a minute, as is one whose connection drops
   * (twice at most).
   */
  upload(
    accountId: string,
    file: Blob,
    onProgress?: (sent: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<{ blobId: string; size: number; type: string }> {
    const aborted = () => new JmapError("aborted", "upload cancelled");
    return this.uploads.run(async () => {
      const until = Date.now() + 60_000;
      for (let dropped = 0; ; ) {
        if (signal?.aborted) throw aborted(); // cancelled while it waited its turn
        try {
          return await this.sendUpload(accountId, file, onProgress, signal);
        } catch (e) {
          // A 429 refusing a large body may reach the browser as a dropped connection: tried again twice.
          const refused = e instanceof JmapError && e.type === "upload_429";
          const cut = e instanceof JmapError && e.type === "network" && ++dropped <= 2;
          const wait = refused ? retryAfter((e.detail as { retryAfter: string | null }).retryAfter) : cut ? 1 : 0;
          if (!wait || signal?.aborted || Date.now() + wait * 1000 > until) throw e;
          await new Promise<void>((go) => {
            const timer = setTimeout(go, wait * 1000);
            signal?.addEventListener("abort", () => (clearTimeout(timer), go()), { once: true });
          });
        }
      }
    });
  }

  private sendUpload(
    accountId: string,
    file: Blob,
    onProgress?: (sent: number, total: number) => void,
    signal?: AbortSignal,
  ): Promise<{ blobId: string; size: number; type: string }> {
    const url = localPath(this.session.uploadUrl).replace("{accountId}", encodeURIComponent(accountId));
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.withCredentials = true;
      xhr.setRequestHeader("X-CSRF-Token", csrf());
      xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
      xhr.upload.onprogress = (e) => onProgress?.(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) {
          try {
            resolve(JSON.parse(xhr.responseText));
          } catch {
            reject(new JmapError("upload", "bad answer"));
          }
        } else {
          let msg = xhr.statusText;
          try {
            const j = JSON.parse(xhr.responseText);
            msg = j.detail ?? j.error?.message ?? msg;
          } catch {
            /* not JSON */
          }
          reject(new JmapError("upload_" + xhr.status, msg, { retryAfter: xhr.getResponseHeader("Retry-After") }));
        }
      };
      xhr.onerror = () => reject(new JmapError("network", "upload failed"));
      xhr.onabort = () => reject(new JmapError("aborted", "upload cancelled"));
      signal?.addEventListener("abort", () => xhr.abort());
      xhr.send(file);
    });
  }

  /** The push channel: StateChange events (RFC 8620 §7.3), reconnected by the browser. */
  events(onChange: (changed: Record<string, Record<string, string>>) => void): EventSource {
    const url = localPath(this.session.eventSourceUrl)
      .replace("{types}", "*")
      .replace("{closeafter}", "no")
      .replace("{ping}", "30");
    const es = new EventSource(url, { withCredentials: true });
    es.addEventListener("state", (e) => {
      try {
        const data = JSON.parse((e as MessageEvent).data);
        if (data.changed) onChange(data.changed);
      } catch {
        /* ignore a malformed event */
      }
    });
    return es;
  }
}
