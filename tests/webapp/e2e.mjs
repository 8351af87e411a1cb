// The web mail app end to end, in Debian's Chromium against the real
// estafeta binary (tests/web/test_webapp.py starts it and runs one
// scenario per call: node e2e.mjs SCENARIO). Each scenario prints
// "webapp: ..." steps and ends with "webapp: SCENARIO passed"; a failure
// prints "webapp: FAILED: ..." on stderr and exits 1.
//
// Environment: WEBAPP_BASE_URL, WEBAPP_SMTP_PORT, WEBAPP_ARTIFACTS (the
// screenshots), WEBAPP_PROFILES (browser profiles), WEBAPP_USERS (JSON:
// name → {login, password, own}), WEBAPP_SHARED (the address two users share).
import path from "node:path";
import { readFileSync } from "node:fs";
import * as OTPAuth from "otpauth";
import { ApiClient, Failure, axe, check, env, launch, leakServer, runScenario, withApp, login, message, openFolder, openMessage, row, shot, smtpSend, step, switchTo, until, waitValue, watch } from "./lib.mjs";
import { scenarios as more } from "./scenarios2.mjs";
import { scenarios as evenMore } from "./scenarios3.mjs";

const users = JSON.parse(process.env.WEBAPP_USERS || "{}");
const shared = process.env.WEBAPP_SHARED;
const uniq = () => Math.random().toString(36).slice(2, 8);

async function setPrefs(who, prefs) {
  const api = await new ApiClient().login(users[who].login, users[who].password);
  const r = await api.request("PUT", "/api/v1/me/preferences", prefs);
  check(r.status === 200, `preferences: ${r.status} ${r.text}`);
  return api;
}

