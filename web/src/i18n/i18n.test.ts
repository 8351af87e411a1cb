import { describe, expect, it } from "vitest";
import { en } from "./en";
import { es } from "./es";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(f) && !f.endsWith(".test.ts") ? [p] : [];
  });
}

describe("translations", () => {
  it("Spanish and English have the same keys, none empty", () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries({ ...en, ...es })) expect(v.trim(), k).not.toBe("");
  });
  it("each key has the same placeholders in both", () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) expect(placeholders(es[k]), k).toEqual(placeholders(en[k]));
  });
  it("every key the code names exists", () => {
    const root = join(__dirname, "..");
    const used = new Set<string>();
    for (const f of sources(root)) for (const m of readFileSync(f, "utf8").matchAll(/\bt\("([\w.]+)"/g)) used.add(m[1]);
    for (const k of used) expect(Object.keys(en), k).toContain(k);
  });
});
