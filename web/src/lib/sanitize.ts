// Hostile mail HTML made safe to show (DESIGN §2.5; notes/web-stack.md):
// DOMPurify removes active content, then the result goes into an
// <iframe sandbox> without allow-scripts or allow-same-origin, whose own
// CSP lets nothing load but inline images (and remote images once the
// user allows them). Remote image URLs are also taken out of the
// document itself (src → data-x-src, CSS url() emptied), so that even a
// CSP the browser ignored would load nothing.
import DOMPurify from "dompurify";

const FORBID_TAGS = [
  "script", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "input", "button", "textarea",
  "select", "option", "svg", "math", "meta", "link", "base", "noscript", "template", "portal", "audio", "video",
  "source", "track", "picture", "dialog",
];
const FORBID_ATTR = ["srcset", "action", "formaction", "ping", "xlink:href", "srcdoc", "autofocus", "tabindex"];
// URIs an attribute may hold: web and mail links, inline parts, pictures
// written in the message, and fragment links.
export const ALLOWED_URI = /^(?:(?:https?|mailto|cid):|data:image\/(?:png|gif|jpe?g|webp|bmp|avif);|#)/i;
const REMOTE = /^\s*(?:https?:)?\/\//i;
const CSS_URL = /url\(\s*(['"]?)(.*?)\1\s*\)/gi;
const URL_ATTRS = ["src", "background", "poster"];

export interface SanitizeOptions {
  /** Let http(s) images load (the user allowed them for this message or sender). */
  allowRemote: boolean;
  /** cid (without <>) → the URL of that inline part (a data: URL). */
  cidUrls?: Map<string, string>;
}

export interface SanitizedMail {
  html: string;
  /** How many remote resources were held back. */
  blockedRemote: number;
}

function cssWithoutRemote(css: string, opts: SanitizeOptions, count: { n: number }): string {
  return css.replace(CSS_URL, (whole, _q: string, url: string) => {
    const u = url.trim();
    if (/^cid:/i.test(u)) {
      const mapped = opts.cidUrls?.get(u.slice(4).replace(/^<|>$/g, ""));
      return mapped ? `url("${mapped}")` : "none";
    }
    if (/^data:image\//i.test(u) && !/^data:image\/svg/i.test(u)) return whole;
    if (REMOTE.test(u) && opts.allowRemote && /^https?:/i.test(u)) return whole;
    if (REMOTE.test(u) || /^[a-z][a-z0-9+.-]*:/i.test(u) || u.length > 0) count.n++;
    return "none";
  });
}

/** The mail's HTML with nothing active in it. */
export function sanitizeMail(html: string, opts: SanitizeOptions): SanitizedMail {
  const purify = DOMPurify();
  // DOMPurify hands back its input untouched where it cannot work; show the source as text then.
  if (!purify.isSupported) return { html: "<pre>" + html.replace(/&/g, "&amp;").replace(/</g, "&lt;") + "</pre>", blockedRemote: 0 };
  const count = { n: 0 };
  purify.addHook("uponSanitizeElement", (node, data) => {
    if (data.tagName === "style") {
      const text = node.textContent ?? "";
      // @import and other at-rules that fetch are never kept; url() is rewritten.
      if (/@import|@font-face|expression\s*\(|behavior\s*:|-moz-binding/i.test(text)) {
        node.textContent = "";
        count.n++;
      } else {
        node.textContent = cssWithoutRemote(text, opts, count);
      }
    }
  });
  purify.addHook("afterSanitizeAttributes", (node) => {
    const el = node as Element;
    if (!el.getAttribute) return;
    for (const attr of URL_ATTRS) {
      const v = el.getAttribute(attr);
      if (v === null) continue;
      if (/^cid:/i.test(v)) {
        const mapped = opts.cidUrls?.get(v.slice(4).replace(/^<|>$/g, ""));
        if (mapped) el.setAttribute(attr, mapped);
        else el.removeAttribute(attr);
      } else if (REMOTE.test(v)) {
        if (!opts.allowRemote) {
          el.setAttribute("data-x-" + attr, v);
          el.removeAttribute(attr);
          count.n++;
        }
      } else if (!/^data:image\//i.test(v) || /^data:image\/svg/i.test(v)) {
        el.removeAttribute(attr);
      }
    }
    const style = el.getAttribute("style");
    if (style !== null) {
      if (/expression\s*\(|behavior\s*:|-moz-binding|@import/i.test(style)) el.removeAttribute("style");
      else el.setAttribute("style", cssWithoutRemote(style, opts, count));
    }
    if (el.tagName === "A") {
      const href = el.getAttribute("href") ?? "";
      if (href.startsWith("#")) el.removeAttribute("target");
      else {
        el.setAttribute("target", "_blank");
        el.setAttribute("rel", "noopener noreferrer");
      }
    }
    if (el.tagName === "AREA") el.remove();
  });
  const clean = purify.sanitize(html, {
    FORBID_TAGS,
    FORBID_ATTR,
    ALLOWED_URI_REGEXP: ALLOWED_URI,
    ADD_TAGS: ["style"],
    ADD_ATTR: ["target"],
    FORCE_BODY: true,
    ALLOW_DATA_ATTR: false,
    USE_PROFILES: { html: true },
  }) as unknown as string;
  return { html: clean, blockedRemote: count.n };
}

/** The CSP of the frame a message is shown in. */
export function frameCsp(allowRemote: boolean): string {
  const img = allowRemote ? "data: blob: cid: https: http:" : "data: blob: cid:";
  return `default-src 'none'; img-src ${img}; style-src 'unsafe-inline'; font-src data:`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
}

/** The whole document given to the frame's srcdoc. */
export function frameDocument(body: string, allowRemote: boolean, dark: boolean): string {
  const base = dark
    ? "html{color-scheme:dark}body{background:#1e1f22;color:#e6e6e6}a{color:#8ab4f8}"
    : "html{color-scheme:light}body{background:#fff;color:#1f1f1f}";
  return (
    "<!doctype html><html><head><meta charset=\"utf-8\">" +
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttr(frameCsp(allowRemote))}">` +
    "<meta name=\"referrer\" content=\"no-referrer\">" +
    `<style>${base}body{margin:12px;font:14px/1.5 system-ui,sans-serif;overflow-wrap:anywhere}img{max-width:100%;height:auto}pre{white-space:pre-wrap}blockquote{margin:0 0 0 .5em;padding-left:.8em;border-left:3px solid #8886}</style>` +
    "</head><body>" +
    body +
    "</body></html>"
  );
}

/** What the composer keeps of pasted HTML: formatting, links and pictures written in it; nothing else. */
export function sanitizePasted(html: string): string {
  const purify = DOMPurify();
  if (!purify.isSupported) return html.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  purify.addHook("afterSanitizeAttributes", (node) => {
    const el = node as Element;
    if (!el.getAttribute) return;
    if (el.tagName === "IMG" && !/^data:image\/(?:png|gif|jpe?g|webp)/i.test(el.getAttribute("src") ?? "")) el.remove();
    el.removeAttribute("class");
    el.removeAttribute("id");
    if (el.tagName === "A") {
      el.setAttribute("target", "_blank");
      el.setAttribute("rel", "noopener noreferrer");
    }
  });
  return purify.sanitize(html, {
    ALLOWED_TAGS: ["a", "b", "strong", "i", "em", "u", "s", "p", "br", "div", "span", "ul", "ol", "li", "blockquote",
      "pre", "code", "h1", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "td", "th", "img", "hr"],
    ALLOWED_ATTR: ["href", "src", "alt", "title", "style", "colspan", "rowspan", "target", "rel"],
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|data:image\/(?:png|gif|jpe?g|webp);)/i,
  }) as unknown as string;
}
