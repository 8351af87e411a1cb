// The messages a C++ source gives the web app, read from its text for the
// catalogue's coverage test (server-messages.test.ts): the message argument
// of each `fail(ErrorKind::…, …)`, `error_response(status, "code", …)` and
// zone refusal `refuse("part", …)` (dns/zone_rules.cpp), as its English
// template — string literals joined, fmt's `{…}` written
// `{}`, `{{`/`}}` unescaped, and any other operand of a `+` as `{}`. A
// message with no literal (a variable, another error's message) gives none.
// Not a C++ parser: enough for how the server writes these calls.

export interface CppMessage {
  /** The ErrorKind of a fail() ("internal", "invalid"…); "" for the others. */
  kind: string;
  template: string;
}

/** Each literal message of `src`, in order, as its English template. */
export function cppMessages(src: string): CppMessage[] {
  const code = stripComments(src);
  const out: CppMessage[] = [];
  const starts = /\bfail\(\s*ErrorKind::(\w+)\s*,|\berror_response\(\s*\d+\s*,\s*"[^"]*"\s*,|\brefuse\(\s*"[^"]*"\s*,/g;
  for (let m = starts.exec(code); m; m = starts.exec(code)) {
    for (const template of messageAt(code, m.index + m[0].length)) out.push({ kind: m[1] ?? "", template });
  }
  return out;
}

function stripComments(src: string): string {
  let out = "";
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'") {
      const end = literalEnd(src, i);
      out += src.slice(i, end);
      i = end - 1;
    } else if (c === "/" && src[i + 1] === "/") {
      while (i < src.length && src[i] !== "\n") i++;
      out += "\n";
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      i = end < 0 ? src.length : end + 1;
    } else out += c;
  }
  return out;
}

/** The index just past the literal (string or char) that starts at `i`. */
function literalEnd(s: string, i: number): number {
  const q = s[i];
  let j = i + 1;
  while (j < s.length && s[j] !== q) j += s[j] === "\\" ? 2 : 1;
  return j + 1;
}

function unescape(body: string): string {
  return body.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}

function fmtTemplate(s: string): string {
  return s.replace(/\{\{|\}\}|\{[^{}]*\}/g, (m) => (m === "{{" ? "{" : m === "}}" ? "}" : "{}"));
}

/**
 * The message argument starting at `at`: its template, or none. A ternary
 * between literals (`c ? "a" : "b"`) gives each of them.
 */
function messageAt(code: string, at: number): string[] {
  let i = at;
  while (/\s/.test(code[i])) i++;
  let isFormat = false;
  if (code.startsWith("fmt::format(", i)) {
    isFormat = true;
    i += "fmt::format(".length;
  }
  // Operands of the top-level `+`: literal runs, or other expressions.
  const parts: { text: string; literal: boolean }[] = [];
  let depth = 0;
  let curLiteral: string | null = null;
  let other = "";
  const flush = () => {
    if (curLiteral !== null) parts.push({ text: curLiteral, literal: true });
    else if (other.trim()) parts.push({ text: other.trim(), literal: false });
    curLiteral = null;
    other = "";
  };
  for (; i < code.length; i++) {
    const c = code[i];
    if (c === '"' && depth === 0) {
      if (curLiteral === null && other.trim()) {
        parts.push({ text: other.trim(), literal: false });
        other = "";
      }
      const end = literalEnd(code, i);
      curLiteral = (curLiteral ?? "") + unescape(code.slice(i + 1, end - 1));
      i = end - 1;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = literalEnd(code, i);
      other += code.slice(i, end);
      i = end - 1;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    if (c === ")" || c === "]" || c === "}") {
      if (depth === 0) break;
      depth--;
    }
    if (depth === 0 && c === ",") break;
    if (depth === 0 && c === "+") {
      flush();
      continue;
    }
    if (/\s/.test(c) && curLiteral !== null) continue;
    if (curLiteral !== null) {
      // Something other than `+` after a literal (a ternary's `:`).
      parts.push({ text: curLiteral, literal: true });
      curLiteral = null;
    }
    other += c;
  }
  flush();
  if (!parts.some((p) => p.literal)) return [];
  if (parts.some((p) => !p.literal && /[?:]/.test(p.text.replace(/::/g, "")))) {
    return parts.filter((p) => p.literal).map((p) => (isFormat ? fmtTemplate(p.text) : p.text));
  }
  return [parts.map((p) => (p.literal ? (isFormat ? fmtTemplate(p.text) : p.text) : "{}")).join("")];
}