const scenarios = {
  // Login with a password, then with a second factor (enabled through the API with a TOTP computed here); logout.
  async login() {
    const carol = users.carol;
    const api = await new ApiClient().login(carol.login, carol.password);
    const e = await api.request("POST", "/api/v1/me/2fa/enrolment");
    check(e.status === 200 && e.json.secret, `enrolment: ${e.status} ${e.text}`);
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(e.json.secret), digits: 6, period: 30, algorithm: "SHA1" });
    const c = await api.request("POST", "/api/v1/me/2fa/confirm", { code: totp.generate(), password: carol.password });
    check(c.status === 200, `confirm: ${c.status} ${c.text}`);
    step("second factor enabled through the API");
    await withApp("login", "carol", async (page) => {
      await page.goto(env.base + "/");
      await page.waitForSelector("input[name=login]");
      await shot(page, "01-login");
      await axe(page, "login");
      await page.fill("input[name=login]", carol.login);
      await page.fill("input[name=password]", "not the password");
      await page.click("form button[type=submit]");
      await page.waitForSelector(".login [role=alert]");
      check((await page.textContent(".login [role=alert]")).includes("no son correctos"), "a wrong password is said so");
      await page.fill("input[name=password]", carol.password);
      await page.click("form button[type=submit]");
      await page.waitForSelector("input[name=code]", { timeout: 10000 });
      await shot(page, "02-login-second-factor");
      await axe(page, "second factor");
      // The confirmation used this period's code; a code is good once, so the next period's one (accepted as clock drift).
      await page.fill("input[name=code]", totp.generate({ timestamp: Date.now() + 30000 }));
      await page.click("form button[type=submit]");
      await page.waitForSelector("[role=tree] [role=treeitem][data-role=inbox]", { timeout: 15000 });
      step("logged in with password and second factor");
      await shot(page, "03-inbox-empty");
      await page.click("text=Ajustes");
      await page.check("input[name=theme][value=dark]");
      await page.selectOption("select[name=language]", "en");
      await page.waitForSelector("[role=tab]:text-is('General')");
      await page.waitForSelector("text=Group messages into conversations");
      await shot(page, "04-settings-dark-english");
      await axe(page, "settings (dark, English)");
      await page.keyboard.press("Escape");
      await page.setViewportSize({ width: 390, height: 844 });
      await shot(page, "05-phone-dark");
      await axe(page, "phone layout (dark)");
      await page.click("button[aria-label=Folders]");
      await page.waitForTimeout(300);
      await shot(page, "06-phone-folders");
      check(await page.isVisible("[role=treeitem][data-role=inbox] .folder-name:text-is('Inbox')"), "folder names follow the language");
      step("dark theme, English, phone layout");
      await page.click("[role=treeitem][data-role=inbox]");
      await page.click("text=Log out");
      await page.waitForSelector("input[name=login]", { timeout: 10000 });
      const s = await page.evaluate(() => fetch("/api/v1/session").then((r) => r.status));
      check(s === 401, `after logout the session is gone (GET /api/v1/session: ${s})`);
      step("logged out");
    });
  },

  // Hostile HTML: no script runs, nothing leaves the page; remote images only once allowed.
  async hostile() {
    const ana = users.ana;
    const leak = await leakServer();
    const L = `http://127.0.0.1:${leak.port}`;
    const corpus = readFileSync(new URL("./hostile.html", import.meta.url), "utf8").replaceAll("LEAK", L);
    const subject = "Hostile " + uniq();
    await smtpSend("attacker@evil.example", [ana.own], message({ from: "Attacker <attacker@evil.example>", to: ana.own, subject, html: corpus }));
    const benign = "Pictures " + uniq();
    await smtpSend("news@shop.example", [ana.own], message({ from: "Shop <news@shop.example>", to: ana.own, subject: benign, html: `<p>Hello</p><img src="${L}/pixel.gif" alt="pixel">` }));
    try {
      await withApp("hostile", "ana", async (page, ctx, w) => {
        await login(page, ana.login, ana.password);
        await switchTo(page, ana.own);
        await openMessage(page, subject);
        const frameEl = await page.waitForSelector("iframe.message-frame");
        const sandbox = await frameEl.getAttribute("sandbox");
        check(!/allow-scripts|allow-same-origin/.test(sandbox), `sandbox is '${sandbox}'`);
        const frame = await frameEl.contentFrame();
        await frame.waitForSelector("body");
        await page.waitForTimeout(1500); // anything that would load or run has had its chance
        const inside = await frame.evaluate(() => ({
          active: document.querySelectorAll("script, iframe, object, embed, form, input, svg, math, link, base, meta[http-equiv=refresh]").length,
          handlers: [...document.querySelectorAll("*")].filter((e) => [...e.attributes].some((a) => a.name.startsWith("on"))).length,
          jsLinks: [...document.querySelectorAll("[href], [src], [action]")].filter((e) => /javascript:|vbscript:|data:text/i.test(e.getAttribute("href") || e.getAttribute("src") || e.getAttribute("action") || "")).length,
          remote: [...document.querySelectorAll("[src]")].filter((e) => /^https?:/i.test(e.getAttribute("src"))).length,
          csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? "",
          text: document.body.innerText,
        }));
        check(inside.active === 0 && inside.handlers === 0 && inside.jsLinks === 0 && inside.remote === 0, `active content left in the frame: ${JSON.stringify(inside)}`);
        check(inside.csp.includes("default-src 'none'") && !inside.csp.includes("http:"), `frame CSP: ${inside.csp}`);
        check(inside.text.includes("visible text survives"), "the harmless text is shown");
        await shot(page, "10-hostile-html");
        check(await page.isVisible("text=Las imágenes remotas están bloqueadas"), "the remote-images banner is shown");
        const outside = w.requests.filter((u) => !u.startsWith(env.base) && !/^(data|blob|about):/.test(u));
        check(outside.length === 0, `requests left the app's origin: ${outside.join(", ")}`);
        check(leak.hits.length === 0, `the outside server was asked: ${leak.hits.join(", ")}`);
        check(await page.evaluate(() => !window.__pwned), "no script reached the app's page");
        step("hostile HTML shown with no script run and no request out");
        await axe(page, "reader (hostile html)");

        await openMessage(page, benign);
        await page.waitForSelector("text=Las imágenes remotas están bloqueadas");
        await page.waitForTimeout(500);
        check(leak.hits.length === 0, "a remote image loads only when allowed");
        await page.click("text=Mostrar imágenes");
        await until("the allowed picture to load", () => leak.hits.some((h) => h.includes("/pixel.gif")), 10000);
        step("remote image loaded once allowed, not before");
        check(leak.hits.every((h) => h.includes("/pixel.gif")), `only the picture is fetched: ${leak.hits}`);
      });
    } finally {
      leak.close();
    }
  },

  // Send to self and receive; undo send; reply, forward inline and as attachment; an attached .eml opened.
  async compose() {
    const ana = users.ana;
    const api = await setPrefs("ana", { undoSeconds: 3 });
    const acc = api.accountOf(ana.own);
    const subject = "Hello me " + uniq();
    await withApp("compose", "ana", async (page) => {
      await login(page, ana.login, ana.password);
      await switchTo(page, ana.own);
      await page.click("text=Redactar");
      await page.waitForSelector(".composer .editor");
      await page.fill(".composer input[name=to]", ana.own);
      await page.fill(".composer input[name=subject]", subject);
      await page.click(".composer .editor");
      await page.keyboard.type("First line of the message.");
      // More files at once than the server takes uploads from one user (maxConcurrentUpload): they queue.
      const parts = Array.from({ length: 6 }, (_, i) => ({ name: `part-${i + 1}.bin`, mimeType: "application/octet-stream", buffer: Buffer.alloc(512 * 1024, 65 + i) }));
      await page.setInputFiles(".composer input[type=file]", [{ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("some notes\n") }, ...parts]);
      await page.waitForSelector(".composer-files li:has-text('part-6.bin')");
      await page.waitForFunction(() => !document.querySelector(".composer-files progress"), null, { timeout: 20000 });
      check(!(await page.isVisible(".composer-files [role=alert]")), "every attachment uploaded, none refused");
      await shot(page, "20-composer");
      await axe(page, "composer");
      // Drafts are saved while writing.
      await until("the draft to be saved", async () => (await api.find(acc, subject, { inMailbox: (await api.mailbox(acc, "drafts")).id })).length === 1, 10000);
      step("draft saved automatically");
      await page.click(".composer button:has-text('Enviar')");
      await page.waitForSelector(".toast:has-text('Deshacer')");
      await page.click(".toast button:has-text('Deshacer')");
      await waitValue(page, ".composer input[name=subject]", `${subject}`);
      step("send undone: the composer is back");
      await page.waitForTimeout(4000);
      check((await api.find(acc, subject, { inMailbox: (await api.mailbox(acc, "inbox")).id })).length === 0, "an undone message is not delivered");
      await page.click(".composer button:has-text('Enviar')");
      await page.waitForSelector(".composer", { state: "detached" });
      await openFolder(page, "inbox");
      await openMessage(page, subject);
      check(await page.isVisible(".attachment:has-text('notes.txt')"), "the attachment came with the message");
      check((await page.$$(".attachment")).length === 7, `all seven attachments came: ${(await page.$$(".attachment")).length}`);
      await shot(page, "21-received");
      step("sent to self and received");

      await page.click(".message-actions button:has-text('Responder')");
      await waitValue(page, ".composer input[name=subject]", `Re: ${subject}`);
      check((await page.inputValue(".composer input[name=to]")).includes(ana.own), "the reply goes to the sender");
      check((await page.textContent(".composer .editor")).includes("First line of the message."), "the reply quotes the original");
      await page.click(".composer .editor");
      await page.keyboard.press("Control+Home");
      await page.keyboard.type("My answer.");
      await page.click(".composer button:has-text('Enviar')");
      await page.waitForSelector(".composer", { state: "detached" });
      await row(page, "Re: " + subject);
      step("reply received");

      await openMessage(page, subject);
      await page.click(".message-actions button:has-text('Reenviar'):not(:has-text('adjunto'))");
      await waitValue(page, ".composer input[name=subject]", `Fwd: ${subject}`);
      await page.fill(".composer input[name=to]", ana.own);
      await page.waitForSelector(".composer-files li:has-text('notes.txt')");
      await page.click(".composer button:has-text('Enviar')");
      await page.waitForSelector(".composer", { state: "detached" });
      await openMessage(page, "Fwd: " + subject);
      check((await (await page.$("iframe.message-frame")).contentFrame().then((f) => f.textContent("body"))).includes("Mensaje reenviado"), "the forward carries the original inline");
      step("forward received");

      await openMessage(page, subject);
      await page.click(".message-actions button:has-text('Reenviar como adjunto')");
      await page.waitForSelector(".composer-files li:has-text('.eml')");
      await page.fill(".composer input[name=to]", ana.own);
      await page.fill(".composer input[name=subject]", "Attached " + subject);
      await page.click(".composer button:has-text('Enviar')");
      await page.waitForSelector(".composer", { state: "detached" });
      await openMessage(page, "Attached " + subject);
      await page.click(".attachment:has-text('.eml') button:has-text('Abrir')");
      await page.waitForSelector(`dialog .message .subject:text-is("${subject}")`, { timeout: 10000 });
      await shot(page, "22-attached-eml");
      await axe(page, "attached message");
      await page.keyboard.press("Escape");
      step("forwarded as attachment; the attached .eml opens as a message");
      const original = (await api.find(acc, subject, { inMailbox: (await api.mailbox(acc, "inbox")).id })).find((e) => e.subject === subject);
      check(original.keywords.$answered && original.keywords.$forwarded, `the original is marked answered and forwarded: ${JSON.stringify(original.keywords)}`);
    });
  },

  ...more,
  ...evenMore,
};

await runScenario(scenarios, { users, shared, setPrefs, withApp, uniq });
