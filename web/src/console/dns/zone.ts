// What the DNS screens know of a zone, without I/O: the API's shapes, record
// names as people write them in a zone ("@", "www"), the text of TXT
// records, SPF records grouped by name (RFC 7208 §3.2: one per name), and
// the replacement of a name's SPF records by one merged policy.
import { api } from "../../lib/api";

export interface DnsRecord {
  id: number;
  name: string; // absolute, without the final dot
  type: string;
  ttl: number;
  data: string; // presentation form (TXT: quoted strings)
}

export interface Zone {
  id: number;
  domain: string;
  serial: number;
  created: number;
  records: DnsRecord[];
}

export interface ZoneSummary {
  id: number;
  domain: string;
  serial: number;
  created: number;
}

export interface Domain {
  id: number;
  name: string;
  verified: boolean;
  created: number;
}

export interface SpfTerm {
  term: string;
  lookups: number;
  nested: SpfTerm[];
}

export interface SpfFinding {
  level: "error" | "warning";
  domain: string;
  term: string;
  message: string;
  position?: number;
}

export interface SpfAnalysis {
  ok: boolean;
  lookups: number;
  void_lookups: number;
  terms: SpfTerm[];
  findings: SpfFinding[];
}

export interface SpfMerge {
  record: string;
  lookups: number;
  notes: string[];
  flattened?: string;
}

export interface DkimKey {
  id: number;
  selector: string;
  algorithm: string;
  state: "published" | "active" | "retiring" | "retired";
  record_name: string;
  record: string;
  created: number;
  changed: number;
}

export interface DiagnosticItem {
  name: string;
  level: "ok" | "warning" | "error";
  message: string;
  fix: string;
}

export interface Diagnosis {
  domain: string;
  ok: boolean;
  items: DiagnosticItem[];
}

/** RFC 7208 §4.6.4: at most 10 terms that cause DNS lookups. */
export const SPF_LOOKUP_LIMIT = 10;
/** RFC 7208 §4.6.4: at most 2 lookups that find nothing. */
export const SPF_VOID_LIMIT = 2;

/** The types a record may be added as (the server's list, SOA aside: a zone has one, made with it). */
export const RECORD_TYPES = ["A", "AAAA", "CAA", "CNAME", "MX", "NS", "SRV", "TXT"] as const;

/** `name` as written in the zone of `apex`: "@" for the apex, "www" below it, the full name with its dot outside. */
export function relativeName(name: string, apex: string): string {
  const n = name.toLowerCase();
  const a = apex.toLowerCase();
  if (n === a || n === "") return "@";
  if (n.endsWith("." + a)) return name.slice(0, name.length - a.length - 1);
  return name + ".";
}

/**
 * The text of a TXT record's data: its quoted strings joined (RFC 7208
 * §3.3, RFC 6376 §3.6.2.2), \X and \DDD escapes decoded (RFC 1035 §5.1).
 * Unquoted data is the text itself.
 */
export function txtText(data: string): string {
  const s = data.trim();
  if (!s.startsWith('"')) return s;
  let out = "";
  let i = 0;
  while (i < s.length) {
    if (s[i] !== '"') {
      i++;
      continue;
    }
    i++;
    while (i < s.length && s[i] !== '"') {
      if (s[i] === "\\" && i + 1 < s.length) {
        const ddd = s.slice(i + 1, i + 4);
        if (/^\d{3}$/.test(ddd)) {
          out += String.fromCharCode(Number(ddd));
          i += 4;
        } else {
          out += s[i + 1];
          i += 2;
        }
      } else out += s[i++];
    }
    i++; // the closing quote
  }
  return out;
}

/** Whether `text` is an SPF record (RFC 7208 §4.5: "v=spf1" alone or followed by a space). */
export function isSpf(text: string): boolean {
  const t = text.slice(0, 7).toLowerCase();
  return t === "v=spf1" || t === "v=spf1 ";
}

/** The SPF records of a zone by name, the apex first, then by name. */
export function spfByName(records: DnsRecord[], apex: string): { name: string; records: DnsRecord[] }[] {
  const by = new Map<string, DnsRecord[]>();
  for (const r of records) {
    if (r.type !== "TXT" || !isSpf(txtText(r.data))) continue;
    const list = by.get(r.name) ?? [];
    list.push(r);
    by.set(r.name, list);
  }
  return [...by.entries()]
    .sort(([a], [b]) => (a === apex ? -1 : b === apex ? 1 : a.localeCompare(b)))
    .map(([name, list]) => ({ name, records: list.sort((x, y) => x.id - y.id) }));
}

const TYPE_ORDER = ["SOA", "NS", "MX", "A", "AAAA", "CNAME", "TXT", "SRV", "CAA"];

/** A zone's records as a zone file lists them: the apex first, then by name, type and value. */
export function sortRecords(records: DnsRecord[], apex: string): DnsRecord[] {
  const rank = (t: string) => {
    const i = TYPE_ORDER.indexOf(t);
    return i < 0 ? TYPE_ORDER.length : i;
  };
  return [...records].sort((a, b) => {
    if (a.name !== b.name) {
      if (a.name === apex) return -1;
      if (b.name === apex) return 1;
      return a.name.localeCompare(b.name);
    }
    return rank(a.type) - rank(b.type) || a.data.localeCompare(b.data) || a.id - b.id;
  });
}

export interface TermRow {
  term: string;
  lookups: number;
  depth: number;
  parent: string; // the term that pulled it in ("" at the top)
}

/** The terms of an analysis, nested ones after their parent, with their depth (for a flat table). */
export function termRows(terms: SpfTerm[], depth = 0, parent = ""): TermRow[] {
  return terms.flatMap((t) => [{ term: t.term, lookups: t.lookups, depth, parent }, ...termRows(t.nested, depth + 1, t.term)]);
}

/** A name as typed in the zone of `apex` ("@", "_spf", "x.apex", "host.") made absolute, without the final dot. */
export function absoluteName(input: string, apex: string): string {
  const n = input.trim().toLowerCase();
  if (n === "" || n === "@") return apex;
  if (n.endsWith(".")) return n.slice(0, -1);
  if (n === apex || n.endsWith("." + apex)) return n;
  return n + "." + apex;
}

/** "www A 192.0.2.1": a record as its confirmation names it. */
export function describeRecord(r: DnsRecord, apex: string): string {
  return `${relativeName(r.name, apex)} ${r.type} ${r.type === "TXT" ? txtText(r.data) : r.data}`;
}

export type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/**
 * Makes `policy` the one SPF record at `name`: the first of `existing` (the
 * name's SPF records) is changed to it and the others deleted first (the
 * zone refuses a second SPF at a name, so they go before); with none, it is
 * added. If a step fails, the records deleted are put back and the error
 * is thrown.
 */
export async function replaceSpf(domain: string, name: string, existing: DnsRecord[], policy: string, call: Call = api): Promise<void> {
  const base = `/zones/${encodeURIComponent(domain)}/records`;
  const [first, ...rest] = existing;
  const removed: DnsRecord[] = [];
  try {
    for (const r of rest) {
      await call("DELETE", `${base}/${r.id}`);
      removed.push(r);
    }
    if (first) await call("PATCH", `${base}/${first.id}`, { name: first.name, type: "TXT", ttl: first.ttl, data: policy });
    else await call("POST", base, { name, type: "TXT", data: policy });
  } catch (e) {
    for (const r of removed) await call("POST", base, { name: r.name, type: r.type, ttl: r.ttl, data: r.data }).catch(() => undefined);
    throw e;
  }
}
