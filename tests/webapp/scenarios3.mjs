// More scenarios of e2e.mjs: the vacation reply, the identity's display
// name and signature in a sent message, threads on, a reopened draft,
// pictures pasted into the composer (inline up to 10 MB, attached above),
// image and PDF preview; the console's frame reached from the mail; the
// drive (attachments and a message saved into it, an .eml opened, files
// uploaded, renamed, moved, deleted, attached to a message and sent as a
// link; the organisation's drive, where a colleague finds what was saved).
import path from "node:path";
import { readFileSync } from "node:fs";
import { ApiClient, answer, axe, check, env, login, message, openFolder, openMessage, row, shot, smtpSend, step, switchTo, until, waitValue } from "./lib.mjs";

async function saveDownload(page, click, name) {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15000 }), click()]);
  const file = path.join(env.artifacts, name);
  await download.saveAs(file);
  return readFileSync(file);
}

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n");

/** The text and HTML bodies and the parts of the messages whose subject is `subject`, as the server has them. */
async function bodies(api, acc, subject) {
  const r = await api.jmap([
    ["Email/query", { accountId: acc, filter: { subject } }, "q"],
    ["Email/get", { accountId: acc, "#ids": { resultOf: "q", name: "Email/query", path: "/ids" }, properties: ["subject", "from", "mailboxIds", "htmlBody", "bodyValues", "attachments", "bodyStructure", "inReplyTo", "header:Auto-Submitted:asText"], fetchHTMLBodyValues: true, bodyProperties: ["partId", "blobId", "type", "size", "cid", "disposition", "name"] }, "g"],
  ]);
  return r.g.list.map((e) => ({ ...e, html: (e.htmlBody ?? []).map((p) => e.bodyValues?.[p.partId]?.value ?? "").join("") }));
}

const VACATION = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:vacationresponse"];

async function vacationOf(api, accountId) {
  const r = await api.request("POST", "/jmap/api", { using: VACATION, methodCalls: [["VacationResponse/get", { accountId, ids: ["singleton"] }, "v"]] });
  check(r.status === 200 && r.json.methodResponses[0][0] === "VacationResponse/get", `VacationResponse/get: ${r.status} ${r.text}`);
  return r.json.methodResponses[0][1].list[0];
}

/** Pastes files (name, type, bytes or a size to fill) into the composer's editor as the clipboard would. */
async function paste(page, files) {
  await page.click(".composer .editor");
  await page.evaluate((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) dt.items.add(new File([f.base64 ? Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)) : new Uint8Array(f.size)], f.name, { type: f.type }));
    document.querySelector(".composer .editor").dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
  }, files);
}

async function send(page) {
  await page.waitForFunction(() => !document.querySelector(".composer-files progress"), null, { timeout: 20000 });
  await page.click(".composer button:has-text('Enviar')");
  await page.waitForSelector(".composer", { state: "detached", timeout: 15000 });
}

