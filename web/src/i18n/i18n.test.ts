/// <reference types="vite/client" />
import { describe, expect, it } from "vitest";
import { en } from "./en";
import { es } from "./es";
import { common } from "../console/strings";
import { security } from "../console/security/strings";
import { org } from "../console/org/strings";
import { dns } from "../console/dns/strings";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// Every source file of the app but the tests, as text.
const sources = Object.entries(import.meta.glob("../**/*.{ts,tsx}", { query: "?raw", import: "default", eager: true }) as Record<string, string>)
  .filter(([path]) => !path.endsWith(".test.ts"))
  .map(([, text]) => text);

function used(fn: string): Set<string> {
  const out = new Set<string>();
  const re = new RegExp("\\b" + fn + '\\("([\\w.]+)"', "g");
  for (const text of sources) for (const m of text.matchAll(re)) out.add(m[1]);
  return out;
}

const dictionaries: [string, Record<string, string>, Record<string, string>][] = [
  ["mail", en, es],
  ["console", common.en, common.es],
  ["console security", security.en, security.es],
  ["console org", org.en, org.es],
  ["console dns", dns.en, dns.es],
];

describe("translations", () => {
  it("Spanish and English have the same keys, none empty", () => {
    for (const [name, e, s] of dictionaries) {
      expect(Object.keys(s).sort(), name).toEqual(Object.keys(e).sort());
      for (const [k, v] of Object.entries({ ...e, ...s })) expect(v.trim(), k).not.toBe("");
    }
  });
  it("each key has the same placeholders in both", () => {
    for (const [, e, s] of dictionaries) for (const k of Object.keys(e)) expect(placeholders(s[k]), k).toEqual(placeholders(e[k]));
  });
  it("no two console areas define the same key", () => {
    const seen = new Map<string, string>();
    for (const [name, e] of dictionaries.slice(1))
      for (const k of Object.keys(e)) {
        expect(seen.get(k), k).toBeUndefined();
        seen.set(k, name);
      }
  });
  it("the sources were read", () => {
    expect(sources.length).toBeGreaterThan(20);
  });
  it("every key the code names exists", () => {
    for (const k of used("t")) expect(Object.keys(en), k).toContain(k);
    const consoleKeys = dictionaries.slice(1).flatMap(([, e]) => Object.keys(e));
    for (const k of used("tc")) expect(consoleKeys, k).toContain(k);
  });
});
