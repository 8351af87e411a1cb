import { describe, expect, it } from "vitest";
import { activityCsv, activityFileName, csv, csvField } from "./csv";
import { allActivity, NO_FILTER, type ActivityEntry } from "./me";

/** An RFC 4180 reader, only for checking what csv() writes. */
function parse(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\r" && text[i + 1] === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; }
    else field += c;
  }
  return rows;
}

const entry = (id: number, detail: string): ActivityEntry => ({ id, time: 1764892800 + id, actor: "ana@demo.example", action: "security.login", target: "ana@demo.example", product: "security", ip: "192.0.2.1", detail });

describe("CSV of the activity log", () => {
  it("quotes only what needs it and doubles quotes", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField("")).toBe("");
    expect(csvField(42)).toBe("42");
  });
  it("keeps spreadsheets from running a field as a formula", () => {
    expect(csvField("=HYPERLINK(\"x\")")).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2")).toBe("'-2");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField(-3)).toBe("-3"); // numbers are ours, not the user's
  });
  it("ends every record with CRLF and reads back to the same fields", () => {
    const rows = [["a", "b,c", 'd"e'], ["line\r\nbreak", "", "ñandú"]];
    const text = csv(rows);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(text.split("\r\n").length).toBeGreaterThan(2);
    expect(parse(text)).toEqual(rows.map((r) => r.map(String)));
  });
  it("writes a header and one record per entry, times in UTC", () => {
    const text = activityCsv([entry(1, 'Mozilla/5.0 (X11; Linux) "quoted", with comma'), entry(2, "=cmd")]);
    expect(text.startsWith("\ufeff")).toBe(true);
    const rows = parse(text.slice(1));
    expect(rows[0]).toEqual(["id", "time", "actor", "action", "target", "product", "ip", "detail"]);
    expect(rows[1]).toEqual(["1", "2025-12-05T00:00:01.000Z", "ana@demo.example", "security.login", "ana@demo.example", "security", "192.0.2.1", 'Mozilla/5.0 (X11; Linux) "quoted", with comma']);
    expect(rows[2][7]).toBe("'=cmd");
    expect(activityFileName(new Date("2026-12-04T22:00:00Z"))).toBe("activity-2026-12-04.csv");
  });
});

describe("the export pages through the log", () => {
  const log = Array.from({ length: 25 }, (_, i) => entry(25 - i, "d" + i)); // newest first
  const fetchPage = async (_f: unknown, before: number | null, limit: number) => {
    const start = before === null ? 0 : log.findIndex((e) => e.id === before) + 1;
    const items = log.slice(start, start + limit);
    return { items, next: items.length === limit ? items[items.length - 1].id : null };
  };
  it("fetches every page when the log is short", async () => {
    const r = await allActivity(NO_FILTER, 100, fetchPage, 10);
    expect(r.complete).toBe(true);
    expect(r.entries.map((e) => e.id)).toEqual(log.map((e) => e.id));
  });
  it("stops at the bound and says so", async () => {
    const r = await allActivity(NO_FILTER, 12, fetchPage, 10);
    expect(r.entries.length).toBe(12);
    expect(r.complete).toBe(false);
  });
  it("a bound equal to the log's length is complete", async () => {
    const r = await allActivity(NO_FILTER, 25, fetchPage, 5);
    expect(r.entries.length).toBe(25);
    expect(r.complete).toBe(true);
  });
});