export const scenarios = {
  // The vacation reply set in the settings; mail to the address by SMTP from a local sender gets the answer in
  // the sender's inbox; turned off again.
  async vacation({ users, withApp, uniq }) {
    const { ana, bob } = users;
    const away = "Away " + uniq();
    const bobApi = await new ApiClient().login(bob.login, bob.password);
    const bobAcc = bobApi.accountOf(bob.own);
    await withApp("vacation", "bob", async (page) => {
      await login(page, bob.login, bob.password);
      await switchTo(page, bob.own);
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Respuesta automática')");
      await page.waitForSelector(`text=Respuesta automática de ${bob.own}`);
      await page.check("#settings-panel input[name=enabled]");
      await page.fill("#settings-panel input[name=subject]", away);
      await page.fill("#settings-panel textarea[name=text]", "I am away until Monday.");
      await page.click("#settings-panel button:has-text('Guardar')");
      await page.waitForSelector(".toast:has-text('Respuesta automática guardada')");
      await shot(page, "90-vacation");
      await axe(page, "settings: vacation reply");
      const v = await vacationOf(bobApi, bobAcc);
      check(v.isEnabled && v.subject === away && v.textBody === "I am away until Monday.", `VacationResponse: ${JSON.stringify(v)}`);
      step("vacation reply set in the settings (VacationResponse/get agrees)");

      const asked = "Are you there " + uniq();
      await smtpSend(ana.own, [bob.own], message({ from: `Ana <${ana.own}>`, to: bob.own, subject: asked, text: "Lunch?" }));
      const anaApi = await new ApiClient().login(ana.login, ana.password);
      const reply = await until("the vacation reply in the sender's inbox", async () => (await bodies(anaApi, anaApi.accountOf(ana.own), away))[0], 20000);
      check(reply.from[0].email === bob.own, `the reply is from ${JSON.stringify(reply.from)}`);
      check(/auto-replied/.test(reply["header:Auto-Submitted:asText"] ?? ""), `Auto-Submitted: ${reply["header:Auto-Submitted:asText"]}`);
      check(reply.inReplyTo?.length === 1, `the reply refers to the message: ${reply.inReplyTo}`);
      step("mail by SMTP got the automatic answer in the sender's inbox");

      await page.uncheck("#settings-panel input[name=enabled]");
      await page.click("#settings-panel button:has-text('Guardar')");
      await until("the vacation reply off", async () => !(await vacationOf(bobApi, bobAcc)).isEnabled, 10000);
      step("vacation reply turned off");
    });
  },

  // The display name and a signature of one's own chosen in the settings; the sent message carries both.
  // Threads on: one row per conversation. A draft closed and opened again.
  async identities({ users, withApp, uniq, setPrefs }) {
    const { bob } = users;
    const api = await setPrefs("bob", { undoSeconds: 0, threads: false });
    const acc = api.accountOf(bob.own);
    const display = "Bob Builder " + uniq();
    const sigText = "Bob, head of sites " + uniq();
    // A second identity of the same address, with a signature of its own.
    const siteName = "Bob on site " + uniq();
    const siteSig = "Sent from the site " + uniq();
    const made = await api.jmap([["Identity/set", { accountId: acc, create: { s: { name: siteName, email: bob.own, textSignature: siteSig } } }, "i"]]);
    const site = made.i.created?.s?.id;
    check(site, `a second identity: ${JSON.stringify(made.i)}`);
    await withApp("identities", "bob", async (page) => {
      await login(page, bob.login, bob.password);
      await switchTo(page, bob.own);
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Identidades y firmas')");
      await page.fill("#settings-panel input[name=displayName]", display);
      await page.press("#settings-panel input[name=displayName]", "Enter");
      await page.waitForSelector(".toast:has-text('Guardado')");
      await page.$eval("#settings-panel button:has-text('Añadir una firma')", (b) => b.click());
      await answer(page, { text: "Se añade una firma vacía", value: "Work", button: "Añadir la firma" });
      const editor = "#settings-panel .signature-item:has-text('Work') .editor";
      await page.waitForSelector(editor);
      await page.click(editor);
      await page.keyboard.type(sigText);
      await page.$eval("#settings-panel .signature-item:has-text('Work') .rich-field button", (b) => b.click()); // under the dialog's sticky head
      await until("the signature saved", async () => JSON.stringify((await api.request("GET", "/api/v1/me/preferences")).json).includes(sigText), 10000);
      check(await page.isChecked("#settings-panel .signature-item:has-text('Work') input[name=default-signature]"), "the first own signature is the default");
      await shot(page, "91-identities");
      await axe(page, "settings: identities and signatures");
      await page.keyboard.press("Escape");
      step("display name and an own signature set");

      const subject = "Signed " + uniq();
      await page.click("text=Redactar");
      await page.waitForSelector(`.composer .editor [data-signature]:has-text('${sigText}')`);
      await page.fill(".composer input[name=to]", bob.own);
      await page.fill(".composer input[name=subject]", subject);
      await page.click(".composer .editor");
      await page.keyboard.press("Control+Home");
      await page.keyboard.type("With my signature.");
      await send(page);
      const got = await until("the signed message", async () => { const inbox = (await api.mailbox(acc, "inbox")).id; return (await bodies(api, acc, subject)).find((e) => e.mailboxIds[inbox]); }, 15000);
      check(got.html.includes(sigText) && got.html.includes("With my signature."), `the signature is in the message: ${got.html.slice(0, 400)}`);
      check(got.from[0].name === display && got.from[0].email === bob.own, `From: ${JSON.stringify(got.from)}`);
      step("the sent message has the display name and the chosen signature");

      // Several signatures: a second one made the default is what a new message starts with;
      // choosing the other identity in the composer changes the From and the signature.
      const homeText = "Bob at home " + uniq();
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Identidades y firmas')");
      await page.waitForSelector("#settings-panel .signature-item:has-text('Work')");
      await page.$eval("#settings-panel button:has-text('Añadir una firma')", (b) => b.click());
      await answer(page, { text: "Se añade una firma vacía", value: "Home", button: "Añadir la firma" });
      const homeEditor = "#settings-panel .signature-item:has-text('Home') .editor";
      await page.waitForSelector(homeEditor);
      await page.click(homeEditor);
      await page.keyboard.type(homeText);
      await page.$eval("#settings-panel .signature-item:has-text('Home') .rich-field button", (b) => b.click());
      await page.$eval("#settings-panel .signature-item:has-text('Home') input[name=default-signature]", (r) => r.click());
      const homeIsDefault = async () => {
        const sigs = Object.values((await api.request("GET", "/api/v1/me/preferences")).json.signatures ?? {});
        return sigs.some((m) => m.list.length === 2 && m.list.find((x) => x.id === m.defaultId)?.html.includes(homeText));
      };
      await until("Home saved as the default of two", homeIsDefault, 10000);
      await page.keyboard.press("Escape");
      step("a second signature, made the default");
      const second = "Two identities " + uniq();
      await page.click("text=Redactar");
      await page.waitForSelector(`.composer .editor [data-signature]:has-text('${homeText}')`);
      check(!(await page.textContent(".composer .editor")).includes(sigText), "only the default signature");
      await page.selectOption(".composer select[name=identity]", site);
      await page.waitForSelector(`.composer .editor [data-signature]:has-text('${siteSig}')`);
      await page.fill(".composer input[name=to]", bob.own);
      await page.fill(".composer input[name=subject]", second);
      await page.click(".composer .editor");
      await page.keyboard.press("Control+Home");
      await page.keyboard.type("From the site.");
      await send(page);
      const other = await until("the message from the second identity", async () => { const inbox = (await api.mailbox(acc, "inbox")).id; return (await bodies(api, acc, second)).find((e) => e.mailboxIds[inbox]); }, 15000);
      check(other.from[0].name === siteName && other.from[0].email === bob.own, `From: ${JSON.stringify(other.from)}`);
      check(other.html.includes(siteSig) && !other.html.includes(homeText), `the second identity's signature only: ${other.html.slice(0, 400)}`);
      step("the identity chosen in the composer signs and names the message");

      // Threads: two messages of one conversation are one row with threads on.
      const topic = "Topic " + uniq();
      const mid = `<${uniq()}@example.org>`;
      await smtpSend("carl@example.org", [bob.own], message({ from: "carl@example.org", to: bob.own, subject: topic, text: "first", headers: { "Message-ID": mid } }).replace(/^Message-ID: <[^>]+>\r\n/m, ""));
      await smtpSend("carl@example.org", [bob.own], message({ from: "carl@example.org", to: bob.own, subject: "Re: " + topic, text: "second", headers: { "In-Reply-To": mid, References: mid } }));
      await openFolder(page, "inbox");
      await row(page, topic);
      await row(page, "Re: " + topic);
      const rows = () => page.$$eval(".row[data-email] .subject", (s, tp) => s.filter((x) => x.textContent.endsWith(tp)).length, topic);
      check((await rows()) === 2, "two rows with threads off");
      await page.check(".threads-toggle input");
      await until("one row for the conversation", async () => (await rows()) === 1, 10000);
      await shot(page, "92-threads");
      step("threads on: one row for the conversation of two");
      await page.uncheck(".threads-toggle input");
      await until("two rows again", async () => (await rows()) === 2, 10000);

      // A draft closed and opened again.
      const draft = "Draft " + uniq();
      await page.click("text=Redactar");
      await page.waitForSelector(".composer .editor [data-signature]");
      await page.fill(".composer input[name=to]", "someone@example.org");
      await page.fill(".composer input[name=subject]", draft);
      await page.click(".composer .editor");
      await page.keyboard.press("Control+Home");
      await page.keyboard.type("Half written.");
      await page.click(".composer button[aria-label^='Cerrar']");
      await page.waitForSelector(".composer", { state: "detached" });
      await openFolder(page, "drafts");
      await openMessage(page, draft);
      await page.click("button:has-text('Seguir editando')");
      await waitValue(page, ".composer input[name=subject]", draft);
      check((await page.inputValue(".composer input[name=to]")).includes("someone@example.org"), "the draft keeps its recipient");
      await page.waitForFunction(() => document.querySelector(".composer .editor")?.textContent.includes("Half written."), null, { timeout: 10000 });
      await shot(page, "93-draft-reopened");
      await page.click(".composer button:has-text('Descartar')");
      await page.waitForSelector(".composer", { state: "detached" });
      await until("the discarded draft gone", async () => (await api.find(acc, draft)).length === 0, 10000);
      step("a draft closed, opened again with its fields, then discarded");
    });
  },

  // A pasted picture goes inline (cid), one over 10 MB as an attachment; image and PDF previews open the download URL.
  async pictures({ users, withApp, uniq, setPrefs }) {
    const { ana } = users;
    const api = await setPrefs("ana", { undoSeconds: 0 });
    const acc = api.accountOf(ana.own);
    const subject = "Pictures inline " + uniq();
    await withApp("pictures", "ana", async (page, ctx) => {
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      await page.click("text=Redactar");
      await page.waitForSelector(".composer .editor");
      await page.fill(".composer input[name=to]", ana.own);
      await page.fill(".composer input[name=subject]", subject);
      await paste(page, [{ name: "dot.png", type: "image/png", base64: PNG.toString("base64") }]);
      await page.waitForSelector(".composer .editor img[data-cid]");
      await paste(page, [{ name: "huge.png", type: "image/png", size: 11 * 1024 * 1024 }]);
      await page.waitForSelector(".composer-files li:has-text('huge.png')");
      check((await page.$$(".composer .editor img[data-cid]")).length === 1, "the 11 MB picture is not put inline");
      await shot(page, "94-pasted-pictures");
      await send(page);
      const got = await until("the message with pictures", async () => { const inbox = (await api.mailbox(acc, "inbox")).id; return (await bodies(api, acc, subject)).find((e) => e.mailboxIds[inbox]); }, 20000);
      const parts = got.attachments;
      const dot = parts.find((p) => p.name === "dot.png"), huge = parts.find((p) => p.name === "huge.png");
      check(dot?.cid && got.html.includes("cid:" + dot.cid.replace(/^<|>$/g, "")), `the pasted picture is an inline cid part: ${JSON.stringify(dot)} ${got.html.slice(0, 300)}`);
      check(huge && !huge.cid && huge.disposition !== "inline" && huge.size > 10 * 1024 * 1024, `the 11 MB picture is attached: ${JSON.stringify(huge)}`);
      step("pasted picture inline (cid); the one over 10 MB attached instead");

      const files = "Previews " + uniq();
      await smtpSend("sender@example.org", [ana.own], message({ from: "sender@example.org", to: ana.own, subject: files, text: "Look.",
        attachments: [{ name: "dot.png", type: "image/png", content: PNG }, { name: "plan.pdf", type: "application/pdf", content: PDF }] }));
      await openFolder(page, "inbox");
      await openMessage(page, files);
      // The preview is the download URL with the part's type, asked to be shown inline, in a new tab
      // (the browser's own viewer).
      for (const [name, type] of [["dot.png", "image/png"], ["plan.pdf", "application/pdf"]]) {
        const link = page.locator(`.attachment:has-text('${name}') a:text-is('Vista previa')`);
        const [href, target] = [await link.getAttribute("href"), await link.getAttribute("target")];
        check(href.startsWith("/jmap/download/") && href.includes(encodeURIComponent(type)) && target === "_blank", `preview link of ${name}: ${href} ${target}`);
        const served = await page.evaluate((u) => fetch(u).then(async (r) => ({ status: r.status, type: r.headers.get("content-type"), disposition: r.headers.get("content-disposition"), size: (await r.arrayBuffer()).byteLength })), href);
        check(served.status === 200 && (served.type ?? "").startsWith(type) && served.size === (name === "dot.png" ? PNG.length : PDF.length), `${name} preview serves ${JSON.stringify(served)}`);
        check((served.disposition ?? "").startsWith("inline;"), `${name} preview is shown, not saved: ${served.disposition}`);
        step(`preview of ${name}: ${served.type}, ${served.size} bytes, Content-Disposition: ${served.disposition}`);
      }
      step("image and PDF previews open the download URL with their type in a new tab");
    });
  },

  // The console's frame from the mail: the header's button opens it on its first screen; a member's
  // navigation has the personal sections and none of the organisation's; an unknown screen says so;
  // on a phone the sections sit behind the menu button; "back to mail" returns to the inbox; the
  // language chosen in the mail holds in the console.
  async consoleFrame({ users, withApp }) {
    await withApp("console-frame", "bob", async (page) => {
      await login(page, users.bob.login, users.bob.password);
      await page.click("[data-testid=open-console]");
      await page.waitForSelector("#console-nav a[aria-current=page]", { timeout: 15000 });
      check(/#\/console\/?$/.test(new URL(page.url()).hash) || (await page.locator("#console-page-title").count()) === 1, "the console opened");
      const nav = await page.locator("#console-nav a").allTextContents();
      step(`a member's sections: ${nav.join(", ")}`);
      check(nav.length >= 4, `the personal sections are there: ${nav}`);
      const hrefs = await page.locator("#console-nav a").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
      check(!hrefs.some((h) => /organisation|\/dns/.test(h)), `no organisation or DNS section for a member: ${hrefs}`);
      await until("the page's heading has the focus", () => page.evaluate(() => document.activeElement?.id === "console-page-title"), 3000);
      await axe(page, "console frame");
      await page.goto(env.base + "/#/console/no-such-screen");
      await page.waitForSelector(".console-main .notice[role=alert]");
      check((await page.textContent(".console-main .notice")).includes("no existe"), "an unknown screen says so");
      await page.setViewportSize({ width: 390, height: 844 });
      check(!(await page.locator("#console-nav").isVisible()), "on a phone the sections are behind the menu button");
      await page.click(".console .menu-button");
      await page.waitForSelector("#console-nav", { state: "visible" });
      check((await page.getAttribute(".console .menu-button", "aria-expanded")) === "true", "the menu button says it is open");
      await shot(page, "40-console-phone-menu");
      await page.locator("#console-nav a").first().click();
      await page.waitForSelector("#console-nav", { state: "hidden" });
      await page.setViewportSize({ width: 1280, height: 860 });
      await page.click("[data-testid=back-to-mail]");
      await page.waitForSelector("[role=treeitem][data-role=inbox].selected", { timeout: 15000 });
      step("back in the mail, in the inbox");
      // The language follows the app's setting: English in the mail, English in the console.
      await page.click("button:text-is('Ajustes')");
      await page.selectOption("select[name=language]", "en");
      await page.keyboard.press("Escape");
      await page.click("[data-testid=open-console]");
      await page.waitForSelector("#console-nav a[aria-current=page]");
      check((await page.textContent(".console .topbar [data-testid=back-to-mail]")) === "Back to mail", "the console speaks English too");
    });
  },

  // The drive: a message's attachments and the message itself saved into it from the reader, the .eml
  // opened as a message, a file uploaded (and downloaded the same), renamed, moved, attached to a new
  // message and sent as a download link; a folder deleted with what it holds; the message saved into
  // the organisation's drive, which Bob reaches too.
  async drive({ users, withApp, uniq }) {
    const { ana, bob } = users;
    const subject = "Contrato " + uniq();
    const notes = "Cláusula uno\nCláusula dos\n";
    await smtpSend("luis@example.org", [ana.own], message({ from: "Luis <luis@example.org>", to: ana.own, subject, text: "Los adjuntos.",
      attachments: [{ name: "notes.txt", type: "text/plain", content: notes }, { name: "dot.png", type: "image/png", content: PNG }] }));
    const folder = "Adjuntos " + uniq();
    await withApp("drive", "ana", async (page) => {
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      await openMessage(page, subject);

      // Save all attachments: the picker opens at the top, a new folder is made and entered, saved there.
      await page.click(".attachments button:has-text('Guardar todo en el drive')");
      const picker = page.locator("dialog.drive-picker[open]");
      await picker.waitFor();
      await picker.locator("button:has-text('Nueva carpeta')").click();
      await answer(page, { value: folder, button: "Crear la carpeta" });
      await picker.locator(`.breadcrumbs button:has-text('${folder}')`).waitFor();
      await shot(page, "60-drive-picker");
      await picker.locator("button:has-text('Guardar aquí')").click();
      await page.waitForSelector(`.toast:has-text('Guardado en ${folder} (2)')`, { timeout: 20000 });
      step("attachments saved into a new folder of the drive, the toast says where");

      // The whole message as .eml, at the top.
      await page.click(".message-actions button:has-text('Guardar en el drive')");
      await picker.waitFor();
      await picker.locator("button:has-text('Guardar aquí')").click();
      await page.waitForSelector(".toast:has-text('Guardado en Drive (1)')", { timeout: 20000 });
      await page.click(".toast:has-text('Guardado en Drive (1)') button:has-text('Abrir la carpeta')");
      await page.waitForSelector(".drive-items");
      check(await page.isVisible(`.drive-items a.folder-link:has-text('${folder}')`), "the new folder is at the top");
      const eml = page.locator(`.drive-items tr[data-item='${subject}.eml'] td:first-child button`);
      await eml.waitFor();
      await shot(page, "61-drive-top");
      await axe(page, "the drive");
      step("message saved as .eml; the toast's link opens the drive");

      // The .eml opens as a message, attachments listed.
      await eml.click();
      const opened = page.locator(`dialog[open]:has(h2.subject:has-text('${subject}'))`);
      await opened.waitFor({ timeout: 15000 });
      check(await opened.locator(".attachment:has-text('notes.txt')").isVisible(), "the opened .eml lists its attachments");
      await shot(page, "62-drive-eml");
      await page.keyboard.press("Escape");
      await opened.waitFor({ state: "detached" });
      step(".eml in the drive opened as a message");

      // Into the folder: the two attachments, the text the same as sent.
      await page.click(`.drive-items a.folder-link:has-text('${folder}')`);
      await page.waitForSelector(".drive-items tr[data-item='notes.txt']");
      check(await page.isVisible(".drive-items tr[data-item='dot.png']"), "both attachments are in the folder");
      const saved = await saveDownload(page, () => page.click(".drive-items tr[data-item='notes.txt'] td:first-child a"), "drive-notes.txt");
      check(saved.toString("utf8").replace(/\r\n/g, "\n") === notes, `the saved attachment is the one sent: ${JSON.stringify(saved.toString("utf8"))}`);

      // Upload by button: progress, then listed; downloaded the same.
      const upload = Buffer.alloc(6 * 1024 * 1024 + 321, 9);
      await page.setInputFiles(".drive input[type=file]", { name: "informe.pdf", mimeType: "application/pdf", buffer: upload });
      await page.waitForSelector(".drive-items tr[data-item='informe.pdf']", { timeout: 60000 });
      const back = await saveDownload(page, () => page.click(".drive-items tr[data-item='informe.pdf'] td:first-child a"), "drive-informe.pdf");
      check(back.equals(upload), `the uploaded file comes back the same: ${back.length} bytes`);
      step("file uploaded into the drive in pieces and downloaded the same");

      // Renamed, then moved to the top.
      await page.click(".drive-items tr[data-item='informe.pdf'] button:has-text('Cambiar nombre')");
      await answer(page, { value: "informe final.pdf", button: "Cambiar nombre" });
      await page.waitForSelector(".drive-items tr[data-item='informe final.pdf']");
      await page.click(".drive-items tr[data-item='informe final.pdf'] button:has-text('Mover')");
      await picker.waitFor();
      await picker.locator("button:has-text('Mover aquí')").click();
      await page.waitForSelector(".drive-items tr[data-item='informe final.pdf']", { state: "detached" });
      await page.click(".breadcrumbs a:has-text('Drive')");
      await page.waitForSelector(".drive-items tr[data-item='informe final.pdf']");
      step("file renamed and moved to the top");

      // A new message: the file from the drive attached, the .eml sent as a link.
      await page.click("text=Redactar");
      await page.waitForSelector(".composer .editor");
      await page.click(".composer button:has-text('Desde el drive')");
      await picker.waitFor();
      await picker.locator("label:has-text('informe final.pdf') input").check();
      await picker.locator("button:has-text('Adjuntar (1)')").click();
      await page.waitForSelector(".composer-files li:has-text('informe final.pdf')");
      await until("the attachment is ready", async () => !(await page.isVisible(".composer-files progress")));
      await page.click(".composer button:has-text('Desde el drive')");
      await picker.waitFor();
      await picker.locator(`label:has-text('${subject}.eml') input`).check();
      await picker.locator("button:has-text('Enviar como enlace de descarga')").click();
      const linkSel = ".composer .editor a[href*='/t/']";
      await page.waitForSelector(linkSel, { timeout: 20000 });
      const href = await page.getAttribute(linkSel, "href");
      const linkPage = await fetch(href);
      check(linkPage.status === 200 && (await linkPage.text()).includes(".eml"), `the drive's .eml is behind the link: ${linkPage.status}`);
      await shot(page, "63-drive-composer");
      await page.click(".composer button:has-text('Descartar')");
      step("drive file attached to a message; another sent as a download link");

      // The folder deleted with what it holds.
      await page.click(`.drive-items tr[data-item='${folder}'] button:has-text('Borrar')`);
      await answer(page, { text: "todo lo que contiene", button: "Borrar" });
      await page.waitForSelector(`.drive-items tr[data-item='${folder}']`, { state: "detached" });
      step("folder deleted with its files");

      // The message saved into the organisation's drive: the picker switches drives.
      await page.click("[role=treeitem][data-role=inbox]");
      await openMessage(page, subject);
      await page.click(".message-actions button:has-text('Guardar en el drive')");
      await picker.waitFor();
      await picker.locator(".drive-spaces button:has-text('Drive de la organización')").click();
      await picker.locator(".breadcrumbs button:has-text('Drive de la organización')").waitFor();
      await picker.locator("button:has-text('Guardar aquí')").click();
      await page.waitForSelector(".toast:has-text('Guardado en Drive de la organización (1)')", { timeout: 20000 });
      const bobApi = await new ApiClient().login(bob.login, bob.password);
      const shared = await bobApi.request("GET", "/api/v1/org-drive");
      check(shared.status === 200 && shared.json.items.some((i) => i.name === `${subject}.eml`), `Bob finds the message in the organisation's drive: ${shared.text}`);
      const own = await bobApi.request("GET", "/api/v1/drive");
      check(!own.json.items.some((i) => i.name === `${subject}.eml`), "not in Bob's own drive");
      await page.click(".drive-link:has-text('Drive de la organización')");
      await page.waitForSelector(`.drive-items tr[data-item='${subject}.eml']`);
      check(await page.isVisible(".drive-note"), "the organisation's drive says who shares it");
      check(!(await page.isVisible(`.drive-items a.folder-link:has-text('${folder}')`)), "Ana's own folders are not there");
      await shot(page, "64-org-drive");
      await axe(page, "the organisation's drive");
      step("message saved into the organisation's drive; Bob finds it there, not in his own");
    });
  },
};
