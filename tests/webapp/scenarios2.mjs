// More scenarios of e2e.mjs: attachments (zip, .eml, headers, source, over
// the 25 MB limit a download link), search, notifications, read receipts, special folders, an
// address shared by two users at once.
import path from "node:path";
import { readFileSync } from "node:fs";
import { unzipSync, strFromU8 } from "fflate";
import PostalMime from "postal-mime";
import { ApiClient, answer, axe, check, env, login, message, openFolder, openMessage, row, shot, smtpSend, step, switchTo, until } from "./lib.mjs";

const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", "base64");

async function saveDownload(page, click, name) {
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 15000 }), click()]);
  const file = path.join(env.artifacts, name);
  await download.saveAs(file);
  return readFileSync(file);
}

export const scenarios = {
  // Attachments: list, zip of all (unzipped and compared), .eml (parsed), headers, raw source; 30 MB as a download link.
  async attachments({ users, withApp, uniq }) {
    const ana = users.ana;
    const subject = "Files " + uniq();
    const notes = "Line one\nLine two\n";
    await smtpSend("sender@example.org", [ana.own], message({ from: "Sender <sender@example.org>", to: ana.own, subject, text: "Two files attached.",
      attachments: [{ name: "notes.txt", type: "text/plain", content: notes }, { name: "dot.png", type: "image/png", content: PNG }] }));
    await withApp("attachments", "ana", async (page) => {
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      await openMessage(page, subject);
      await page.waitForSelector(".attachment:has-text('notes.txt')");
      check(await page.isVisible(".attachment:has-text('dot.png')"), "both attachments are listed");
      check(await page.isVisible(".attachment:has-text('image/png')"), "the type is shown");
      await shot(page, "30-attachments");

      const zip = unzipSync(new Uint8Array(await saveDownload(page, () => page.click("text=Descargar todos (.zip)"), "attachments.zip")));
      check(strFromU8(zip["notes.txt"] ?? new Uint8Array()).replace(/\r\n/g, "\n") === notes, `notes.txt in the zip: ${Object.keys(zip)}`);
      check(Buffer.from(zip["dot.png"] ?? []).equals(PNG), "dot.png in the zip is the same picture");
      step("download all as zip: unzipped, both files equal");

      const eml = await saveDownload(page, () => page.click(".message-actions a:has-text('Descargar .eml')"), "message.eml");
      const parsed = await PostalMime.parse(eml);
      check(parsed.subject === subject && parsed.attachments.length === 2, `the .eml parses: ${parsed.subject}, ${parsed.attachments.length} attachments`);
      step(".eml downloaded and parsed");

      await page.click("text=Mostrar cabeceras");
      await page.waitForSelector(".headers pre");
      const headers = await page.textContent(".headers pre");
      check(/^Subject: /m.test(headers) && /^Message-ID: /im.test(headers) && /^Received: /m.test(headers), `headers shown: ${headers.slice(0, 300)}`);
      await shot(page, "31-headers");
      await page.click("text=Ocultar cabeceras");
      await page.waitForSelector(".headers", { state: "detached" });
      await page.click("text=Ver código fuente");
      await page.waitForSelector(".raw pre");
      const raw = await page.textContent(".raw pre");
      check(raw.includes("Content-Disposition: attachment; filename=\"notes.txt\""), "the raw source is the message as it came");
      await shot(page, "32-source");
      await axe(page, "headers and source");
      step("headers and raw source shown and hidden");

      await page.click("text=Redactar");
      await page.waitForSelector(".composer .editor");
      await page.setInputFiles(".composer input[type=file]", { name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(30 * 1024 * 1024, 7) });
      // Over the 25 MB of a message: the file goes up as a download link, which lands in the text.
      const linkSel = ".composer .editor a[href*='/t/']";
      await page.waitForSelector(linkSel, { timeout: 90000 });
      const href = await page.getAttribute(linkSel, "href");
      const body = await page.textContent(".composer .editor");
      check(body.includes("enlace de descarga") && (await page.textContent(linkSel)).includes("big.bin"), `the link is explained: ${body}`);
      check(!(await page.isVisible(".composer-files li")), "no attachment, nothing pending once the link is in");
      await shot(page, "33-transfer-link");
      // What a recipient gets from the link: a page naming the file, and the same 30 MB.
      // Node's fetch: no cookie, no session, as a recipient elsewhere.
      const pageRes = await fetch(href);
      const html = await pageRes.text();
      check(pageRes.status === 200 && html.includes("big.bin"), `the link's page lists the file: ${pageRes.status}`);
      const download = html.match(/href="(\/t\/[^"]+)"/)?.[1];
      const file = await fetch(new URL(download, href));
      const bytes = new Uint8Array(await file.arrayBuffer());
      check(file.status === 200 && bytes.length === 30 * 1024 * 1024 && bytes.every((b) => b === 7), `the download is the file: ${file.status} ${bytes.length}`);
      step("30 MB file sent as a download link, downloaded whole by a recipient");
      await page.click(".composer button:has-text('Descartar')");

      // Settings → Download links: the link is listed; deleting it ends it for everyone.
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Enlaces de descarga')");
      await page.waitForSelector(".transfer-list li:has-text('big.bin')");
      check((await page.textContent(".transfer-list li")).includes("descargas: 1"), "the download is counted");
      await shot(page, "34-settings-transfers");
      await axe(page, "settings: download links");
      await page.click(".transfer-list li button:has-text('Borrar el enlace')");
      await page.click("dialog.ask button.danger");
      // (Other scenarios' links may be listed: this one's row goes.)
      await page.waitForSelector(".transfer-list li:has-text('big.bin')", { state: "detached" });
      check((await fetch(href)).status === 404, "the deleted link is dead");
      step("download link listed in the settings and deleted: the link is dead");
      await page.keyboard.press("Escape");
    });
  },

  // Search leaves out Trash and Spam unless asked; snippets highlighted.
  async search({ users, withApp, uniq }) {
    const ana = users.ana;
    const word = "zanahoria" + uniq();
    for (const n of ["one", "two", "three"])
      await smtpSend("veg@example.org", [ana.own], message({ from: "veg@example.org", to: ana.own, subject: `Veg ${n}`, text: `We talk about ${word} here (${n}).` }));
    await withApp("search", "ana", async (page) => {
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      await (await row(page, "Veg two")).click();
      await page.click(".message-actions button:has-text('Eliminar')");
      await page.waitForSelector(".toast:has-text('Papelera')");
      await (await row(page, "Veg three")).click();
      await page.click(".message-actions button:has-text('Spam')");
      await page.waitForSelector(".toast:has-text('spam')");
      await page.fill("#search-box", word);
      await page.press("#search-box", "Enter");
      await page.waitForSelector(".list-status:text-is('1 resultado')", { timeout: 15000 });
      await shot(page, "40-search");
      const found = await page.$$eval(".row[data-email] .subject", (s) => s.map((x) => x.textContent));
      check(found.length === 1 && found[0] === "Veg one", `the inbox message is found: ${JSON.stringify(found)}`);
      check(await page.isVisible(".row .snippet mark"), "the match is highlighted");
      await axe(page, "search results");
      step("search in all folders but Trash and Spam: 1 result");
      await page.click("button[aria-label='Búsqueda avanzada']");
      await page.fill("#search-advanced input[name=body]", word);
      await page.selectOption("#search-advanced select[name=folder]", "*");
      await shot(page, "41-advanced-search");
      await axe(page, "advanced search");
      await page.click("#search-advanced button[type=submit]");
      await page.waitForSelector(".list-status:text-is('3 resultados')", { timeout: 15000 });
      step("advanced search with Trash and Spam: 3 results");
      // Keyboard: j/k move, s flags, u toggles read; drag a row to a folder.
      await page.click("text=Cerrar búsqueda");
      await openFolder(page, "inbox");
      await row(page, "Veg one");
      await page.focus("#message-list");
      await page.keyboard.press("k");
      const first = await page.$eval("#message-list", (l) => l.getAttribute("aria-activedescendant"));
      check(first === "row-0", `k stays on the first row: ${first}`);
      await page.keyboard.press("s");
      await page.waitForSelector("#row-0 .mark-flag", { timeout: 10000 });
      await page.keyboard.press("?");
      await page.waitForSelector("dialog .shortcuts");
      await shot(page, "42-shortcuts");
      await axe(page, "keyboard shortcuts");
      await page.keyboard.press("Escape");
      step("keyboard: s flagged the focused row; ? lists the shortcuts");
      await page.dragAndDrop(`.row[data-email]:has(.subject:text-is("Veg one"))`, "[role=treeitem][data-role=archive]");
      await page.waitForSelector(".toast:has-text('movido(s) a Archivo')", { timeout: 10000 });
      await openFolder(page, "archive");
      await row(page, "Veg one");
      step("dragged to the Archive folder");
      await openFolder(page, "trash");
      await (await row(page, "Veg two")).click();
      await page.click(".message-actions button:has-text('Eliminar')");
      await answer(page, { text: "Se eliminará(n) definitivamente 1 mensaje(s)", button: "Eliminar definitivamente" });
      await page.waitForSelector(`.row[data-email]:has(.subject:text-is("Veg two"))`, { state: "detached", timeout: 10000 });
      step("deleted for good from Trash after the app's dialog");
    });
  },

  // A browser notification on mail delivered by SMTP while the tab is in the background; off per address.
  async notify({ users, withApp, uniq }) {
    const ana = users.ana;
    await withApp("notify", "ana", async (page, ctx) => {
      await ctx.addInitScript(() => {
        window.__notes = [];
        const N = window.Notification;
        window.Notification = class extends N {
          constructor(title, opts) { super(title, opts); window.__notes.push({ title, body: opts?.body ?? "" }); }
        };
        Object.defineProperty(window.Notification, "permission", { get: () => N.permission });
        window.Notification.requestPermission = N.requestPermission.bind(N);
        Object.defineProperty(document, "hidden", { get: () => !!window.__background, configurable: true });
      });
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Notificaciones')");
      await page.waitForSelector("text=Las notificaciones están permitidas");
      await shot(page, "50-settings-notifications");
      await axe(page, "settings: notifications");
      await page.keyboard.press("Escape");
      await page.evaluate(() => (window.__background = true));
      await page.waitForTimeout(500); // the push channel is open
      const subject = "Ping " + uniq();
      await smtpSend("friend@example.org", [ana.own], message({ from: "Friend <friend@example.org>", to: ana.own, subject, text: "hi" }));
      const notes = await until("a notification", () => page.evaluate(() => window.__notes.length && window.__notes), 15000);
      check(notes[0].title.includes(ana.own) && notes[0].body.includes(subject), `notification: ${JSON.stringify(notes)}`);
      check(/^\(\d+\) /.test(await page.title()), `the tab title counts unread mail: ${await page.title()}`);
      step("notification raised on SMTP delivery; unread count in the title");
      await page.evaluate(() => (window.__background = false));
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Notificaciones')");
      await page.uncheck(`label:has-text('${ana.own}') input`);
      await page.keyboard.press("Escape");
      await page.waitForTimeout(500);
      await page.evaluate(() => (window.__background = true));
      const quiet = "Quiet " + uniq();
      await smtpSend("friend@example.org", [ana.own], message({ from: "friend@example.org", to: ana.own, subject: quiet, text: "hi" }));
      await row(page, quiet);
      await page.waitForTimeout(800);
      check((await page.evaluate(() => window.__notes.length)) === 1, "no notification once turned off for the address");
      step("notifications off for one address");
    }, { permissions: ["notifications"] });
  },

  // Read receipt asked by one user, sent by the other from the banner, never twice.
  async receipts({ users, withApp, uniq, setPrefs }) {
    const { ana, bob } = users;
    await setPrefs("bob", { undoSeconds: 0 });
    await setPrefs("ana", { undoSeconds: 0, receipts: "ask" });
    const subject = "Please confirm " + uniq();
    await withApp("receipts", "bob", async (page) => {
      await login(page, bob.login, bob.password);
      await switchTo(page, bob.own);
      await page.click("text=Redactar");
      await page.waitForSelector(".composer .editor");
      await page.fill(".composer input[name=to]", ana.own);
      await page.fill(".composer input[name=subject]", subject);
      await page.click(".composer .editor");
      await page.keyboard.type("Did you read this?");
      await page.check(".composer input[name=receipt]");
      await page.click(".composer button:has-text('Enviar')");
      await page.waitForSelector(".composer", { state: "detached" });
      step("bob sent a message asking for a read receipt");
    });
    await withApp("receipts", "ana", async (page) => {
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      await openMessage(page, subject);
      await page.waitForSelector(".banner:has-text('acuse de recibo')");
      await shot(page, "60-receipt-banner");
      await axe(page, "read-receipt banner");
      await page.click(".banner button:has-text('Enviar acuse')");
      await page.waitForSelector(".toast:has-text('Acuse de recibo enviado')");
      await openFolder(page, "sent");
      await openFolder(page, "inbox");
      await openMessage(page, subject);
      await page.waitForTimeout(500);
      check(!(await page.isVisible(".banner:has-text('acuse de recibo')")), "the banner is not shown again once sent");
      step("ana sent the receipt; it is not asked again");
    });
    const api = await new ApiClient().login(bob.login, bob.password);
    const acc = api.accountOf(bob.own);
    const got = await until("the receipt in bob's inbox", async () => (await api.find(acc, subject)).find((e) => /^Read: /.test(e.subject)), 15000);
    check(got.from[0].email === ana.own, `the receipt is from ${got.from[0].email}`);
    step("bob received the receipt (MDN)");
  },

  // Own folders created, renamed and deleted through the app's dialogs; special folders: refused with the
  // server's reason without the permission, changed with it.
  async folders({ users, shared, withApp, uniq }) {
    const ana = users.ana;
    const api = await new ApiClient().login(ana.login, ana.password);
    const acc = api.accountOf(ana.own);
    const names = async () => (await api.jmap([["Mailbox/get", { accountId: acc }, "m"]])).m.list.map((m) => m.name);
    const newFolder = async (page, name, text) => {
      await page.click("text=Nueva carpeta");
      await page.waitForSelector("dialog.ask[open] input[name=answer]");
      return answer(page, { text, value: name, button: "Crear la carpeta" });
    };
    await withApp("folders", "ana", async (page) => {
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      const box = "Box " + uniq();
      await page.click("text=Nueva carpeta");
      await page.waitForSelector("dialog.ask[open] input[name=answer]");
      check(await page.$eval("dialog.ask[open]", (d) => d.getAttribute("aria-labelledby") && d.querySelector("form").getAttribute("aria-describedby")), "the dialog is labelled and described");
      check(await page.isDisabled("dialog.ask button:text-is('Crear la carpeta')"), "no folder without a name");
      await page.fill("dialog.ask input[name=answer]", box);
      await shot(page, "72-folder-new-dialog");
      await axe(page, "new folder dialog");
      await answer(page, { text: `en el primer nivel de ${ana.own}`, button: "Crear la carpeta" });
      await page.waitForSelector(`[role=treeitem]:has-text('${box}')`);
      check((await names()).includes(box), "the folder exists on the server");
      step("folder created through the app's dialog");

      await page.click(`[role=treeitem]:has-text('${box}')`);
      await page.click(".folder-actions button:text-is('Renombrar')");
      await page.waitForSelector("dialog.ask[open] input[name=answer]");
      check((await page.inputValue("dialog.ask input[name=answer]")) === box, "the rename dialog starts from the current name");
      check((await page.textContent("dialog.ask h2")).includes(box), "the rename dialog names the folder");
      await page.keyboard.press("Escape");
      await page.waitForSelector("dialog.ask", { state: "detached" });
      check((await names()).includes(box), "Escape renames nothing");
      const renamed = "Renamed " + uniq();
      await page.click(".folder-actions button:text-is('Renombrar')");
      await answer(page, { text: "Solo cambia su nombre", value: renamed, button: "Renombrar la carpeta" });
      await page.waitForSelector(`[role=treeitem]:has-text('${renamed}')`);
      const after = await names();
      check(after.includes(renamed) && !after.includes(box), `renamed on the server: ${after}`);
      step("folder renamed; Escape cancels");

      await page.click(`[role=treeitem]:has-text('${renamed}')`);
      await page.click(".folder-actions button:text-is('Eliminar carpeta')");
      await page.waitForSelector("dialog.ask[open] button.danger");
      await shot(page, "73-folder-delete-dialog");
      await axe(page, "delete folder dialog");
      await answer(page, { text: `Se quita la carpeta «${renamed}»`, button: "Cancelar" });
      check((await names()).includes(renamed), "Cancel deletes nothing");
      await page.click(".folder-actions button:text-is('Eliminar carpeta')");
      await answer(page, { text: "mueve antes esos mensajes", button: "Eliminar la carpeta" });
      await page.waitForSelector(`[role=treeitem]:has-text('${renamed}')`, { state: "detached" });
      check(!(await names()).includes(renamed), "deleted on the server");
      step("folder deleted after its dialog; Cancel keeps it");

      await switchTo(page, shared);
      const old = "Old things " + uniq();
      await newFolder(page, old, "primer nivel de " + shared);
      await page.waitForSelector(`[role=treeitem]:has-text('${old}')`);
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Carpetas especiales')");
      await page.waitForSelector("select[name=role-archive]");
      const other = await page.$eval("select[name=role-archive]", (s, n) => [...s.options].find((o) => o.textContent === n)?.value, old);
      await page.selectOption("select[name=role-archive]", other);
      await page.waitForSelector(".settings-form [role=alert]");
      const msg = await page.textContent(".settings-form [role=alert]");
      check(msg.includes("No se ha cambiado") && /special folders/.test(msg), `refusal shown: ${msg}`);
      await shot(page, "70-special-folders-refused");
      await axe(page, "settings: special folders");
      step("special-folder change refused without the permission, with the server's reason");
      await page.keyboard.press("Escape");
      await switchTo(page, ana.own);
      const kept = "Kept " + uniq();
      await newFolder(page, kept, "primer nivel de " + ana.own);
      await page.waitForSelector(`[role=treeitem]:has-text('${kept}')`);
      await page.click("text=Ajustes");
      await page.click("[role=tab]:has-text('Carpetas especiales')");
      const mine = await page.$eval("select[name=role-archive]", (s, n) => [...s.options].find((o) => o.textContent === n)?.value, kept);
      await page.selectOption("select[name=role-archive]", mine);
      await page.waitForSelector(".settings-form p.ok:has-text('Guardado')");
      step("special folder changed where the access allows it");
      for (const tab of ["General", "Identidades y firmas", "Acuses de recibo", "Respuesta automática"]) {
        await page.click(`[role=tab]:has-text('${tab}')`);
        await page.waitForSelector("#settings-panel .settings-form");
        await shot(page, "71-settings-" + tab.split(" ")[0].toLowerCase());
        await axe(page, "settings: " + tab);
      }
    });
  },

  // One shared address used by two users at once: both see the mail, the unread count, each other's changes.
  async shared({ users, shared, uniq }) {
    const { ana, bob } = users;
    const { launch, watch } = await import("./lib.mjs");
    const a = await launch(path.join(process.env.WEBAPP_PROFILES, "shared-ana"));
    const b = await launch(path.join(process.env.WEBAPP_PROFILES, "shared-bob"));
    try {
      const pa = a.pages()[0], pb = b.pages()[0];
      const wa = watch(pa, "ana"), wb = watch(pb, "bob");
      await Promise.all([login(pa, ana.login, ana.password), login(pb, bob.login, bob.password)]);
      await Promise.all([switchTo(pa, shared), switchTo(pb, shared)]);
      const subject = "For both " + uniq();
      await smtpSend("client@example.org", [shared], message({ from: "Client <client@example.org>", to: shared, subject, text: "Who takes this?" }));
      await Promise.all([row(pa, subject), row(pb, subject)]);
      const label = await pb.$eval("[data-testid=address-switcher]", (s) => s.selectedOptions[0].textContent);
      check(/\(\d+\)$/.test(label), `the switcher shows the unread count: ${label}`);
      await shot(pb, "80-shared-bob");
      step("the message reached both users of the shared address");
      await openMessage(pa, subject);
      await pb.waitForSelector(`.row:not(.unread):has(.subject:text-is("${subject}"))`, { timeout: 15000 });
      step("ana read it; bob's list shows it read (push)");
      await (await row(pb, subject)).click();
      await pb.click(".message-actions button:has-text('Destacar')");
      await pa.waitForSelector(`.row:has(.subject:text-is("${subject}")) .mark-flag`, { timeout: 15000 });
      await shot(pa, "81-shared-ana");
      step("bob flagged it; ana sees the flag (push)");
      check(wa.errors.length === 0 && wb.errors.length === 0, [...wa.errors, ...wb.errors].join("\n"));
    } finally {
      await a.close();
      await b.close();
    }
  },
};
