import { describe, expect, it } from "vitest";
import { buildEmail, editorHtmlForSending, envelopeRecipients, type ComposerFile } from "./build";

const file = (over: Partial<ComposerFile>): ComposerFile => ({ key: "k", name: "a.txt", type: "text/plain", size: 3, blobId: "B1", cid: null, progress: 1, error: null, ...over });
const base = { draftsId: "m1", from: { name: "Ana", email: "ana@x" }, replyTo: null, to: [{ name: null, email: "b@x" }], cc: [], bcc: [], subject: "S", rich: false, html: "", text: "hello", files: [], inReplyTo: null, references: null, requestReceipt: false };

describe("the draft's Email", () => {
  it("plain text alone", () => {
    const e = buildEmail(base);
    expect(e.bodyStructure).toEqual({ partId: "text", type: "text/plain" });
    expect(e.keywords).toEqual({ $draft: true, $seen: true });
    expect(e.mailboxIds).toEqual({ m1: true });
    expect(e).not.toHaveProperty("header:Disposition-Notification-To:asAddresses");
  });
  it("rich text with an inline picture and an attachment, asking for a receipt", () => {
    const e = buildEmail({ ...base, rich: true, html: '<p>x<img src="cid:c1@e"></p>', requestReceipt: true, inReplyTo: ["m@x"], references: ["m@x"],
      files: [file({ key: "a" }), file({ key: "p", name: "p.png", type: "image/png", blobId: "B2", cid: "c1@e" }), file({ key: "gone", cid: "c2@e", blobId: "B3" }), file({ key: "up", blobId: null })] });
    expect(e.bodyStructure).toEqual({
      type: "multipart/mixed",
      subParts: [
        { type: "multipart/alternative", subParts: [{ partId: "text", type: "text/plain" }, { type: "multipart/related", subParts: [{ partId: "html", type: "text/html" }, { blobId: "B2", type: "image/png", name: "p.png", disposition: "inline", cid: "c1@e" }] }] },
        { blobId: "B1", type: "text/plain", name: "a.txt", disposition: "attachment" },
      ],
    });
    expect(e["header:Disposition-Notification-To:asAddresses"]).toEqual([{ name: "Ana", email: "ana@x" }]);
    expect(e.inReplyTo).toEqual(["m@x"]);
  });
  it("envelope recipients once each, Bcc included", () => {
    expect(envelopeRecipients({ to: [{ name: null, email: "a@x" }], cc: [{ name: null, email: "A@x" }], bcc: [{ name: null, email: "c@x" }] })).toEqual([{ email: "a@x", parameters: null }, { email: "c@x", parameters: null }]);
  });
  it("pictures in the editor point at their parts when sent", () => {
    const div = document.createElement("div");
    div.innerHTML = '<p>x<img src="blob:http://h/1" data-cid="c1@e"></p>';
    expect(editorHtmlForSending(div)).toBe('<p>x<img src="cid:c1@e"></p>');
    expect(div.innerHTML).toContain("blob:");
  });
});
