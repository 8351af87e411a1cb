// One message in the reader: who and when, the actions (reply, reply all,
// forward inline or as attachment, headers, raw source, .eml), the banners
// (remote images held back, read receipt asked), the body and the
// attachments.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import { accountName, jmap, prefs, savePrefs, showError, toast } from "../state/session";
import { bodyOf, loadHeaders, parseAttached, type BodyPart, type FullEmail } from "../state/reader";
import { byRole } from "../state/mailboxes";
import { defaultIdentity } from "../state/identities";
import { compose } from "../state/compose";
import { archive, markSpam, remove, setKeyword } from "../state/actions";
import { formatAddressList } from "../lib/address";
import { emlName, type ComposeMode, type Original } from "../lib/compose";
import { sanitizePasted } from "../lib/sanitize";
import { MessageFrame } from "./MessageFrame";
import { Attachments } from "./Attachments";
import { Dialog } from "./Dialog";
import { SaveToDrive } from "./drive/SaveToDrive";
import { fmtFullDate, fmtSize, t } from "../i18n";

/** What the keyboard shortcuts act on: the message shown in full. */
export let readerActions: { reply: (m: ComposeMode) => void } | null = null;

export function toOriginal(e: FullEmail): Original {
  const b = bodyOf(e);
  return { id: e.id, blobId: e.blobId, subject: e.subject, from: e.from, to: e.to, cc: e.cc, replyTo: e.replyTo, sentAt: e.sentAt, receivedAt: e.receivedAt, messageId: e.messageId, references: e.references, html: b.html === null ? null : sanitizePasted(b.html), text: b.text };
}

async function dataUrl(url: string): Promise<string> {
  const res = await fetch(url, { credentials: "same-origin" });
  const blob = await res.blob();
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(blob);
  });
}

