// Every string the app shows, in Spanish and English (en.ts is the list of
// keys; es.ts must have each one — the type system and a unit test check).
// Dates and sizes are written by Intl in the chosen language.
import { signal } from "@preact/signals";
import { en, type Key } from "./en";
import { es } from "./es";
import { formatSize } from "../lib/size";
import type { Lang } from "../lib/prefs";

export type { Key };
export const dictionaries: Record<Lang, Record<Key, string>> = { en, es };

function browserLang(): Lang {
  const l = (typeof navigator !== "undefined" && navigator.language) || "es";
  return l.toLowerCase().startsWith("en") ? "en" : "es";
}

export const lang = signal<Lang>(browserLang());

export function setLang(l: Lang | null): void {
  lang.value = l ?? browserLang();
  document.documentElement.lang = lang.value;
}

/** The text of `key` in the current language, `{name}` placeholders filled from `params`. */
export function t(key: Key, params?: Record<string, string | number>): string {
  let s = dictionaries[lang.value][key] ?? en[key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.split("{" + k + "}").join(String(v));
  return s;
}

function locale(): string {
  return lang.value === "es" ? "es-ES" : "en-GB";
}

export function fmtSize(bytes: number): string {
  return formatSize(bytes, locale());
}

export function fmtNumber(n: number): string {
  return new Intl.NumberFormat(locale()).format(n);
}

/** Today: the time; this year: day and month; before: the full date. */
export function fmtListDate(iso: string, now = new Date()): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  if (d.toDateString() === now.toDateString())
    return new Intl.DateTimeFormat(locale(), { hour: "2-digit", minute: "2-digit" }).format(d);
  if (d.getFullYear() === now.getFullYear())
    return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "short" }).format(d);
  return new Intl.DateTimeFormat(locale(), { day: "numeric", month: "short", year: "numeric" }).format(d);
}

export function fmtFullDate(iso: string): string {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "full", timeStyle: "short" }).format(d);
}
