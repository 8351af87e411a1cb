// The composer: identity (display name and signature), recipients,
// subject, rich text (contenteditable with a small toolbar; pasted HTML
// sanitised) or plain text, attachments by button, drag and drop or paste
// (upload progress; 25 MB per message; pictures inline up to 10 MB),
// read-receipt request; drafts saved while writing and on close; undo
// send for the configured delay.
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import type { ComposeRequest } from "../../state/compose";
import { composeRequest } from "../../state/compose";
import { askText } from "../../state/ask";
import { jmap, prefs, showError } from "../../state/session";
import { byRole } from "../../state/mailboxes";
import { loadIdentities, type Identity } from "../../state/identities";
import { formatAddressList, parseAddressList } from "../../lib/address";
import { emlName, forwardBody, forwardSubject, replyBody, replyRecipients, replySubject, threadingFields } from "../../lib/compose";
import { attachmentFits, inlineOrAttach, MAX_MESSAGE_ATTACHMENTS, MAX_TRANSFER } from "../../lib/size";
import { sendAsTransfer, type TransferLink } from "../../lib/transfers";
import { ApiError } from "../../lib/api";
import { htmlToText, textToHtml } from "../../lib/text";
import { sanitizePasted } from "../../lib/sanitize";
import { driveBlob, shareAsLink } from "../../lib/drive";
import { ImageIcon, LinkIcon } from "../icons";
import { DrivePicker, type Picked } from "../drive/DrivePicker";
import { buildEmail, editorHtmlForSending, newCid, type ComposerFile } from "./build";
import { sendMessage, signatureHtml, type ComposerState } from "./send";
import { fmtFullDate, fmtSize, t, type Key } from "../../i18n";

const AUTOSAVE_MS = 2500;

function labels() {
  return { wrote: t("quote.wrote"), forwarded: t("quote.forwarded"), from: t("field.from"), date: t("field.date"), subject: t("field.subject"), to: t("field.to"), cc: t("field.cc") };
}

