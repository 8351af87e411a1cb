// The user's web-app settings, kept on the server (GET/PUT
// /api/v1/me/preferences, a JSON object of at most 16 KiB).

export type ReceiptPolicy = "ask" | "always" | "never";
export type Theme = "auto" | "light" | "dark";
export type Lang = "es" | "en";

export interface Signature {
  id: string;
  name: string;
  html: string;
}

export interface Preferences {
  language: Lang | null;
  theme: Theme;
  threads: boolean;
  receipts: ReceiptPolicy;
  /** Ask for a read receipt on every new message by default. */
  requestReceipt: boolean;
  /** accountId → notifications on/off (missing: on). */
  notify: Record<string, boolean>;
  /** Senders (lower-case address) whose remote images are shown. */
  remoteImages: string[];
  /** Seconds a sent message can still be taken back (0: sent at once). */
  undoSeconds: number;
  /** identityId → its signatures and which one is the default. */
  signatures: Record<string, { list: Signature[]; defaultId: string | null }>;
}

export const DEFAULT_PREFS: Preferences = {
  language: null,
  theme: "auto",
  threads: false,
  receipts: "ask",
  requestReceipt: false,
  notify: {},
  remoteImages: [],
  undoSeconds: 10,
  signatures: {},
};

export const MAX_PREFS_BYTES = 16 * 1024;

/** Stored settings over the defaults, each value checked for its type (a bad one is dropped). */
export function normalizePrefs(raw: unknown): Preferences {
  const p = { ...DEFAULT_PREFS, notify: {}, remoteImages: [], signatures: {} } as Preferences;
  if (!raw || typeof raw !== "object") return p;
  const r = raw as Record<string, unknown>;
  if (r.language === "es" || r.language === "en") p.language = r.language;
  if (r.theme === "light" || r.theme === "dark" || r.theme === "auto") p.theme = r.theme;
  if (typeof r.threads === "boolean") p.threads = r.threads;
  if (r.receipts === "ask" || r.receipts === "always" || r.receipts === "never") p.receipts = r.receipts;
  if (typeof r.requestReceipt === "boolean") p.requestReceipt = r.requestReceipt;
  if (typeof r.undoSeconds === "number" && r.undoSeconds >= 0 && r.undoSeconds <= 60) p.undoSeconds = Math.round(r.undoSeconds);
  if (r.notify && typeof r.notify === "object")
    for (const [k, v] of Object.entries(r.notify)) if (typeof v === "boolean") p.notify[k] = v;
  if (Array.isArray(r.remoteImages)) p.remoteImages = r.remoteImages.filter((x): x is string => typeof x === "string").slice(0, 200);
  if (r.signatures && typeof r.signatures === "object")
    for (const [k, v] of Object.entries(r.signatures as Record<string, any>)) {
      if (!v || !Array.isArray(v.list)) continue;
      const list = v.list
        .filter((s: any) => s && typeof s.id === "string" && typeof s.name === "string" && typeof s.html === "string")
        .map((s: any) => ({ id: s.id, name: s.name, html: s.html }));
      p.signatures[k] = { list, defaultId: typeof v.defaultId === "string" ? v.defaultId : null };
    }
  return p;
}

export function prefsSize(p: Preferences): number {
  return new TextEncoder().encode(JSON.stringify(p)).length;
}
