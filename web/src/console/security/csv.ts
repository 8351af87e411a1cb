// The activity log as a CSV file (RFC 4180): one record per line ending
// in CRLF, a header record first; a field with a comma, a double quote or
// a line end is put in double quotes, and its double quotes doubled. A
// field that a spreadsheet would run as a formula (it starts with =, +, -,
// @, a tab or a carriage return) gets a leading apostrophe, as the
// server's own CSV does.
import type { ActivityEntry } from "./me";

/** One field, quoted when RFC 4180 §2 (6, 7) asks for it. */
export function csvField(value: string | number): string {
  let v = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(v)) v = "'" + v;
  return /[",\r\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
}

/** Records of fields, each line ended by CRLF (RFC 4180 §2 (1, 2)). */
export function csv(rows: (string | number)[][]): string {
  return rows.map((r) => r.map(csvField).join(",") + "\r\n").join("");
}

export const ACTIVITY_COLUMNS = ["id", "time", "actor", "action", "target", "product", "ip", "detail"];

/**
 * The entries as CSV, times in ISO 8601 UTC. A byte-order mark first, so
 * that spreadsheets read the accents as UTF-8 (RFC 4180 allows a charset
 * parameter but says nothing of a BOM; readers skip it).
 */
export function activityCsv(entries: ActivityEntry[]): string {
  const rows = entries.map((e) => [e.id, new Date(e.time * 1000).toISOString(), e.actor, e.action, e.target, e.product, e.ip, e.detail]);
  return "\ufeff" + csv([ACTIVITY_COLUMNS, ...rows]);
}

/** The file name of an export made at `now`: activity-2026-12-04.csv. */
export function activityFileName(now: Date): string {
  return "activity-" + now.toISOString().slice(0, 10) + ".csv";
}
