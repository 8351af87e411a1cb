// Mail addresses as people type them in the To/Cc/Bcc fields, and as JMAP
// writes them (EmailAddress, RFC 8621 §4.1.2.3).

export interface EmailAddress {
  name: string | null;
  email: string;
}

// A deliberately plain check: one @, something on both sides, a dot-less
// local domain allowed, no spaces or angle brackets.
const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+$/;

export function isEmail(text: string): boolean {
  return EMAIL.test(text);
}

/** Splits an address list at commas and semicolons outside quotes and angle brackets. */
function splitList(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let angle = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && quoted && i + 1 < text.length) {
      cur += c + text[++i];
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === "<") angle = true;
    else if (!quoted && c === ">") angle = false;
    if (!quoted && !angle && (c === "," || c === ";" || c === "\n")) {
      out.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

function unquote(name: string): string {
  const t = name.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) return t.slice(1, -1).replace(/\\(.)/g, "$1");
  return t;
}

export interface ParsedList {
  addresses: EmailAddress[];
  invalid: string[];
}

/** `Ana <ana@x.example>, "Pérez, Luis" <luis@x.example>; bob@x.example` → addresses, and what is not one. */
export function parseAddressList(text: string): ParsedList {
  const addresses: EmailAddress[] = [];
  const invalid: string[] = [];
  for (const item of splitList(text)) {
    const m = /^(.*)<([^<>]*)>\s*$/.exec(item);
    if (m) {
      const email = m[2].trim();
      const name = unquote(m[1]);
      if (isEmail(email)) addresses.push({ name: name || null, email });
      else invalid.push(item);
    } else if (isEmail(item)) {
      addresses.push({ name: null, email: item });
    } else {
      invalid.push(item);
    }
  }
  return { addresses, invalid };
}

/** One address as a person reads and retypes it. */
export function formatAddress(a: EmailAddress): string {
  if (!a.name) return a.email;
  const name = /[",;<>@()]/.test(a.name) ? '"' + a.name.replace(/(["\\])/g, "\\$1") + '"' : a.name;
  return `${name} <${a.email}>`;
}

export function formatAddressList(list: EmailAddress[] | null | undefined): string {
  return (list ?? []).map(formatAddress).join(", ");
}

/** The name to show in a list: the display name, or the address. */
export function shortName(list: EmailAddress[] | null | undefined): string {
  if (!list || list.length === 0) return "";
  return list.map((a) => a.name || a.email).join(", ");
}

export function sameEmail(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The list without duplicates (by address, keeping the first) and without `exclude`. */
export function uniqueAddresses(list: EmailAddress[], exclude: string[] = []): EmailAddress[] {
  const seen = new Set(exclude.map((e) => e.toLowerCase()));
  const out: EmailAddress[] = [];
  for (const a of list) {
    const key = a.email.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}
