// The message (and its thread) shown in the reader: everything needed to
// show it, read in one request.
import { jmap } from "./session";
import type { EmailAddress } from "../lib/address";
import { htmlToText } from "../lib/text";

export interface BodyPart {
  partId: string | null;
  blobId: string | null;
  size: number;
  name: string | null;
  type: string;
  charset: string | null;
  disposition: string | null;
  cid: string | null;
}

export interface FullEmail {
  id: string;
  blobId: string;
  threadId: string;
  mailboxIds: Record<string, boolean>;
  keywords: Record<string, boolean>;
  size: number;
  receivedAt: string;
  sentAt: string | null;
  messageId: string[] | null;
  inReplyTo: string[] | null;
  references: string[] | null;
  from: EmailAddress[] | null;
  sender: EmailAddress[] | null;
  to: EmailAddress[] | null;
  cc: EmailAddress[] | null;
  bcc: EmailAddress[] | null;
  replyTo: EmailAddress[] | null;
  subject: string | null;
  preview: string;
  hasAttachment: boolean;
  bodyValues: Record<string, { value: string; isTruncated: boolean }>;
  textBody: BodyPart[];
  htmlBody: BodyPart[];
  attachments: BodyPart[];
  "header:Disposition-Notification-To:asAddresses": EmailAddress[] | null;
}

export const FULL_PROPS = [
  "id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt", "sentAt", "messageId", "inReplyTo",
  "references", "from", "sender", "to", "cc", "bcc", "replyTo", "subject", "preview", "hasAttachment", "bodyValues",
  "textBody", "htmlBody", "attachments", "header:Disposition-Notification-To:asAddresses",
];

const BODY_ARGS = { fetchAllBodyValues: true, maxBodyValueBytes: 4 * 1024 * 1024 };

/** The email `id`, and the other emails of its thread (oldest first) when `thread` is asked. */
export async function loadEmail(accountId: string, id: string, thread: boolean): Promise<FullEmail[]> {
  const j = jmap.value!;
  if (!thread) {
    const r = await j.call("Email/get", { accountId, ids: [id], properties: FULL_PROPS, ...BODY_ARGS });
    return r.list;
  }
  const r = await j.request([
    ["Email/get", { accountId, ids: [id], properties: ["threadId"] }, "a"],
    ["Thread/get", { accountId, "#ids": { resultOf: "a", name: "Email/get", path: "/list/*/threadId" } }, "t"],
    ["Email/get", { accountId, "#ids": { resultOf: "t", name: "Thread/get", path: "/list/*/emailIds" }, properties: FULL_PROPS, ...BODY_ARGS }, "e"],
  ]);
  const list = r.e.list as FullEmail[];
  return list.length ? list.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt)) : [];
}

/** An attached message (message/rfc822) read as an email, without storing it (Email/parse). */
export async function parseAttached(accountId: string, blobId: string): Promise<FullEmail | null> {
  const props = FULL_PROPS.filter((p) => !["id", "threadId", "mailboxIds", "keywords", "receivedAt"].includes(p));
  const r = await jmap.value!.call("Email/parse", { accountId, blobIds: [blobId], properties: props, ...BODY_ARGS });
  const e = r.parsed?.[blobId];
  if (!e) return null;
  return { id: "", threadId: "", mailboxIds: {}, keywords: { $seen: true }, receivedAt: e.sentAt ?? new Date().toISOString(), ...e };
}

/** Every header field of the email, as it is in the message. */
export async function loadHeaders(accountId: string, id: string): Promise<{ name: string; value: string }[]> {
  const r = await jmap.value!.call("Email/get", { accountId, ids: [id], properties: ["headers"] });
  return r.list[0]?.headers ?? [];
}

/** The HTML to show and the plain text of a message (for the frame and for quoting). */
export function bodyOf(e: FullEmail): { html: string | null; text: string } {
  const value = (p: BodyPart) => (p.partId && e.bodyValues?.[p.partId]?.value) || "";
  const text = e.textBody
    .map((p) => (p.type === "text/html" ? htmlToText(value(p)) : p.type.startsWith("text/") ? value(p) : ""))
    .join("\n");
  const htmlParts = e.htmlBody.filter((p) => p.type === "text/html");
  if (htmlParts.length === 0) return { html: null, text };
  return { html: e.htmlBody.map((p) => (p.type === "text/html" ? value(p) : p.type.startsWith("text/") ? `<pre>${value(p).replace(/&/g, "&amp;").replace(/</g, "&lt;")}</pre>` : "")).join("\n"), text };
}
