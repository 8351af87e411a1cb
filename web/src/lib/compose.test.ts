import { describe, expect, it } from "vitest";
import { emlName, forwardBody, forwardSubject, replyBody, replyRecipients, replySubject, threadingFields, type Original } from "./compose";

const labels = { wrote: "On {date}, {who} wrote:", forwarded: "Forwarded message", from: "From", date: "Date", subject: "Subject", to: "To", cc: "Cc" };
const fmt = (iso: string) => iso.slice(0, 10);
const original: Original = {
  id: "e1", blobId: "b1", subject: "Budget", from: [{ name: "Ana", email: "ana@x.example" }],
  to: [{ name: null, email: "me@x.example" }, { name: "Bob", email: "bob@x.example" }], cc: [{ name: null, email: "carol@x.example" }, { name: null, email: "ME@x.example" }],
  replyTo: null, sentAt: "2026-03-01T10:00:00Z", receivedAt: "2026-03-01T10:00:01Z", messageId: ["m1@x"], references: ["m0@x"],
  html: null, text: "Line 1\n> quoted before\nLine 3",
};

describe("subjects", () => {
  it("prefixes once", () => {
    expect(replySubject("Budget")).toBe("Re: Budget");
    expect(replySubject("RE: Re: Budget")).toBe("Re: Budget");
    expect(replySubject("AW: Budget")).toBe("Re: Budget");
    expect(replySubject(null)).toBe("Re: ");
    expect(forwardSubject("Fwd: RV: Budget")).toBe("Fwd: Budget");
    expect(forwardSubject("Budget")).toBe("Fwd: Budget");
  });
});

describe("replyRecipients", () => {
  it("replies to the sender, or Reply-To", () => {
    expect(replyRecipients(original, false, ["me@x.example"])).toEqual({ to: [{ name: "Ana", email: "ana@x.example" }], cc: [] });
    const withReplyTo = { ...original, replyTo: [{ name: null, email: "list@x.example" }] };
    expect(replyRecipients(withReplyTo, false, ["me@x.example"]).to).toEqual([{ name: null, email: "list@x.example" }]);
  });
  it("reply all leaves me out and keeps everyone once", () => {
    const r = replyRecipients(original, true, ["me@x.example"]);
    expect(r.to.map((a) => a.email)).toEqual(["ana@x.example"]);
    expect(r.cc.map((a) => a.email)).toEqual(["bob@x.example", "carol@x.example"]);
  });
  it("a reply to my own message goes to its recipients", () => {
    const mine = { ...original, from: [{ name: null, email: "me@x.example" }] };
    expect(replyRecipients(mine, false, ["me@x.example"]).to.map((a) => a.email)).toEqual(["me@x.example", "bob@x.example"]);
  });
});

describe("threading and quoting", () => {
  it("In-Reply-To and References", () => {
    expect(threadingFields(original)).toEqual({ inReplyTo: ["m1@x"], references: ["m0@x", "m1@x"] });
    const long = { ...original, references: Array.from({ length: 30 }, (_, i) => `r${i}@x`) };
    const refs = threadingFields(long).references!;
    expect(refs.length).toBe(20);
    expect(refs[0]).toBe("r0@x");
    expect(refs[19]).toBe("m1@x");
  });
  it("quotes plain text with > and HTML in a blockquote", () => {
    const b = replyBody(original, labels, fmt);
    expect(b.text).toContain("On 2026-03-01, Ana <ana@x.example> wrote:\n> Line 1\n>> quoted before\n> Line 3");
    expect(b.html).toContain('<blockquote type="cite">Line 1<br>&gt; quoted before<br>Line 3</blockquote>');
    expect(b.html).toContain("Ana &lt;ana@x.example&gt;");
  });
  it("forwards with the original's fields", () => {
    const f = forwardBody(original, labels, fmt);
    expect(f.text).toContain("---------- Forwarded message ----------\nFrom: Ana <ana@x.example>\nDate: 2026-03-01\nSubject: Budget\nTo: me@x.example, Bob <bob@x.example>\nCc: carol@x.example, ME@x.example");
  });
  it("names .eml files after the subject", () => {
    expect(emlName('Re: a/b "c"?')).toBe("Re a b c .eml".replace(" .eml", ".eml"));
    expect(emlName(null)).toBe("message.eml");
  });
});
