// Sending: the draft written once more, then an EmailSubmission held for
// the user's undo delay (FUTURERELEASE HOLDFOR, RFC 4865) in the same
// request; the draft goes once the submission exists (the server keeps
// the Sent copy). Undo cancels the submission (undoStatus → canceled) and
// opens the composer again as it was.
import type { EmailAddress } from "../../lib/address";
import type { Identity } from "../../state/identities";
import type { Preferences } from "../../lib/prefs";
import type { ComposeMode } from "../../lib/compose";
import { jmap, prefs, showError, toast, dismissToast } from "../../state/session";
import { compose } from "../../state/compose";
import { loadMailboxes } from "../../state/mailboxes";
import { sanitizePasted } from "../../lib/sanitize";
import { textToHtml } from "../../lib/text";
import { buildEmail, envelopeRecipients, type ComposerFile } from "./build";
import { t } from "../../i18n";

export interface ComposerState {
  identityId: string;
  to: string;
  cc: string;
  bcc: string;
  subject: string;
  rich: boolean;
  html: string;
  text: string;
  files: ComposerFile[];
  requestReceipt: boolean;
  threading: { inReplyTo: string[] | null; references: string[] | null };
  mode: ComposeMode;
  originalId: string | null;
}

/** The identity's default signature: one kept in the settings, else the identity's own. */
export function signatureHtml(identity: Identity, p: Preferences): string {
  const mine = p.signatures[identity.id];
  const chosen = mine?.list.find((s) => s.id === mine.defaultId) ?? null;
  if (chosen) return sanitizePasted(chosen.html);
  if (identity.htmlSignature) return sanitizePasted(identity.htmlSignature);
  if (identity.textSignature) return textToHtml(identity.textSignature);
  return "";
}

export interface SendInput {
  accountId: string;
  identity: Identity;
  draftsId: string;
  previousDraft: string | null;
  state: ComposerState;
  html: string;
  to: EmailAddress[];
  cc: EmailAddress[];
  bcc: EmailAddress[];
}

export async function sendMessage(s: SendInput): Promise<void> {
  const j = jmap.value!;
  const { accountId, identity, state } = s;
  const email = buildEmail({
    draftsId: s.draftsId, from: { name: identity.name || null, email: identity.email }, replyTo: identity.replyTo,
    to: s.to, cc: s.cc, bcc: s.bcc, subject: state.subject, rich: state.rich, html: s.html, text: state.text, files: state.files,
    inReplyTo: state.threading.inReplyTo, references: state.threading.references, requestReceipt: state.requestReceipt,
  });
  const delay = prefs.value.undoSeconds;
  const calls: any[] = [
    ["Email/set", { accountId, create: { d: email }, destroy: s.previousDraft ? [s.previousDraft] : [] }, "e"],
    ["EmailSubmission/set", {
      accountId,
      create: { s: { emailId: "#d", identityId: identity.id, envelope: { mailFrom: { email: identity.email, parameters: delay > 0 ? { HOLDFOR: String(delay) } : null }, rcptTo: envelopeRecipients(s) } } },
      onSuccessDestroyEmail: ["#s"],
    }, "s"],
  ];
  const kw = state.mode === "reply" || state.mode === "replyAll" ? "$answered" : state.mode === "forward" || state.mode === "forwardAttachment" ? "$forwarded" : null;
  if (kw && state.originalId) calls.push(["Email/set", { accountId, update: { [state.originalId]: { ["keywords/" + kw]: true } } }, "k"]);
  const r = await j.request(calls, ["k"]);
  if (!r.e.created?.d) {
    const e = r.e.notCreated?.d;
    throw new Error(t("composer.notSaved", { reason: e?.description ?? e?.type ?? "?" }));
  }
  const sub = r.s.created?.s;
  if (!sub) {
    const e = r.s.notCreated?.s;
    // The message stays in Drafts; the composer stays open with the reason.
    throw new Error(t("composer.refused", { reason: e?.description ?? e?.type ?? "?" }));
  }
  void loadMailboxes([accountId]);
  if (delay <= 0) {
    toast(t("composer.sent"));
    return;
  }
  const id = toast(t("composer.sendingIn", { n: delay }), "info", { label: t("composer.undo"), run: () => void undo(accountId, sub.id, state) }, delay * 1000);
  setTimeout(() => {
    dismissToast(id);
  }, delay * 1000);
}

async function undo(accountId: string, submissionId: string, state: ComposerState): Promise<void> {
  try {
    const r = await jmap.value!.call("EmailSubmission/set", { accountId, update: { [submissionId]: { undoStatus: "canceled" } } });
    if (r.notUpdated?.[submissionId]) {
      toast(t("composer.tooLateToUndo"), "error");
      return;
    }
    toast(t("composer.undone"));
    compose({ mode: state.mode, accountId, restore: state });
  } catch (e) {
    showError(e);
  }
}
