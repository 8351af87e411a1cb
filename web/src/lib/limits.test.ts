import { describe, expect, it } from "vitest";
import { attachmentFits, formatSize, inlineOrAttach, MB } from "./size";
import { pagesFor, scaledHeight, scrollToRow, visibleRows } from "./windowing";
import { normalizePrefs, prefsSize, DEFAULT_PREFS, MAX_PREFS_BYTES } from "./prefs";

describe("attachment limits", () => {
  it("25 MB per message", () => {
    expect(attachmentFits(0, 25 * MB)).toBe("ok");
    expect(attachmentFits(20 * MB, 5 * MB + 1)).toBe("too_large");
    expect(attachmentFits(0, 30 * MB)).toBe("too_large");
  });
  it("pictures inline up to 10 MB, attached above", () => {
    expect(inlineOrAttach("image/png", 10 * MB)).toBe("inline");
    expect(inlineOrAttach("image/png", 10 * MB + 1)).toBe("attachment");
    expect(inlineOrAttach("application/pdf", 10)).toBe("attachment");
  });
  it("sizes in the user's language", () => {
    expect(formatSize(500, "en-GB")).toBe("500 B");
    expect(formatSize(1536, "en-GB")).toBe("1.5 KB");
    expect(formatSize(1536, "es-ES")).toBe("1,5 KB");
    expect(formatSize(25 * MB, "es-ES")).toBe("25 MB");
  });
});

describe("list windowing", () => {
  it("draws only the rows in view, with overscan", () => {
    expect(visibleRows(0, 640, 64, 100000, 8)).toEqual({ start: 0, end: 19 });
    expect(visibleRows(64 * 50000, 640, 64, 100000, 8)).toEqual({ start: 49992, end: 50019 });
    expect(visibleRows(64 * 99995, 640, 64, 100000, 8)).toEqual({ start: 99987, end: 100000 });
    expect(visibleRows(0, 640, 64, 0)).toEqual({ start: 0, end: 0 });
  });
  it("asks for the pages covering the window", () => {
    expect(pagesFor({ start: 49992, end: 50019 }, 50)).toEqual([999, 1000]);
    expect(pagesFor({ start: 0, end: 19 }, 50)).toEqual([0]);
    expect(pagesFor({ start: 5, end: 5 }, 50)).toEqual([]);
  });
  it("scrolls as little as needed to show a row", () => {
    expect(scrollToRow(9, 0, 640, 64)).toBe(0);
    expect(scrollToRow(10, 0, 640, 64)).toBe(64);
    expect(scrollToRow(10, 0, 600, 64)).toBe(704 - 600);
    expect(scrollToRow(2, 640, 640, 64)).toBe(128);
  });
  it("100,000 rows fit the browser's height limit without scaling", () => {
    expect(scaledHeight(100000, 64)).toEqual({ height: 6400000, factor: 1 });
    expect(scaledHeight(1000000, 64).factor).toBeGreaterThan(1);
  });
});

describe("preferences", () => {
  it("keeps valid values and drops the rest", () => {
    const p = normalizePrefs({ language: "fr", theme: "dark", receipts: "always", undoSeconds: 999, notify: { a1: false, a2: "x" }, remoteImages: ["a@x", 3], signatures: { i1: { list: [{ id: "s", name: "n", html: "<b>x</b>" }, { id: 1 }], defaultId: "s" } } });
    expect(p.language).toBeNull();
    expect(p.theme).toBe("dark");
    expect(p.receipts).toBe("always");
    expect(p.undoSeconds).toBe(DEFAULT_PREFS.undoSeconds);
    expect(p.notify).toEqual({ a1: false });
    expect(p.remoteImages).toEqual(["a@x"]);
    expect(p.signatures.i1.list).toHaveLength(1);
    expect(normalizePrefs(null)).toEqual(DEFAULT_PREFS);
    expect(prefsSize(DEFAULT_PREFS)).toBeLessThan(MAX_PREFS_BYTES);
  });
});