export function Composer(props: { request: ComposeRequest }) {
  const req = props.request;
  const accountId = req.accountId;
  const restore = req.restore as ComposerState | undefined;
  const ids = useSignal<Identity[]>([]);
  const identityId = useSignal(restore?.identityId ?? "");
  const to = useSignal(restore?.to ?? "");
  const cc = useSignal(restore?.cc ?? "");
  const bcc = useSignal(restore?.bcc ?? "");
  const showCc = useSignal(!!(restore?.cc || restore?.bcc));
  const subject = useSignal(restore?.subject ?? "");
  const rich = useSignal(restore?.rich ?? true);
  const text = useSignal(restore?.text ?? "");
  const files = useSignal<ComposerFile[]>(restore?.files ?? []);
  const receipt = useSignal(restore?.requestReceipt ?? prefs.value.requestReceipt);
  const draftId = useSignal<string | null>(req.draftId ?? null);
  const threading = useRef<{ inReplyTo: string[] | null; references: string[] | null }>(restore?.threading ?? { inReplyTo: null, references: null });
  const status = useSignal("");
  const error = useSignal("");
  const ready = useSignal(false);
  const dragging = useSignal(false);
  const editor = useRef<HTMLDivElement>(null);
  const dirty = useRef(false);
  const timer = useRef<number | undefined>(undefined);
  const transfers = useRef(new Map<string, AbortController>()); // download links going up, by their entry's key
  const pickingDrive = useSignal(false);
  useEffect(() => () => transfers.current.forEach((a) => a.abort()), []);
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  const closed = useRef(false);

  // Fills the composer for its mode once the identities are known.
  useEffect(() => {
    (async () => {
      const list = await loadIdentities(accountId);
      ids.value = list;
      const own = list.find((i) => i.email.toLowerCase() === (jmap.value!.session.accounts[accountId]?.name ?? "").toLowerCase()) ?? list[0];
      if (!identityId.value && own) identityId.value = own.id;
      const identity = list.find((i) => i.id === identityId.value);
      let html = "";
      const o = req.original;
      const me = list.map((i) => i.email);
      if (restore) html = restore.html;
      else if (req.mode === "draft" && req.draftId) html = await loadDraft(req.draftId);
      else {
        const sig = identity ? signatureHtml(identity, prefs.value) : "";
        const sigBlock = sig ? `<div data-signature="1">-- <br>${sig}</div>` : "";
        if (o && (req.mode === "reply" || req.mode === "replyAll")) {
          const r = replyRecipients(o, req.mode === "replyAll", me);
          to.value = formatAddressList(r.to);
          cc.value = formatAddressList(r.cc);
          showCc.value = r.cc.length > 0;
          subject.value = replySubject(o.subject);
          threading.current = threadingFields(o);
          html = `<p><br></p>${sigBlock}` + replyBody(o, labels(), fmtFullDate).html.replace(/^<p><br><\/p>/, "");
        } else if (o && req.mode === "forward") {
          subject.value = forwardSubject(o.subject);
          html = `<p><br></p>${sigBlock}` + forwardBody(o, labels(), fmtFullDate).html.replace(/^<p><br><\/p>/, "");
          await attachOriginalFiles(o.id);
        } else if (o && req.mode === "forwardAttachment") {
          subject.value = forwardSubject(o.subject);
          html = `<p><br></p>${sigBlock}`;
          files.value = [...files.value, { key: "orig", name: emlName(o.subject), type: "message/rfc822", size: await sizeOf(o.id), blobId: o.blobId, cid: null, progress: 1, error: null }];
        } else {
          html = `<p><br></p>${sigBlock}`;
        }
      }
      if (editor.current) editor.current.innerHTML = html;
      if (!rich.value) text.value = restore?.text ?? htmlToText(html);
      ready.value = true;
      if (restore) dirty.current = true;
    })().catch(showError);
    const onBeforeUnload = () => void saveDraft();
    window.addEventListener("pagehide", onBeforeUnload);
    return () => window.removeEventListener("pagehide", onBeforeUnload);
  }, []);

  async function sizeOf(emailId: string): Promise<number> {
    const r = await jmap.value!.call("Email/get", { accountId, ids: [emailId], properties: ["size"] });
    return r.list[0]?.size ?? 0;
  }

  async function attachOriginalFiles(emailId: string) {
    const r = await jmap.value!.call("Email/get", { accountId, ids: [emailId], properties: ["attachments"] });
    const parts = (r.list[0]?.attachments ?? []) as any[];
    files.value = [...files.value, ...parts.map((p, i) => ({ key: "f" + i, name: p.name ?? "attachment", type: p.type, size: p.size, blobId: p.blobId, cid: null, progress: 1, error: null }))];
  }

  async function loadDraft(id: string): Promise<string> {
    const r = await jmap.value!.call("Email/get", { accountId, ids: [id], properties: ["from", "to", "cc", "bcc", "subject", "inReplyTo", "references", "htmlBody", "textBody", "attachments", "bodyValues", "header:Disposition-Notification-To:asAddresses"], fetchAllBodyValues: true });
    const e = r.list[0];
    if (!e) return "";
    const own = ids.value.find((i) => i.email.toLowerCase() === e.from?.[0]?.email?.toLowerCase());
    if (own) identityId.value = own.id;
    to.value = formatAddressList(e.to);
    cc.value = formatAddressList(e.cc);
    bcc.value = formatAddressList(e.bcc);
    showCc.value = !!(e.cc?.length || e.bcc?.length);
    subject.value = e.subject ?? "";
    receipt.value = !!e["header:Disposition-Notification-To:asAddresses"]?.length;
    threading.current = { inReplyTo: e.inReplyTo, references: e.references };
    const value = (p: any) => e.bodyValues?.[p.partId]?.value ?? "";
    const htmlPart = e.htmlBody.find((p: any) => p.type === "text/html");
    files.value = (e.attachments as any[]).map((p, i) => ({ key: "d" + i, name: p.name ?? "attachment", type: p.type, size: p.size, blobId: p.blobId, cid: p.cid ? p.cid.replace(/^<|>$/g, "") : null, progress: 1, error: null }));
    if (!htmlPart) {
      rich.value = false;
      text.value = e.textBody.map(value).join("\n");
      return textToHtml(text.value);
    }
    // Inline pictures are shown from the server and keep their Content-ID.
    let html = sanitizePasted(value(htmlPart).replace(/src=(["'])cid:([^"']+)\1/gi, (_m: string, _q: string, cid: string) => `data-cid="${cid}" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="`));
    const doc = new DOMParser().parseFromString(html, "text/html");
    for (const img of Array.from(doc.querySelectorAll("img[data-cid]"))) {
      const f = files.value.find((x) => x.cid === img.getAttribute("data-cid"));
      if (f?.blobId) img.setAttribute("src", jmap.value!.downloadUrl(accountId, f.blobId, f.name, f.type));
    }
    html = doc.body.innerHTML;
    return html;
  }

  const identity = () => ids.value.find((i) => i.id === identityId.value);

  function currentHtml(): string {
    if (!rich.value) return textToHtml(text.value);
    return editor.current ? editorHtmlForSending(editor.current) : "";
  }

  function state(): ComposerState {
    return {
      identityId: identityId.value, to: to.value, cc: cc.value, bcc: bcc.value, subject: subject.value, rich: rich.value,
      html: editor.current?.innerHTML ?? "", text: rich.value ? htmlToText(currentHtml()) : text.value, files: files.value,
      requestReceipt: receipt.value, threading: threading.current, mode: req.mode, originalId: req.original?.id ?? restore?.originalId ?? null,
    };
  }

  function changed() {
    dirty.current = true;
    clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void saveDraft(), AUTOSAVE_MS);
  }

  /** Saves the draft (replacing the previous one) when something changed. */
  function saveDraft(): Promise<unknown> {
    clearTimeout(timer.current);
    if (!dirty.current || !ready.value) return saving.current;
    dirty.current = false;
    saving.current = saving.current.then(async () => {
      const drafts = byRole(accountId, "drafts");
      const id = identity();
      if (!drafts || !id) return;
      const s = state();
      const email = buildEmail({
        draftsId: drafts.id, from: { name: id.name || null, email: id.email }, replyTo: id.replyTo, to: parseAddressList(s.to).addresses,
        cc: parseAddressList(s.cc).addresses, bcc: parseAddressList(s.bcc).addresses, subject: s.subject, rich: s.rich, html: currentHtml(),
        text: s.text, files: s.files, inReplyTo: s.threading.inReplyTo, references: s.threading.references, requestReceipt: s.requestReceipt,
      });
      try {
        const r = await jmap.value!.call("Email/set", { accountId, create: { d: email }, destroy: draftId.value ? [draftId.value] : [] });
        if (r.created?.d) {
          draftId.value = r.created.d.id;
          status.value = t("composer.savedAt", { time: new Date().toLocaleTimeString() });
        } else {
          const e = r.notCreated?.d;
          status.value = t("composer.notSaved", { reason: e?.description ?? e?.type ?? "?" });
        }
      } catch (err) {
        dirty.current = true;
        status.value = t("composer.notSaved", { reason: err instanceof Error ? err.message : String(err) });
      }
    });
    return saving.current;
  }

  async function close(save: boolean) {
    if (closed.current) return;
    if (save) await saveDraft();
    closed.current = true;
    composeRequest.value = null;
  }

  async function discard() {
    clearTimeout(timer.current);
    dirty.current = false;
    await saving.current;
    if (draftId.value) await jmap.value!.call("Email/set", { accountId, destroy: [draftId.value] }).catch(showError);
    closed.current = true;
    composeRequest.value = null;
  }

  // --- attachments

  const attachedBytes = () => files.value.filter((f) => !f.error && !f.transfer).reduce((s, f) => s + f.size, 0);

  /** The link into the text: a paragraph naming the files (rich), or lines (plain). */
  function insertTransferLink(link: TransferLink) {
    const intro = t("composer.transferLink", { date: fmtFullDate(new Date(link.expires * 1000).toISOString()) });
    const names = link.files.map((f) => `${f.name} (${fmtSize(f.size)})`).join(", ");
    if (rich.value && editor.current) {
      const p = document.createElement("p");
      const a = document.createElement("a");
      a.href = link.url;
      a.textContent = names;
      p.append(intro + " ", a);
      editor.current.append(p);
    } else {
      text.value = `${text.value.replace(/\n*$/, "")}\n\n${intro}\n${link.url}\n${names}\n`;
    }
  }

  /** Files over the message's limit go up as one download link, shown as a pending entry until then. */
  async function addTransfer(list: File[]) {
    const adding = list.reduce((s, f) => s + f.size, 0);
    if (adding > MAX_TRANSFER) {
      error.value = t("composer.transferTooLarge", { limit: fmtSize(MAX_MESSAGE_ATTACHMENTS), max: fmtSize(MAX_TRANSFER) });
      return;
    }
    const key = "t" + Math.random().toString(36).slice(2);
    const names = list.map((f) => f.name).join(", ");
    const abort = new AbortController();
    transfers.current.set(key, abort);
    const update = (patch: Partial<ComposerFile>) => (files.value = files.value.map((f) => (f.key === key ? { ...f, ...patch } : f)));
    files.value = [...files.value, { key, name: t("composer.transferEntry", { names }), type: "", size: adding, blobId: null, cid: null, progress: 0, error: null, transfer: true }];
    try {
      const link = await sendAsTransfer(list, (sent, total) => update({ progress: total ? sent / total : 1 }), abort.signal);
      files.value = files.value.filter((f) => f.key !== key);
      insertTransferLink(link);
      changed();
    } catch (e) {
      if (abort.signal.aborted) return;
      const message =
        e instanceof ApiError && e.code === "over_quota" ? t("composer.transferQuota")
        : e instanceof ApiError && e.code === "limit" ? t("composer.transferTooLarge", { limit: fmtSize(MAX_MESSAGE_ATTACHMENTS), max: fmtSize(MAX_TRANSFER) })
        : t("composer.transferFailed", { message: e instanceof Error ? e.message : String(e) });
      update({ error: message });
    } finally {
      transfers.current.delete(key);
    }
  }

  async function addFiles(list: File[], inlineAllowed: boolean) {
    error.value = "";
    const adding = list.reduce((s, f) => s + f.size, 0);
    if (attachmentFits(attachedBytes(), adding) !== "ok") return addTransfer(list);
    for (const file of list) {
      const inline = inlineAllowed && rich.value && inlineOrAttach(file.type, file.size) === "inline";
      const key = Math.random().toString(36).slice(2);
      const entry: ComposerFile = { key, name: file.name || "image.png", type: file.type || "application/octet-stream", size: file.size, blobId: null, cid: inline ? newCid() : null, progress: 0, error: null };
      files.value = [...files.value, entry];
      if (inline && editor.current) {
        const url = URL.createObjectURL(file);
        editor.current.focus();
        document.execCommand("insertHTML", false, `<img src="${url}" data-cid="${entry.cid}" alt="${entry.name.replace(/"/g, "")}">`);
      }
      const update = (patch: Partial<ComposerFile>) => (files.value = files.value.map((f) => (f.key === key ? { ...f, ...patch } : f)));
      jmap.value!
        .upload(accountId, file, (sent, total) => update({ progress: total ? sent / total : 0 }))
        .then((r) => {
          update({ blobId: r.blobId, progress: 1 });
          changed();
        })
        .catch((e) => update({ error: e instanceof Error ? e.message : String(e) }));
    }
  }

  /**
   * Files of the drive, attached (each made an upload of the account by the
   * server) or sent as one download link (complete at once: no bytes travel).
   */
  async function addFromDrive(p: Picked, asLink: boolean) {
    pickingDrive.value = false;
    error.value = "";
    const adding = p.files.reduce((s, f) => s + (f.size ?? 0), 0);
    if (asLink || attachmentFits(attachedBytes(), adding) !== "ok") {
      const key = "t" + Math.random().toString(36).slice(2);
      const names = p.files.map((f) => f.name).join(", ");
      files.value = [...files.value, { key, name: t("composer.transferEntry", { names }), type: "", size: adding, blobId: null, cid: null, progress: 0, error: null, transfer: true }];
      try {
        const link = await shareAsLink(p.space, p.files.map((f) => f.id));
        files.value = files.value.filter((f) => f.key !== key);
        insertTransferLink(link);
        changed();
      } catch (e) {
        const message = e instanceof ApiError && e.code === "over_quota" ? t("composer.transferQuota") : t("composer.transferFailed", { message: e instanceof Error ? e.message : String(e) });
        files.value = files.value.map((f) => (f.key === key ? { ...f, error: message } : f));
      }
      return;
    }
    // Listed at once, made uploads one after another (the server takes a few requests at a time).
    const keys = p.files.map(() => Math.random().toString(36).slice(2));
    files.value = [...files.value, ...p.files.map((f, i) => ({ key: keys[i], name: f.name, type: f.type || "application/octet-stream", size: f.size ?? 0, blobId: null, cid: null, progress: 0, error: null }))];
    for (let i = 0; i < p.files.length; i++) {
      const update = (patch: Partial<ComposerFile>) => (files.value = files.value.map((x) => (x.key === keys[i] ? { ...x, ...patch } : x)));
      try {
        const r = await driveBlob(accountId, p.space, p.files[i].id);
        update({ blobId: r.blobId, progress: 1 });
        changed();
      } catch (e) {
        update({ error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  function removeFile(key: string) {
    transfers.current.get(key)?.abort();
    const f = files.value.find((x) => x.key === key);
    files.value = files.value.filter((x) => x.key !== key);
    if (f?.cid && editor.current) editor.current.querySelectorAll(`img[data-cid="${CSS.escape(f.cid)}"]`).forEach((n) => n.remove());
    changed();
  }

  function onPaste(e: ClipboardEvent) {
    const dt = e.clipboardData;
    if (!dt) return;
    const pics = Array.from(dt.files);
    if (pics.length) {
      e.preventDefault();
      void addFiles(pics, true);
      return;
    }
    const html = dt.getData("text/html");
    if (html) {
      e.preventDefault();
      document.execCommand("insertHTML", false, sanitizePasted(html));
    }
  }

  /** Asks for an address in the app's dialog, then runs `cmd` with it where the caret was. */
  async function execWithUrl(cmd: string, title: Key, text: Key, ok: RegExp) {
    const sel = window.getSelection();
    const range = sel && sel.rangeCount && editor.current?.contains(sel.anchorNode) ? sel.getRangeAt(0).cloneRange() : null;
    const url = await askText({ title: t(title), text: t(text), label: t(title), value: "https://", action: t("format.insert"), valid: (v) => ok.test(v) });
    if (!url) return;
    editor.current?.focus();
    if (range) {
      const s = window.getSelection()!;
      s.removeAllRanges();
      s.addRange(range);
    }
    exec(cmd, url);
  }

  function exec(cmd: string, value?: string) {
    editor.current?.focus();
    document.execCommand(cmd, false, value);
    changed();
  }

  function toggleRich() {
    if (rich.value) {
      text.value = htmlToText(currentHtml());
      rich.value = false;
    } else {
      rich.value = true;
      queueMicrotask(() => editor.current && (editor.current.innerHTML = textToHtml(text.value)));
    }
    changed();
  }

  function changeIdentity(id: string) {
    identityId.value = id;
    const ident = identity();
    if (ident && editor.current) {
      const block = editor.current.querySelector("[data-signature]");
      const sig = signatureHtml(ident, prefs.value);
      if (block) block.innerHTML = sig ? "-- <br>" + sig : "";
    }
    changed();
  }

  async function send() {
    error.value = "";
    const ident = identity();
    const parsed = [to, cc, bcc].map((s) => parseAddressList(s.value));
    const bad = parsed.flatMap((p) => p.invalid);
    if (bad.length) return (error.value = t("composer.badAddress", { list: bad.join(", ") }));
    if (parsed.every((p) => p.addresses.length === 0)) return (error.value = t("composer.noRecipients"));
    if (files.value.some((f) => !f.blobId && !f.error)) return (error.value = t("composer.uploading"));
    if (files.value.some((f) => f.error)) return (error.value = t("composer.uploadFailed"));
    if (!ident) return (error.value = t("composer.noIdentity"));
    const drafts = byRole(accountId, "drafts");
    if (!drafts) return (error.value = t("error.noRole", { folder: t("role.drafts") }));
    clearTimeout(timer.current);
    dirty.current = false;
    await saving.current;
    status.value = t("composer.sending");
    const s = state();
    const ok = await sendMessage({ accountId, identity: ident, draftsId: drafts.id, previousDraft: draftId.value, state: s, html: currentHtml(), to: parsed[0].addresses, cc: parsed[1].addresses, bcc: parsed[2].addresses })
      .then(() => true)
      .catch((e) => {
        error.value = e instanceof Error ? e.message : String(e);
        status.value = "";
        return false;
      });
    if (ok) {
      closed.current = true;
      composeRequest.value = null;
    }
  }

  const total = attachedBytes();
  return (
    <section
      class={"composer" + (dragging.value ? " dragging" : "")}
      role="dialog"
      aria-modal="false"
      aria-labelledby="composer-title"
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes("Files")) {
          e.preventDefault();
          dragging.value = true;
        }
      }}
      onDragLeave={() => (dragging.value = false)}
      onDrop={(e) => {
        if (!e.dataTransfer?.files.length) return;
        e.preventDefault();
        dragging.value = false;
        const overEditor = editor.current?.contains(e.target as Node) ?? false;
        void addFiles(Array.from(e.dataTransfer.files), overEditor);
      }}
      onKeyDown={(e) => {
        if (e.key === "Escape") void close(true);
        if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) void send();
      }}
    >
      <header class="composer-head">
        <h2 id="composer-title">{subject.value || t(("composer.title." + req.mode) as Key)}</h2>
        <button type="button" class="icon" aria-label={t("composer.close")} title={t("composer.close")} onClick={() => void close(true)}>×</button>
      </header>
      <div class="composer-fields">
        <label>
          {t("field.from")}
          <select name="identity" value={identityId.value} onChange={(e) => changeIdentity(e.currentTarget.value)}>
            {ids.value.map((i) => (
              <option key={i.id} value={i.id}>{i.name ? `${i.name} <${i.email}>` : i.email}</option>
            ))}
          </select>
        </label>
        <label>
          {t("field.to")}
          <input name="to" value={to.value} onInput={(e) => { to.value = e.currentTarget.value; changed(); }} autocomplete="email" />
        </label>
        {!showCc.value && <button type="button" class="link small" onClick={() => (showCc.value = true)}>{t("composer.showCc")}</button>}
        {showCc.value && (
          <>
            <label>{t("field.cc")}<input name="cc" value={cc.value} onInput={(e) => { cc.value = e.currentTarget.value; changed(); }} /></label>
            <label>{t("field.bcc")}<input name="bcc" value={bcc.value} onInput={(e) => { bcc.value = e.currentTarget.value; changed(); }} /></label>
          </>
        )}
        <label>
          {t("field.subject")}
          <input name="subject" value={subject.value} onInput={(e) => { subject.value = e.currentTarget.value; changed(); }} />
        </label>
      </div>
      {rich.value && (
        <div class="editor-toolbar" role="toolbar" aria-label={t("composer.formatting")}>
          <button type="button" title={t("format.bold")} onClick={() => exec("bold")}><span aria-hidden="true"><b>B</b></span><span class="sr-only">{t("format.bold")}</span></button>
          <button type="button" title={t("format.italic")} onClick={() => exec("italic")}><span aria-hidden="true"><i>I</i></span><span class="sr-only">{t("format.italic")}</span></button>
          <button type="button" title={t("format.underline")} onClick={() => exec("underline")}><span aria-hidden="true"><u>U</u></span><span class="sr-only">{t("format.underline")}</span></button>
          <button type="button" title={t("format.bullets")} onClick={() => exec("insertUnorderedList")}><span aria-hidden="true">•</span><span class="sr-only">{t("format.bullets")}</span></button>
          <button type="button" title={t("format.numbers")} onClick={() => exec("insertOrderedList")}><span aria-hidden="true">1.</span><span class="sr-only">{t("format.numbers")}</span></button>
          <button type="button" title={t("format.quote")} onClick={() => exec("formatBlock", "blockquote")}><span aria-hidden="true">❝</span><span class="sr-only">{t("format.quote")}</span></button>
          <button type="button" title={t("format.link")} onClick={() => void execWithUrl("createLink", "format.linkUrl", "format.linkHelp", /^(https?:\/\/.|mailto:.)/i)}><span aria-hidden="true"><LinkIcon /></span><span class="sr-only">{t("format.link")}</span></button>
          <button type="button" title={t("format.imageUrl")} onClick={() => void execWithUrl("insertImage", "format.imageUrlPrompt", "format.imageUrlHelp", /^https?:\/\/./i)}><span aria-hidden="true"><ImageIcon /></span><span class="sr-only">{t("format.imageUrl")}</span></button>
          <button type="button" title={t("format.clear")} onClick={() => exec("removeFormat")}><span aria-hidden="true">⌫</span><span class="sr-only">{t("format.clear")}</span></button>
        </div>
      )}
      {rich.value ? (
        <div ref={editor} class="editor" contentEditable role="textbox" aria-multiline="true" aria-label={t("composer.body")} onInput={changed} onPaste={onPaste} />
      ) : (
        <textarea class="editor plain" aria-label={t("composer.body")} value={text.value} onInput={(e) => { text.value = e.currentTarget.value; changed(); }} />
      )}
      {files.value.length > 0 && (
        <ul class="composer-files" aria-label={t("reader.attachments")}>
          {files.value.map((f) => (
            <li key={f.key} class={f.error ? "error" : ""}>
              <span class="att-name">{f.cid ? <ImageIcon /> : null} {f.name}</span>
              <span class="muted small">{fmtSize(f.size)}</span>
              {f.error ? <span role="alert">{f.error}</span> : f.blobId ? null : <progress max={1} value={f.progress} aria-label={t("composer.uploadingFile", { name: f.name })} />}
              <button type="button" class="icon" aria-label={t("composer.removeFile", { name: f.name })} onClick={() => removeFile(f.key)}>×</button>
            </li>
          ))}
          <li class="muted small">{t("composer.total", { size: fmtSize(total), limit: fmtSize(MAX_MESSAGE_ATTACHMENTS) })}</li>
        </ul>
      )}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <footer class="composer-foot">
        <button type="button" class="primary" onClick={() => void send()}>{t("action.send")}</button>
        <label class="button">
          {t("composer.attach")}
          <input type="file" multiple class="sr-only" onChange={(e) => { const fl = Array.from(e.currentTarget.files ?? []); e.currentTarget.value = ""; void addFiles(fl, false); }} />
        </label>
        <button type="button" onClick={() => (pickingDrive.value = true)}>{t("composer.fromDrive")}</button>
        <label class="inline"><input type="checkbox" name="receipt" checked={receipt.value} onChange={(e) => { receipt.value = e.currentTarget.checked; changed(); }} />{t("composer.requestReceipt")}</label>
        <button type="button" onClick={toggleRich}>{rich.value ? t("composer.plain") : t("composer.rich")}</button>
        <button type="button" onClick={() => { dirty.current = true; void saveDraft(); }}>{t("composer.saveDraft")}</button>
        <button type="button" onClick={() => void discard()}>{t("composer.discard")}</button>
        <span class="muted small" role="status">{status.value}</span>
      </footer>
      {pickingDrive.value && (
        <DrivePicker mode="files" title={t("composer.fromDriveTitle")} action={t("composer.attachFromDrive")} secondAction={t("composer.linkFromDrive")}
          onPick={(p, asLink) => void addFromDrive(p, asLink)} onClose={() => (pickingDrive.value = false)} />
      )}
    </section>
  );
}