export function MessageView(props: { accountId: string; email: FullEmail; primary?: boolean; readOnly?: boolean; onChanged?: () => void }) {
  const e = props.email;
  const { accountId } = props;
  const body = useMemo(() => bodyOf(e), [e]);
  const sender = (e.from?.[0]?.email ?? "").toLowerCase();
  const allowOnce = useSignal(false);
  const blocked = useSignal(0);
  const cidUrls = useSignal<Map<string, string>>(new Map());
  const headers = useSignal<{ name: string; value: string }[] | null>(null);
  const raw = useSignal<string | null>(null);
  const attached = useSignal<FullEmail | null>(null);
  const receiptDone = useSignal(!!e.keywords.$mdnsent);
  const allowRemote = allowOnce.value || prefs.value.remoteImages.includes(sender);

  const referenced = useMemo(() => {
    const set = new Set<string>();
    if (body.html) for (const m of body.html.matchAll(/cid:([^"'\s)>]+)/gi)) set.add(decodeURIComponent(m[1]));
    return set;
  }, [body.html]);
  const inlineParts = e.attachments.filter((p) => p.cid && referenced.has(p.cid.replace(/^<|>$/g, "")));
  const listed = e.attachments.filter((p) => !inlineParts.includes(p));

  // Inline pictures (cid:) become data: URLs the frame may show.
  useEffect(() => {
    if (inlineParts.length === 0) return;
    let alive = true;
    const j = jmap.value!;
    Promise.all(inlineParts.map(async (p) => [p.cid!.replace(/^<|>$/g, ""), await dataUrl(j.downloadUrl(accountId, p.blobId!, p.name || "inline", p.type))] as const))
      .then((pairs) => alive && (cidUrls.value = new Map(pairs)))
      .catch(() => {});
    return () => {
      alive = false;
    };
  }, [e.id]);

  const reply = async (mode: ComposeMode) => compose({ mode, accountId, original: toOriginal(e) });
  useEffect(() => {
    if (!props.primary || props.readOnly) return;
    readerActions = { reply };
    return () => {
      if (readerActions?.reply === reply) readerActions = null;
    };
  });

  // Read receipts (RFC 8098): asked by Disposition-Notification-To; sent once ($mdnsent), per the user's policy.
  const asked = e["header:Disposition-Notification-To:asAddresses"];
  const mine = sender === accountName(accountId).toLowerCase();
  const inOwnFolders = [byRole(accountId, "sent")?.id, byRole(accountId, "drafts")?.id].some((id) => id && e.mailboxIds[id]);
  const receiptWanted = !!asked?.length && !receiptDone.value && !mine && !inOwnFolders && !props.readOnly;
  const sendReceipt = async () => {
    receiptDone.value = true;
    try {
      const identity = await defaultIdentity(accountId);
      const r = await jmap.value!.call("MDN/send", {
        accountId,
        identityId: identity?.id,
        send: { k: { forEmailId: e.id, includeOriginalMessage: false, disposition: { actionMode: "manual-action", sendingMode: "mdn-sent-manually", type: "displayed" } } },
      });
      if (r.notSent?.k && r.notSent.k.type !== "mdnAlreadySent") throw new Error(r.notSent.k.description ?? r.notSent.k.type);
      toast(t("receipt.sent"));
    } catch (err) {
      showError(err);
    }
  };
  const ignoreReceipt = async () => {
    receiptDone.value = true;
    await setKeyword(accountId, [e.id], "$mdnsent", true);
  };
  useEffect(() => {
    if (!receiptWanted) return;
    if (prefs.value.receipts === "always") void sendReceipt();
  }, [e.id]);

  const j = jmap.value!;
  const showHeaders = async () => {
    if (headers.value) return (headers.value = null);
    try {
      headers.value = await loadHeaders(accountId, e.id);
    } catch (err) {
      showError(err);
    }
  };
  const showRaw = async () => {
    if (raw.value !== null) return (raw.value = null);
    try {
      const res = await fetch(j.downloadUrl(accountId, e.blobId, emlName(e.subject), "text/plain"), { credentials: "same-origin" });
      raw.value = await res.text();
    } catch (err) {
      showError(err);
    }
  };
  const openAttached = async (p: BodyPart) => {
    try {
      const parsed = await parseAttached(accountId, p.blobId!);
      if (!parsed) toast(t("reader.notParsable"), "error");
      attached.value = parsed;
    } catch (err) {
      showError(err);
    }
  };

  return (
    <article class="message" aria-label={e.subject ?? t("list.noSubject")} data-email={e.id || undefined}>
      <header class="message-head">
        <h2 class="subject">{e.subject || t("list.noSubject")}</h2>
        <dl class="addresses">
          <dt>{t("field.from")}</dt><dd>{formatAddressList(e.from)}</dd>
          {!!e.to?.length && (<><dt>{t("field.to")}</dt><dd>{formatAddressList(e.to)}</dd></>)}
          {!!e.cc?.length && (<><dt>{t("field.cc")}</dt><dd>{formatAddressList(e.cc)}</dd></>)}
          <dt>{t("field.date")}</dt><dd><time dateTime={e.sentAt ?? e.receivedAt}>{fmtFullDate(e.sentAt ?? e.receivedAt)}</time> · {fmtSize(e.size)}</dd>
        </dl>
        <div class="message-actions" role="toolbar" aria-label={t("reader.actions")}>
          {!props.readOnly && (
            <>
              {e.keywords.$draft && (
                <button type="button" class="primary" onClick={() => compose({ mode: "draft", accountId, draftId: e.id })}>{t("action.editDraft")}</button>
              )}
              <button type="button" onClick={() => reply("reply")}>{t("action.reply")}</button>
              <button type="button" onClick={() => reply("replyAll")}>{t("action.replyAll")}</button>
              <button type="button" onClick={() => reply("forward")}>{t("action.forward")}</button>
              <button type="button" onClick={() => reply("forwardAttachment")}>{t("action.forwardAttachment")}</button>
              <button type="button" onClick={() => setKeyword(accountId, [e.id], "$flagged", !e.keywords.$flagged).then(props.onChanged)}>{e.keywords.$flagged ? t("action.unflag") : t("action.flag")}</button>
              <button type="button" onClick={() => archive(accountId, [e.id])}>{t("action.archive")}</button>
              <button type="button" onClick={() => remove(accountId, [e.id])}>{t("action.delete")}</button>
              <button type="button" onClick={() => markSpam(accountId, [e.id], !e.mailboxIds[byRole(accountId, "junk")?.id ?? ""])}>{e.mailboxIds[byRole(accountId, "junk")?.id ?? ""] ? t("action.notSpam") : t("action.spam")}</button>
            </>
          )}
          <button type="button" aria-pressed={!!headers.value} onClick={showHeaders}>{headers.value ? t("reader.hideHeaders") : t("reader.showHeaders")}</button>
          <button type="button" aria-pressed={raw.value !== null} onClick={showRaw}>{raw.value !== null ? t("reader.hideSource") : t("reader.showSource")}</button>
          <a class="button" href={j.downloadUrl(accountId, e.blobId, emlName(e.subject), "message/rfc822")} download={emlName(e.subject)}>{t("reader.downloadEml")}</a>
          {!props.readOnly && (
            <SaveToDrive accountId={accountId} label={t("drive.saveMessage")} blobs={() => [{ blobId: e.blobId, name: emlName(e.subject), type: "message/rfc822" }]} />
          )}
        </div>
      </header>
      {headers.value && (
        <section class="headers" aria-label={t("reader.headers")}>
          <pre tabIndex={0}>{headers.value.map((h) => `${h.name}:${h.value}`).join("\n")}</pre>
        </section>
      )}
      {raw.value !== null && (
        <section class="raw" aria-label={t("reader.source")}>
          <pre tabIndex={0}>{raw.value}</pre>
        </section>
      )}
      {receiptWanted && prefs.value.receipts === "ask" && (
        <div class="banner" role="region" aria-label={t("receipt.title")}>
          <span>{t("receipt.asked", { who: formatAddressList(asked) })}</span>
          <button type="button" class="primary" onClick={sendReceipt}>{t("receipt.send")}</button>
          <button type="button" onClick={ignoreReceipt}>{t("receipt.ignore")}</button>
        </div>
      )}
      {body.html !== null && blocked.value > 0 && !allowRemote && (
        <div class="banner" role="region" aria-label={t("images.title")}>
          <span>{t("images.blocked")}</span>
          <button type="button" onClick={() => (allowOnce.value = true)}>{t("images.showOnce")}</button>
          {sender && (
            <button type="button" onClick={() => savePrefs({ remoteImages: [...prefs.value.remoteImages, sender].slice(-200) })}>
              {t("images.alwaysFrom", { sender })}
            </button>
          )}
        </div>
      )}
      {body.html !== null ? (
        <MessageFrame html={body.html} allowRemote={allowRemote} cidUrls={cidUrls.value} onBlocked={(n) => (blocked.value = n)} />
      ) : (
        <div class="text-body">{body.text}</div>
      )}
      <Attachments accountId={accountId} emailId={e.id} subject={e.subject} parts={listed} onOpenMessage={openAttached} />
      {attached.value && (
        <Dialog title={attached.value.subject || t("list.noSubject")} wide onClose={() => (attached.value = null)}>
          <MessageView accountId={accountId} email={attached.value} readOnly />
        </Dialog>
      )}
    </article>
  );
}
