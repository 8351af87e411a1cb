// Plain text and HTML, each written as the other (composer, quoting,
// the plain-text alternative of a rich message).

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Plain text as HTML paragraphs-with-line-breaks; links made clickable. */
export function textToHtml(text: string): string {
  const linked = escapeHtml(text).replace(
    /\b(https?:\/\/[^\s<>"]+[^\s<>".,;:!?)\]])/g,
    (u) => `<a href="${u}" target="_blank" rel="noopener noreferrer">${u}</a>`,
  );
  return linked.replace(/\r?\n/g, "<br>");
}

const BLOCK = new Set(["P", "DIV", "LI", "TR", "H1", "H2", "H3", "H4", "H5", "H6", "BLOCKQUOTE", "PRE", "TABLE", "UL", "OL", "HR"]);

/** The text a reader of the HTML sees: blocks on their own lines, quotes prefixed by "> ", links as "text <url>". */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(html, "text/html");
  const out: string[] = [];
  let line = "";
  const flush = (prefix: string) => {
    out.push(prefix + line.replace(/[ \t]+/g, " ").trim());
    line = "";
  };
  const walk = (node: Node, prefix: string) => {
    for (const child of Array.from(node.childNodes)) {
      if (child.nodeType === 3) {
        line += (child.textContent ?? "").replace(/\s+/g, " ");
      } else if (child.nodeType === 1) {
        const el = child as Element;
        const tag = el.tagName;
        if (tag === "SCRIPT" || tag === "STYLE" || tag === "HEAD") continue;
        if (tag === "BR") {
          flush(prefix);
          continue;
        }
        const block = BLOCK.has(tag);
        if (block && line.trim()) flush(prefix);
        if (tag === "BLOCKQUOTE") {
          walk(el, prefix + "> ");
          if (line.trim()) flush(prefix + "> ");
          continue;
        }
        if (tag === "LI") line += "- ";
        walk(el, prefix);
        if (tag === "A") {
          const href = el.getAttribute("href") ?? "";
          const text = el.textContent ?? "";
          if (href && /^(https?|mailto):/i.test(href) && href !== text && "mailto:" + text !== href) line += ` <${href}>`;
        }
        if (tag === "HR") line += "----";
        if (block && line.trim()) flush(prefix);
      }
    }
  };
  walk(doc.body, "");
  if (line.trim()) flush("");
  // At most one empty line in a row.
  return out.join("\n").replace(/\n{3,}/g, "\n\n").trim();
}

/** Each line of `text` prefixed with "> " (a reply's quote in plain text). */
export function quoteText(text: string): string {
  return text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((l) => (l.startsWith(">") ? ">" + l : "> " + l))
    .join("\n");
}
