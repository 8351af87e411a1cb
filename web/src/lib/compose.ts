// Replies and forwards: who they go to, their subject, the quoted original
// and the threading fields (RFC 5322 §3.6.4).
import { EmailAddress, formatAddressList, sameEmail, uniqueAddresses } from "./address";
import { escapeHtml, quoteText, textToHtml } from "./text";

export type ComposeMode = "new" | "reply" | "replyAll" | "forward" | "forwardAttachment" | "draft";

/** The parts of the original a reply or forward is built from. */
export interface Original {
  id: string;
  blobId: string;
  subject: string | null;
  from: EmailAddress[] | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  replyTo: EmailAddress[] | null;
  sentAt: string | null;
  receivedAt: string;
  messageId: string[] | null;
  references: string[] | null;
  /** The body as HTML (sanitised) or null when the message is plain text. */
  html: string | null;
  text: string;
}

const REPLY_PREFIX = /^\s*((re|aw|sv|vs|antw|r|rif|ref)\s*(\[\d+\])?\s*:\s*)+/i;
const FORWARD_PREFIX = /^\s*((fwd?|rv|wg|tr|i|enc)\s*:\s*)+/i;

export function replySubject(subject: string | null): string {
  const s = (subject ?? "").trim();
  return REPLY_PREFIX.test(s) ? "Re: " + s.replace(REPLY_PREFIX, "") : "Re: " + s;
}

export function forwardSubject(subject: string | null): string {
  const s = (subject ?? "").trim();
  return FORWARD_PREFIX.test(s) ? "Fwd: " + s.replace(FORWARD_PREFIX, "") : "Fwd: " + s;
}

export interface Recipients {
  to: EmailAddress[];
  cc: EmailAddress[];
}

/**
 * Who a reply goes to. `me` is every address the user sends as (the
 * reply-all never includes them). A reply to a message the user sent
 * goes to its recipients again.
 */
export function replyRecipients(o: Original, all: boolean, me: string[]): Recipients {
  const isMe = (a: EmailAddress) => me.some((m) => sameEmail(m, a.email));
  const from = o.from ?? [];
  if (from.length > 0 && from.every(isMe)) {
    const to = uniqueAddresses(o.to ?? []);
    return { to, cc: all ? uniqueAddresses(o.cc ?? [], to.map((a) => a.email)) : [] };
  }
  const to = uniqueAddresses(o.replyTo?.length ? o.replyTo : from);
  if (!all) return { to, cc: [] };
  return { to, cc: uniqueAddresses([...(o.to ?? []), ...(o.cc ?? [])], [...to.map((a) => a.email), ...me]) };
}

/** In-Reply-To and References of a reply (RFC 5322 §3.6.4). */
export function threadingFields(o: Original): { inReplyTo: string[] | null; references: string[] | null } {
  if (!o.messageId?.length) return { inReplyTo: null, references: o.references?.length ? o.references : null };
  const refs = [...(o.references ?? []), ...o.messageId];
  // The RFC suggests keeping the list bounded; keep the first and the last ones.
  const trimmed = refs.length > 20 ? [refs[0], ...refs.slice(-19)] : refs;
  return { inReplyTo: [...o.messageId], references: trimmed };
}

export interface QuoteLabels {
  /** "On {date}, {who} wrote:" with both placeholders. */
  wrote: string;
  forwarded: string;
  from: string;
  date: string;
  subject: string;
  to: string;
  cc: string;
}

export function quoteAttribution(o: Original, labels: QuoteLabels, formatDate: (iso: string) => string): string {
  const who = formatAddressList(o.from) || "?";
  return labels.wrote.replace("{date}", formatDate(o.sentAt ?? o.receivedAt)).replace("{who}", who);
}

/** The reply's body: an empty line, the attribution, the original quoted. */
export function replyBody(o: Original, labels: QuoteLabels, formatDate: (iso: string) => string): { html: string; text: string } {
  const attribution = quoteAttribution(o, labels, formatDate);
  const quotedHtml = o.html ?? textToHtml(o.text);
  return {
    html: `<p><br></p><p>${escapeHtml(attribution)}</p><blockquote type="cite">${quotedHtml}</blockquote>`,
    text: `\n\n${attribution}\n${quoteText(o.text)}\n`,
  };
}

/** The inline forward's body: the original's main fields, then its body. */
export function forwardBody(o: Original, labels: QuoteLabels, formatDate: (iso: string) => string): { html: string; text: string } {
  const rows: [string, string][] = [
    [labels.from, formatAddressList(o.from)],
    [labels.date, formatDate(o.sentAt ?? o.receivedAt)],
    [labels.subject, o.subject ?? ""],
    [labels.to, formatAddressList(o.to)],
  ];
  if (o.cc?.length) rows.push([labels.cc, formatAddressList(o.cc)]);
  const head = `---------- ${labels.forwarded} ----------`;
  const text = `\n\n${head}\n${rows.map(([k, v]) => `${k}: ${v}`).join("\n")}\n\n${o.text}\n`;
  const html =
    `<p><br></p><p>${escapeHtml(head)}<br>` +
    rows.map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(v)}`).join("<br>") +
    `</p>${o.html ?? textToHtml(o.text)}`;
  return { html, text };
}

/** A file name for a message: its subject, made safe, ending in .eml. */
export function emlName(subject: string | null): string {
  const base = (subject ?? "").replace(/[\\/:*?"<>|\x00-\x1f]+/g, " ").replace(/\s+/g, " ").trim().slice(0, 80);
  return (base || "message") + ".eml";
}
