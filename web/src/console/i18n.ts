// The console's strings, in Spanish and English. Each area keeps its own
// (strings.ts beside its screens: `en`, and `es` typed to have every key of
// `en`); they are loaded with the console, not with the mail app. The
// language is the app's (i18n/index.ts).
import { lang } from "../i18n";
import { common } from "./strings";
import { security } from "./security/strings";
import { org } from "./org/strings";
import { dns } from "./dns/strings";

export type CKey =
  | keyof typeof common.en
  | keyof typeof security.en
  | keyof typeof org.en
  | keyof typeof dns.en;

const areas = [common, security, org, dns];
export const consoleStrings = {
  en: Object.assign({}, ...areas.map((a) => a.en)) as Record<CKey, string>,
  es: Object.assign({}, ...areas.map((a) => a.es)) as Record<CKey, string>,
};

/** The console text of `key` in the current language, `{name}` placeholders filled from `params`. */
export function tc(key: CKey, params?: Record<string, string | number>): string {
  let s = consoleStrings[lang.value][key] ?? consoleStrings.en[key] ?? key;
  if (params) for (const [k, v] of Object.entries(params)) s = s.split("{" + k + "}").join(String(v));
  return s;
}

function locale(): string {
  return lang.value === "es" ? "es-ES" : "en-GB";
}

/** A date and time as people read it ("4 dic 2026, 21:57"); "" for none. */
export function fmtDateTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === "") return "";
  const d = typeof iso === "number" ? new Date(iso * 1000) : new Date(iso);
  if (isNaN(d.getTime())) return "";
  return new Intl.DateTimeFormat(locale(), { dateStyle: "medium", timeStyle: "short" }).format(d);
}
