// The composer's message as a JMAP Email to create (RFC 8621 §4.6): the
// body structure (plain text, or text + HTML alternatives; inline images
// in a multipart/related; attachments in a multipart/mixed), the
// threading fields and the read-receipt request.
import type { EmailAddress } from "../../lib/address";

export interface ComposerFile {
  key: string;
  name: string;
  type: string;
  size: number;
  blobId: string | null;
  /** Set for an inline image: the Content-ID its <img src="cid:…"> names. */
  cid: string | null;
  progress: number; // 0..1
  error: string | null;
  /** Files going up as a download link (lib/transfers.ts), until the link is in the text. */
  transfer?: boolean;
}

export interface DraftInput {
  draftsId: string;
  from: EmailAddress;
  replyTo: EmailAddress[] | null;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
  subject: string;
  rich: boolean;
  html: string;
  text: string;
  files: ComposerFile[];
  inReplyTo: string[] | null;
  references: string[] | null;
  requestReceipt: boolean;
}

function filePart(f: ComposerFile, inline: boolean): Record<string, unknown> {
  const p: Record<string, unknown> = { blobId: f.blobId, type: f.type || "application/octet-stream", name: f.name, disposition: inline ? "inline" : "attachment" };
  if (inline && f.cid) p.cid = f.cid;
  return p;
}

/** The Email/set create object of a draft. */
export function buildEmail(d: DraftInput): Record<string, unknown> {
  const ready = d.files.filter((f) => f.blobId && !f.error);
  const inline = d.rich ? ready.filter((f) => f.cid && d.html.includes("cid:" + f.cid)) : [];
  // In rich mode a picture no longer in the text is left out; in plain mode pictures are attachments.
  const attached = ready.filter((f) => !f.cid || !d.rich);
  const textPart = { partId: "text", type: "text/plain" };
  let main: Record<string, unknown> = textPart;
  if (d.rich) {
    let html: Record<string, unknown> = { partId: "html", type: "text/html" };
    if (inline.length) html = { type: "multipart/related", subParts: [html, ...inline.map((f) => filePart(f, true))] };
    main = { type: "multipart/alternative", subParts: [textPart, html] };
  }
  const bodyStructure = attached.length ? { type: "multipart/mixed", subParts: [main, ...attached.map((f) => filePart(f, false))] } : main;
  const bodyValues: Record<string, { value: string }> = { text: { value: d.text } };
  if (d.rich) bodyValues.html = { value: `<!doctype html><html><body>${d.html}</body></html>` };
  const email: Record<string, unknown> = {
    mailboxIds: { [d.draftsId]: true },
    keywords: { $draft: true, $seen: true },
    from: [d.from],
    subject: d.subject,
    bodyStructure,
    bodyValues,
  };
  if (d.to.length) email.to = d.to;
  if (d.cc.length) email.cc = d.cc;
  if (d.bcc.length) email.bcc = d.bcc;
  if (d.replyTo?.length) email.replyTo = d.replyTo;
  if (d.inReplyTo?.length) email.inReplyTo = d.inReplyTo;
  if (d.references?.length) email.references = d.references;
  if (d.requestReceipt) email["header:Disposition-Notification-To:asAddresses"] = [d.from];
  return email;
}

/** Everyone the message goes to, once each (the SMTP envelope). */
export function envelopeRecipients(d: Pick<DraftInput, "to" | "cc" | "bcc">): { email: string; parameters: null }[] {
  const seen = new Set<string>();
  const out: { email: string; parameters: null }[] = [];
  for (const a of [...d.to, ...d.cc, ...d.bcc]) {
    const k = a.email.toLowerCase();
    if (seen.has(k)) continue;
    seen.add(k);
    out.push({ email: a.email, parameters: null });
  }
  return out;
}

/** The editor's HTML as it is sent: pictures pasted or dropped point at their parts (cid:). */
export function editorHtmlForSending(root: HTMLElement): string {
  const clone = root.cloneNode(true) as HTMLElement;
  for (const img of Array.from(clone.querySelectorAll("img[data-cid]"))) {
    img.setAttribute("src", "cid:" + img.getAttribute("data-cid"));
    img.removeAttribute("data-cid");
  }
  return clone.innerHTML;
}

export function newCid(): string {
  const r = crypto.getRandomValues(new Uint8Array(9));
  return Array.from(r, (b) => b.toString(16).padStart(2, "0")).join("") + "@estafeta";
}
