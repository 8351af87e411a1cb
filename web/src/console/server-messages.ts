// What the server says, in the web app's language. The server speaks
// English (its API errors, the domain diagnostic, the SPF analysis); in
// Spanish, serverText() finds the template of server-es.ts that matches the
// whole message — each `{}` any text, the template with the most literal
// characters winning — translates the captured parts the same way (a
// message nested in another, as in "record {}: {}") and fills the Spanish
// template. A message no template matches is shown as the server sent it.
import { lang } from "../i18n";
import { serverEs } from "./server-es";

interface Template {
  /** The English template's longest literal piece: a message without it cannot match. */
  anchor: string;
  pattern: RegExp;
  /** The Spanish text split around its placeholders, and which capture fills each. */
  pieces: string[];
  slots: number[];
  /** Literal characters of the English template (the more, the more specific). */
  weight: number;
}

const PLACEHOLDER = /\{(\d*)\}/g;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A template compiled: `{}` in English captures any text; `{}`/`{N}` in Spanish takes the next or the Nth capture. */
export function compileTemplate(en: string, es: string): Template {
  const literals = en.split("{}");
  const pieces: string[] = [];
  const slots: number[] = [];
  let last = 0;
  let next = 0;
  for (const m of es.matchAll(PLACEHOLDER)) {
    pieces.push(es.slice(last, m.index));
    slots.push(m[1] === "" ? next++ : Number(m[1]));
    last = (m.index ?? 0) + m[0].length;
  }
  pieces.push(es.slice(last));
  return {
    anchor: literals.reduce((a, b) => (b.length > a.length ? b : a), ""),
    pattern: new RegExp("^" + literals.map(escapeRegExp).join("([\\s\\S]*?)") + "$"),
    pieces,
    slots,
    weight: literals.reduce((n, l) => n + l.length, 0),
  };
}

let compiled: Template[] | null = null;

/** The catalogue compiled once, the most specific templates first. */
function templates(): Template[] {
  if (!compiled) {
    compiled = Object.entries(serverEs)
      .map(([en, es]) => compileTemplate(en, es))
      .sort((a, b) => b.weight - a.weight);
  }
  return compiled;
}

const MAX_DEPTH = 4;
const cache = new Map<string, string>();

/** `message` in Spanish when a template matches it; otherwise unchanged. */
export function translateServer(message: string, depth = 0): string {
  if (!message || depth > MAX_DEPTH) return message;
  const known = cache.get(message);
  if (known !== undefined) return known;
  let out = message;
  for (const t of templates()) {
    if (!message.includes(t.anchor)) continue;
    const m = t.pattern.exec(message);
    if (!m) continue;
    const parts = m.slice(1).map((p) => translateServer(p, depth + 1));
    out = t.pieces[0];
    for (let i = 0; i < t.slots.length; i++) out += (parts[t.slots[i]] ?? "") + t.pieces[i + 1];
    break;
  }
  // Messages repeat (a table of findings, a form sent again); the cache stays small.
  if (cache.size > 500) cache.clear();
  cache.set(message, out);
  return out;
}

/** A message of the server as the web app shows it: in Spanish when the app is. */
export function serverText(message: string): string {
  return lang.value === "es" ? translateServer(message) : message;
}
