// The console's security centre and account screens, end to end in
// Debian's Chromium against the real binary (tests/web/test_console_security.py
// runs one scenario per test: node console_security.mjs SCENARIO). The
// browser's locale is es-ES, so the page speaks Spanish. The server's messages
// are in English; the page may show them translated (either is accepted).
//
// Environment: that of lib.mjs, WEBAPP_USERS (ana, bob, carol) and
// WEBAPP_SECURITY_USERS (name → {login, password, name, org?, role?}),
// WEBAPP_SECURITY_DEVICE ({address, label, password}: a device password of
// the sessions user) and WEBAPP_PORTS (protocol → port: imap).
import path from "node:path";
import net from "node:net";
import tls from "node:tls";
import { readFileSync } from "node:fs";
import * as OTPAuth from "otpauth";
import { ApiClient, Failure, answer, axe, check, env, launch, readQr, runScenario, shot, step, until, watch, withApp } from "./lib.mjs";

const users = JSON.parse(process.env.WEBAPP_USERS || "{}");
const sec = JSON.parse(process.env.WEBAPP_SECURITY_USERS || "{}");
const device = JSON.parse(process.env.WEBAPP_SECURITY_DEVICE || "{}");
const ports = JSON.parse(process.env.WEBAPP_PORTS || "{}");

/** Reads from `sock` until the text read so far matches `re` (bounded). */
function readUntil(sock, re, what) {
  return new Promise((ok, fail) => {
    let buf = "";
    const timer = setTimeout(() => { sock.off("data", on); fail(new Failure(`IMAP: no ${what} in 10 s: ${buf}`)); }, 10000);
    function on(d) {
      buf += d.toString();
      if (re.test(buf)) { clearTimeout(timer); sock.off("data", on); ok(buf); }
    }
    sock.on("data", on);
  });
}

/** An IMAP connection logged in with a device password (STARTTLS first: the listener refuses LOGIN in clear), left open. */
async function imapConnection(user, password) {
  const plain = net.connect(ports.imap, "127.0.0.1");
  await readUntil(plain, /^\* OK.*\r\n/m, "greeting");
  plain.write("a STARTTLS\r\n");
  await readUntil(plain, /^a OK.*\r\n/m, "STARTTLS");
  const sock = tls.connect({ socket: plain, rejectUnauthorized: false });
  await new Promise((ok, fail) => { sock.once("secureConnect", ok); sock.once("error", fail); });
  sock.write(`b LOGIN "${user}" "${password}"\r\n`);
  const said = await readUntil(sock, /^b (OK|NO|BAD).*\r\n/m, "LOGIN answer");
  check(/^b OK/m.test(said), `IMAP login: ${said}`);
  const closed = new Promise((ok) => sock.once("close", ok));
  sock.on("error", () => {});
  return { sock, closed };
}

/** Logs in through the app's login page straight into the console's `screen` (a second-factor code when given). */
async function consoleLogin(page, who, screen, code = null) {
  await page.goto(env.base + "/#/console/" + screen);
  await page.fill("input[name=login]", who.login);
  await page.fill("input[name=password]", who.password);
  await page.click("form button[type=submit]");
  if (code) {
    await page.waitForSelector("input[name=code]", { timeout: 10000 });
    await page.fill("input[name=code]", code);
    await page.click("form button[type=submit]");
  }
  await page.waitForSelector(".console #console-page-title", { timeout: 15000 });
}

/** Opens a console screen from its navigation link and waits for its title. */
async function openScreen(page, label) {
  await page.click(`.console-nav a:text-is("${label}")`);
  await page.waitForSelector(`#console-page-title:text-is("${label}")`, { timeout: 10000 });
}

/** The error the server gave for the form field `name` (its role=alert beside the input). */
async function fieldError(page, name) {
  const input = page.locator(`.console-main [name=${name}]`);
  await page.waitForSelector(`.console-main .field:has([name=${name}]) .field-error`, { timeout: 10000 });
  check((await input.getAttribute("aria-invalid")) === "true", `${name} is marked invalid`);
  const described = (await input.getAttribute("aria-describedby")) ?? "";
  const error = page.locator(`.console-main .field:has([name=${name}]) .field-error`);
  check(described.split(" ").includes(await error.getAttribute("id")), `${name}'s error is tied to the input (${described})`);
  return (await error.textContent()).trim();
}

/** An RFC 4180 reader (quoted fields, doubled quotes, CRLF records). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\r" && text[i + 1] === "\n") { row.push(field); rows.push(row); row = []; field = ""; i++; }
    else field += c;
  }
  check(field === "" && row.length === 0, "the CSV ends with CRLF");
  return rows;
}

async function downloaded(page, click) {
  const [d] = await Promise.all([page.waitForEvent("download", { timeout: 20000 }), click()]);
  return { name: d.suggestedFilename(), text: readFileSync(await d.path(), "utf8") };
}

const totpOf = (secret) => new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" });

const scenarios = {
  // Enrolment through the page: the QR code decodes to the otpauth URI with the key shown as text; a code computed
  // from it confirms; the emergency codes are shown once (downloadable) and gone from the page when the window
  // closes; one of them logs in, once.
  async enrol() {
    const who = sec.enrol;
    let codes, totp, confirmedAt;
    await withApp("sec-enrol", "enrol", async (page) => {
      await consoleLogin(page, who, "security");
      await page.waitForSelector("[data-testid=tfa-status]:text-is('desactivada')");
      await axe(page, "security centre (two-factor off)");
      await page.click("button:text-is('Activar la verificación en dos pasos')");
      await page.waitForSelector("svg.qr");
      await until("the keyboard at the enrolment's steps", () => page.evaluate(() => document.activeElement?.matches(".enrolment .steps")), 3000);
      const uri = await readQr(page);
      const shownKey = (await page.textContent("[data-testid=totp-secret]")).replace(/\s/g, "");
      const parsed = OTPAuth.URI.parse(uri);
      check(uri.startsWith("otpauth://totp/") && parsed.secret.base32 === shownKey, `the QR code is the otpauth URI of the key shown: ${uri} / ${shownKey}`);
      check(parsed.label === who.login && /Estafeta/.test(parsed.issuer) && parsed.digits === 6 && parsed.period === 30, `the URI names the account and the issuer: ${uri}`);
      check((await page.getAttribute("svg.qr", "aria-label")).includes("clave"), "the QR code is labelled for screen readers");
      step(`QR code decoded: ${uri.replace(/secret=\w+/, "secret=…")}`);
      await shot(page, "console-security-01-enrol-qr");
      await axe(page, "two-factor enrolment");

      // A wrong code first: the server's message by the code field (the password, asked beside it, is right).
      await page.fill(".enrolment input[name=password]", who.password);
      await page.fill(".enrolment input[name=code]", "000000");
      await page.click("button:text-is('Confirmar y activar')");
      const wrong = await fieldError(page, "code");
      check(/not valid|no es válido/.test(wrong), `a wrong code is refused by the server, by the field: ${wrong}`);

      confirmedAt = Date.now();
      await page.fill(".enrolment input[name=code]", parsed.generate({ timestamp: confirmedAt }));
      await page.fill(".enrolment input[name=password]", who.password);
      await page.click("button:text-is('Confirmar y activar')");
      totp = parsed;
      const dialog = page.locator("dialog.shown-once[open]");
      await dialog.waitFor({ timeout: 10000 });
      codes = (await page.inputValue("[data-testid=shown-once-value]")).split("\n");
      check(codes.length === 10 && codes.every((c) => /^[a-z0-9]{5}-[a-z0-9]{5}$/i.test(c)), `ten emergency codes shown: ${codes.join(" ")}`);
      await shot(page, "console-security-02-emergency-codes");
      await axe(page, "emergency codes shown once");
      const sheet = await downloaded(page, () => dialog.locator("button:text-is('Descargar (.txt)')").click());
      check(sheet.name.endsWith(".txt") && codes.every((c) => sheet.text.includes(c)) && sheet.text.includes(who.login), `the downloaded sheet has the codes: ${sheet.name}`);
      step("emergency codes shown once and downloaded");

      await dialog.locator("button:text-is('Ya lo he guardado')").click();
      await dialog.waitFor({ state: "detached", timeout: 10000 });
      await page.waitForSelector("[data-testid=tfa-status]:text-is('activada')");
      await until("the focus back in the page", () => page.evaluate(() => document.activeElement?.id === "tfa-state"), 5000);
      const html = await page.content();
      const left = codes.filter((c) => html.includes(c) || html.includes(c.replace("-", "")));
      check(left.length === 0, `no emergency code is left in the page after the window closed: ${left}`);
      check(!html.includes(parsed.secret.base32), "the key is no longer in the page");
      check((await page.textContent("[data-testid=codes-left]")).includes("10"), "ten emergency codes left");
      step("codes gone from the page once the window closed; two-factor authentication on");
    });

    await withApp("sec-enrol", "again", async (page) => {
      await consoleLogin(page, who, "sessions", codes[3]);
      await page.waitForSelector("[data-testid=logins] td:has-text('Contraseña y código de emergencia')", { timeout: 10000 });
      await openScreen(page, "Seguridad");
      await page.waitForSelector("[data-testid=codes-left]:has-text('9')");
      step("logged in again with an emergency code; nine left");
      const again = await new ApiClient().request("POST", "/api/v1/session", { login: who.login, password: who.password, code: codes[3] });
      check(again.status === 401 && again.json?.error?.code === "invalid_second_factor", `an emergency code works once: ${again.status} ${again.text}`);

      // New codes, given the next period's code (this period's confirmed the enrolment; each is good once).
      const step0 = Math.floor(confirmedAt / 30000);
      await page.fill("form:has(button:text-is('Generar códigos de emergencia nuevos')) input[name=code]", totp.generate({ timestamp: (step0 + 1) * 30000 }));
      await page.click("button:text-is('Generar códigos de emergencia nuevos')");
      await answer(page, { text: who.login, button: "Generar códigos de emergencia nuevos" });
      const dialog = page.locator("dialog.shown-once[open]");
      await dialog.waitFor({ timeout: 10000 });
      const fresh = (await page.inputValue("[data-testid=shown-once-value]")).split("\n");
      check(fresh.length === 10 && !fresh.includes(codes[4]), "ten new codes");
      await dialog.locator("button:text-is('Ya lo he guardado')").click();
      await dialog.waitFor({ state: "detached" });
      check(!(await page.content()).includes(fresh[0]), "the new codes are gone from the page too");
      await page.waitForSelector("[data-testid=codes-left]:has-text('10')");
      const old = await new ApiClient().request("POST", "/api/v1/session", { login: who.login, password: who.password, code: codes[4] });
      check(old.status === 401, `an old code no longer works: ${old.status}`);
      step("new emergency codes; the old ones stopped working");

      // Turning it off: the password and a code of a later period. (Every test here logs in from 127.0.0.1, whose
      // failed logins are throttled: wrong passwords are tried in the password scenario only.)
      const form = page.locator("form:has([data-testid=tfa-disable])");
      await form.locator("input[name=code]").fill("123456");
      await form.locator("[data-testid=tfa-disable]").click();
      await answer(page, { text: who.login, button: "Desactivar" });
      check(/required|obligatori/.test(await fieldError(page, "password")), "the password is required, says the server by its field");
      await until("a later period for a new code", async () => Date.now() >= (step0 + 1) * 30000, 40000, 500);
      await form.locator("input[name=password]").fill(who.password);
      await form.locator("input[name=code]").fill(totp.generate({ timestamp: (step0 + 2) * 30000 }));
      await form.locator("[data-testid=tfa-disable]").click();
      await answer(page, { text: who.login, button: "Desactivar" });
      await page.waitForSelector("[data-testid=tfa-status]:text-is('desactivada')", { timeout: 10000 });
      step("two-factor authentication turned off with the password and a code");
    });
    const plain = await new ApiClient().login(who.login, who.password);
    check(plain.csrf, "the password alone logs in again");
  },

  // The organisation's admin makes two-factor authentication compulsory (API); a member who has it cannot turn it
  // off: the button is disabled with the reason beside it, and the API refuses too. The admin, who has none, is
  // then kept on the security page until it is set up.
  async policy() {
    const member = sec.strictMember;
    const api = await new ApiClient().login(member.login, member.password);
    const e = await api.request("POST", "/api/v1/me/2fa/enrolment");
    check(e.status === 200, `enrolment: ${e.status} ${e.text}`);
    const totp = totpOf(e.json.secret);
    const c = await api.request("POST", "/api/v1/me/2fa/confirm", { code: totp.generate(), password: member.password });
    check(c.status === 200, `confirm: ${c.status} ${c.text}`);
    const admin = await new ApiClient().login(sec.strictAdmin.login, sec.strictAdmin.password);
    const p = await admin.request("PATCH", "/api/v1/organisation/policy", { require_2fa: true });
    check(p.status === 200 && p.json.require_2fa === true, `policy: ${p.status} ${p.text}`);
    step("Strict requires two-factor authentication; its member has it on");

    await withApp("sec-policy", "member", async (page) => {
      // This period's code went to the confirmation; a code is good once, so the next period's.
      await consoleLogin(page, member, "security", totp.generate({ timestamp: Date.now() + 30000 }));
      await page.waitForSelector("[data-testid=tfa-status]:text-is('activada')");
      const button = page.locator("[data-testid=tfa-disable]");
      check(await button.isDisabled(), "the turn-off button is disabled");
      const reason = (await page.textContent("[data-testid=tfa-required]")).trim();
      check(/organización exige/.test(reason), `the reason is shown: ${reason}`);
      check((await button.getAttribute("aria-describedby")) === (await page.getAttribute("[data-testid=tfa-required]", "id")), "the button is described by the reason");
      await shot(page, "console-security-03-policy-requires-2fa");
      await axe(page, "security centre (two-factor required)");
      const refused = await page.evaluate(async ([password]) => {
        const csrf = (await (await fetch("/api/v1/session")).json()).csrf_token;
        const r = await fetch("/api/v1/me/2fa/disable", { method: "POST", headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify({ password, code: "123456" }) });
        return { status: r.status, body: await r.json() };
      }, [member.password]);
      check(refused.status === 403 && /requires two-factor/.test(refused.body.error.message), `the API refuses too: ${JSON.stringify(refused)}`);
      step("turning off refused: disabled with its reason, and 403 from the API");
    });
    const me = await api.request("GET", "/api/v1/me");
    check(me.json.security.two_factor === true && me.json.security.two_factor_required === true, `still on: ${me.text}`);

    // Strict's admin has no second factor: logged in, the app shows the security page alone until it is set up
    // (the server opens nothing else, JMAP included); once it is, the mail opens.
    const strict = sec.strictAdmin;
    await withApp("sec-policy", "admin", async (page) => {
      await page.goto(env.base + "/");
      await page.fill("input[name=login]", strict.login);
      await page.fill("input[name=password]", strict.password);
      await page.click("form button[type=submit]");
      await page.waitForSelector(".console [data-testid=tfa-status]:text-is('desactivada')", { timeout: 15000 });
      const nav = await page.$$eval(".console-nav a", (links) => links.map((a) => a.textContent.trim()));
      check(nav.length === 1 && nav[0] === "Seguridad", `only the security page: ${nav}`);
      check(!(await page.isVisible("[data-testid=back-to-mail]")), "no way back to the mail yet");
      check(/exige la verificación en dos pasos/.test(await page.textContent(".console-main")), "the page says why");
      const closed = await page.evaluate(async () => {
        const r = await Promise.all(["/api/v1/me/sessions", "/jmap/session"].map((u) => fetch(u)));
        return r.map((x) => x.status);
      });
      check(closed[0] === 403 && closed[1] === 403, `the rest is closed until then: ${closed}`);
      await shot(page, "console-security-04-policy-enrol-first");
      await axe(page, "enrolment required by the organisation");
      await page.click("button:text-is('Activar la verificación en dos pasos')");
      const key = (await page.textContent("[data-testid=totp-secret]")).replace(/\s/g, "");
      const admin2fa = totpOf(key);
      await page.fill(".enrolment input[name=code]", admin2fa.generate());
      await page.fill(".enrolment input[name=password]", strict.password);
      await page.click("button:text-is('Confirmar y activar')");
      const dialog = page.locator("dialog.shown-once[open]");
      await dialog.waitFor({ timeout: 10000 });
      await dialog.locator("button:text-is('Ya lo he guardado')").click();
      await page.waitForSelector("[data-testid=open-console]", { timeout: 15000 });
      check(!(await page.isVisible(".console")), "the mail opens once it is set up");
      const open = await page.evaluate(async () => (await fetch("/jmap/session")).status);
      check(open === 200, `JMAP opens too: ${open}`);
      step("an admin without a second factor under the policy: the security page alone, enrolment, then the mail");
    });
  },

  // Two browsers of one user: the first ends the second's session from the sessions screen; the second's next
  // request returns it to the login with the notice. Then many sessions page, "end all others" ends them, and the
  // login history pages.
  async terminate() {
    const who = sec.sessions;
    const second = await launch(path.join(process.env.WEBAPP_PROFILES, "sec-terminate-second"));
    try {
      const page2 = second.pages()[0] ?? (await second.newPage());
      const w2 = watch(page2, "second");
      await consoleLogin(page2, who, "security");
      const secondId = await page2.evaluate(async () => (await (await fetch("/api/v1/session")).json()).session.id);

      await withApp("sec-terminate", "first", async (page) => {
        await consoleLogin(page, who, "sessions");
        const row = page.locator(`[data-testid=sessions] tr[data-session="${secondId}"]`);
        await row.waitFor({ timeout: 10000 });
        const current = page.locator("[data-testid=sessions] tr.current");
        check((await current.count()) === 1 && (await current.locator("button").count()) === 0, "this browser's session is marked and has no end button");
        check((await current.textContent()).includes("Esta sesión"), "the current session says so");
        check((await row.textContent()).includes("Chrome"), `the device is readable: ${await row.textContent()}`);
        check((await row.locator("td[data-label='Ubicación']").textContent()).includes("No disponible"), "no location, said so");
        await shot(page, "console-security-04-sessions");
        await axe(page, "sessions and devices");
        await row.locator("button:text-is('Cerrar')").click();
        const said = await answer(page, { text: "127.0.0.1", button: "Cerrar" });
        check(said.includes("Chrome"), `the question names the session: ${said}`);
        await row.waitFor({ state: "detached", timeout: 10000 });
        await page.waitForSelector("[role=status]:has-text('Se ha cerrado la sesión')");
        step("the second browser's session ended from the first");

        await page2.click(".console-nav a:text-is('Registro de actividad')");
        await page2.waitForSelector("input[name=login]", { timeout: 10000 });
        const notice = await page2.textContent(".login .notice");
        check(notice.includes("Tu sesión ha terminado"), `the login says the session ended: ${notice}`);
        await shot(page2, "console-security-05-session-ended-notice");
        step("the second browser is at the login with the session-ended notice");

        // A mail program connected with a device password: listed, and disconnected from here.
        const imap = await imapConnection(device.address, device.password);
        await openScreen(page, "Seguridad");
        await openScreen(page, "Sesiones y dispositivos");
        const conn = page.locator(`[data-testid=connections] tr:has-text("${device.label}")`);
        await conn.waitFor({ timeout: 10000 });
        check((await conn.textContent()).includes("IMAP") && (await conn.textContent()).includes(device.address), `the connection row: ${await conn.textContent()}`);
        await shot(page, "console-security-05b-mail-connection");
        await conn.locator("button:text-is('Desconectar')").click();
        await answer(page, { text: device.label, button: "Desconectar" });
        const closed = await Promise.race([imap.closed.then(() => true), new Promise((ok) => setTimeout(() => ok(false), 10000))]);
        check(closed, "the IMAP connection was closed by the server");
        await conn.waitFor({ state: "detached", timeout: 10000 });
        step("an IMAP connection listed with its device and closed from the sessions screen");

        // Eleven more sessions (a program's logins): the list pages, and "end all others" ends them.
        const clients = [];
        for (let i = 0; i < 11; i++) clients.push(await new ApiClient().login(who.login, who.password));
        await page.click(".console-nav a:text-is('Seguridad')");
        await openScreen(page, "Sesiones y dispositivos");
        await page.waitForSelector(".console-section:has([data-testid=sessions]) .pager span:has-text('1–10 de 12')");
        await page.click(".console-section:has([data-testid=sessions]) .pager button:text-is('Siguiente')");
        await page.waitForSelector(".console-section:has([data-testid=sessions]) .pager span:has-text('11–12 de 12')");
        await page.click("button:text-is('Cerrar todas las demás sesiones')");
        await answer(page, { text: "11", button: "Cerrar todas las demás sesiones" });
        await page.waitForSelector("[role=status]:has-text('Sesiones cerradas: 11')");
        await until("one session left in the list", async () => (await page.locator("[data-testid=sessions] tbody tr").count()) === 1, 10000);
        const gone = await clients[5].request("GET", "/api/v1/session");
        check(gone.status === 401, `another session ended: ${gone.status}`);
        step("eleven sessions paged and ended at once; this one stays");

        // The login history, 20 a page: 8 more logins make it more than one page (the IMAP login is on the second).
        for (let i = 0; i < 8; i++) await new ApiClient().login(who.login, who.password);
        const counter = await new ApiClient().login(who.login, who.password);
        const total = (await counter.request("GET", "/api/v1/me/logins?limit=500")).json.logins.length;
        check(total > 20 && total < 40, `logins so far: ${total}`);
        await page.reload();
        const logins = page.locator("[data-testid=logins] tbody tr");
        await logins.first().waitFor();
        check((await logins.count()) === 20, "twenty logins on the first page");
        const history = page.locator(".console-section:has([data-testid=logins]) .pager");
        await history.locator("button:text-is('Siguiente')").click();
        await page.waitForSelector(".console-section:has([data-testid=logins]) .pager span:text-is('Página 2')");
        await until("the second page of logins", async () => (await logins.count()) === total - 20, 10000);
        const mail = page.locator(`[data-testid=logins] tr:has-text("IMAP · ${device.label}")`);
        check((await mail.count()) === 1 && (await mail.textContent()).includes("Contraseña de dispositivo"), "the IMAP login is in the history with its device");
        await shot(page, "console-security-05c-login-history");
        await history.locator("button:text-is('Anterior')").click();
        await until("the first page again", async () => (await logins.count()) === 20, 10000);
        step(`login history paged (${total} logins, the IMAP one with its device)`);
      });
      check(w2.errors.length === 0, w2.errors.join("\n"));
    } finally {
      await second.close();
    }
  },

  // The current password wrong: the server's message beside that field; too short a new one: beside that one;
  // then a real change, and the new password logs in (the old one no longer does).
  async password() {
    const who = sec.password;
    const fresh = "pw's second long password";
    await withApp("sec-password", "pw", async (page) => {
      await consoleLogin(page, who, "account");
      await page.fill("[name=current_password]", "not my password");
      await page.fill("[name=new_password]", fresh);
      await page.fill("[name=confirm_password]", fresh);
      await page.click("button:text-is('Cambiar la contraseña')");
      const wrong = await fieldError(page, "current_password");
      check(/^(wrong password|la contraseña no es correcta)$/.test(wrong), `the server's message by the current password: ${wrong}`);
      await shot(page, "console-security-06-password-wrong");
      await axe(page, "account (password error)");
      step("wrong current password: the server's message by its field");

      await page.fill("[name=current_password]", who.password);
      await page.fill("[name=new_password]", "short");
      await page.fill("[name=confirm_password]", "short");
      await page.click("button:text-is('Cambiar la contraseña')");
      const short = await fieldError(page, "new_password");
      check(/at least 10 characters|al menos 10 caracteres/.test(short), `the server's message by the new password: ${short}`);
      await page.fill("[name=confirm_password]", "something else entirely");
      await page.fill("[name=new_password]", fresh);
      await page.click("button:text-is('Cambiar la contraseña')");
      check(/no son iguales/.test(await fieldError(page, "confirm_password")), "the confirmation must match");

      await page.fill("[name=current_password]", who.password);
      await page.fill("[name=confirm_password]", fresh);
      await page.click("button:text-is('Cambiar la contraseña')");
      await page.waitForSelector("[role=status]:has-text('Contraseña cambiada')");
      check((await page.inputValue("[name=current_password]")) === "", "the form is emptied");
      step("password changed");

      await page.click(".topbar button:text-is('Cerrar sesión')");
      await page.waitForSelector("input[name=login]", { timeout: 10000 });
      await consoleLogin(page, { login: who.login, password: fresh }, "account");
      step("logged in with the new password");
    });
    const old = await new ApiClient().request("POST", "/api/v1/session", { login: who.login, password: who.password });
    check(old.status === 401, `the old password no longer works: ${old.status}`);
  },

  // The last admin of an organisation cannot delete their account (the server's explanation is shown); a member
  // deletes theirs and can no longer log in.
  async delete() {
    await withApp("sec-delete", "admin", async (page) => {
      const who = sec.soloAdmin;
      await consoleLogin(page, who, "account");
      await page.fill(".console-section:has-text('Eliminar mi cuenta') [name=password]", who.password);
      await page.click(".console-section button[type=submit]:text-is('Eliminar mi cuenta')");
      await answer(page, { text: who.login, button: "Eliminar mi cuenta" });
      await page.waitForSelector("[data-testid=delete-error] [role=alert]", { timeout: 10000 });
      const why = await page.textContent("[data-testid=delete-error] [role=alert]");
      check(/^No se ha eliminado tu cuenta: .*(last administrator|último administrador)/.test(why), `the refusal explains itself: ${why}`);
      await shot(page, "console-security-07-delete-last-admin");
      await axe(page, "account (delete refused)");
      step("the last admin's deletion is refused with the reason");
    });
    const still = await new ApiClient().login(sec.soloAdmin.login, sec.soloAdmin.password);
    check(still.csrf, "the admin's account is still there");

    const member = sec.soloMember;
    await withApp("sec-delete", "member", async (page) => {
      await consoleLogin(page, member, "account");
      check((await page.textContent(".console-section:has-text('Eliminar mi cuenta')")).includes("se quedan en tu organización"), "the page says the addresses stay");
      await page.fill(".console-section:has-text('Eliminar mi cuenta') [name=password]", member.password);
      await page.click(".console-section button[type=submit]:text-is('Eliminar mi cuenta')");
      await answer(page, { text: member.login, button: "Eliminar mi cuenta" });
      await page.waitForSelector("#console-page-title:text-is('Cuenta eliminada')", { timeout: 10000 });
      await shot(page, "console-security-08-deleted");
      await page.goto(env.base + "/");
      await page.fill("input[name=login]", member.login);
      await page.fill("input[name=password]", member.password);
      await page.click("form button[type=submit]");
      await page.waitForSelector(".login [role=alert]:has-text('no son correctos')", { timeout: 10000 });
      step("a member deleted their account; logging in is refused");
    });
  },

  // The activity log: filters by product and kind of action narrow the list, dates too, pages of 25, and the CSV of
  // what the filters select parses and holds a row made here.
  async activity() {
    const who = sec.activity;
    const api = await new ApiClient().login(who.login, who.password);
    for (let i = 0; i < 30; i++) {
      const r = await api.request("PATCH", "/api/v1/me/security", { alert_on_failure: i % 2 === 0 });
      check(r.status === 200, `settings: ${r.status} ${r.text}`);
    }
    for (let i = 0; i < 3; i++) check((await api.request("PUT", "/api/v1/me/preferences", { theme: "dark", n: i })).status === 200, "preferences");
    // An entry whose detail needs quoting in CSV (the token's label): comma, double quotes, a leading "=".
    const label = '=Portátil "casa", 2';
    const t = await api.request("POST", "/api/v1/me/tokens", { label });
    check(t.status === 201, `token: ${t.status} ${t.text}`);
    step("30 security settings, 3 web mail settings and an API token made through the API");

    await withApp("sec-activity", "activity", async (page) => {
      await consoleLogin(page, who, "activity");
      const rows = page.locator("[data-testid=activity] tbody tr");
      await until("a full first page", async () => (await rows.count()) === 25, 10000);
      await shot(page, "console-security-09-activity");
      await axe(page, "activity log");
      await page.click(".pager button:text-is('Siguiente')");
      await page.waitForSelector(".pager span:text-is('Página 2')");
      await until("the second page", async () => { const n = await rows.count(); return n > 0 && n < 25; }, 10000);
      const second = await rows.count();
      check(second === 36 - 25, `the rest on page 2 (two logins, 30 settings, 3 mail, a token): ${second}`);
      step("paged: 25 and then " + second);

      await page.selectOption("select[name=product]", "mail");
      await page.click("button:text-is('Filtrar')");
      await until("only web mail entries", async () => (await rows.count()) === 3, 10000);
      check((await page.$$eval("[data-testid=activity] tbody tr", (t) => t.map((r) => r.dataset.product))).every((p) => p === "mail"), "every entry is web mail");
      check((await page.textContent("[data-testid=activity-count]")).includes("3"), "the count is announced");
      step("product filter: 3 web mail entries");

      const mailCsv = await downloaded(page, () => page.click("[data-testid=export-csv]"));
      const mailRows = parseCsv(mailCsv.text.replace(/^\ufeff/, ""));
      check(mailCsv.name.endsWith(".csv") && mailRows.length === 4, `the CSV has a header and the 3 filtered rows: ${mailRows.length}`);
      check(mailRows[0].join(",") === "id,time,actor,action,target,product,ip,detail", `CSV header: ${mailRows[0]}`);
      check(mailRows.slice(1).every((r) => r[2] === who.login && r[3] === "mail.preferences_changed" && r[5] === "mail" && r[6] === "127.0.0.1"), `the CSV rows: ${JSON.stringify(mailRows[1])}`);
      check(!isNaN(Date.parse(mailRows[1][1])), `times are ISO 8601: ${mailRows[1][1]}`);
      await page.waitForSelector("[role=status]:has-text('Entradas exportadas: 3')");
      step("CSV of the filtered list: 3 rows that parse");

      await page.selectOption("select[name=product]", "");
      await page.selectOption("select[name=action]", "security.settings");
      await page.click("button:text-is('Filtrar')");
      await until("security settings only, page 1", async () => (await rows.count()) === 25, 10000);
      check(await page.isDisabled(".pager button:text-is('Anterior')"), "a new filter starts at page 1");
      check((await page.$$eval("[data-testid=activity] tbody tr", (t) => t.map((r) => r.dataset.action))).every((a) => a === "security.settings"), "every entry is a settings change");
      const all = await downloaded(page, () => page.click("[data-testid=export-csv]"));
      const allRows = parseCsv(all.text.replace(/^\ufeff/, ""));
      check(allRows.length === 31 && allRows.slice(1).some((r) => r[7].includes("alert_on_failure=true")), `the export has every page (30), not only the one shown: ${allRows.length - 1}`);
      step("kind-of-action filter: 30 settings changes over two pages; the CSV has all 30");

      await page.selectOption("select[name=action]", "security.token");
      await page.click("button:text-is('Filtrar')");
      await until("the token's entry only", async () => (await rows.count()) === 1, 10000);
      const tokenRows = parseCsv((await downloaded(page, () => page.click("[data-testid=export-csv]"))).text.replace(/^\ufeff/, ""));
      check(tokenRows.length === 2 && tokenRows[1][3] === "security.token_created" && tokenRows[1][7] === "'" + label, `a detail with a comma, quotes and a leading = survives the CSV (made harmless): ${JSON.stringify(tokenRows[1])}`);
      step("a detail with a comma, quotes and a leading = reads back from the CSV");

      const tomorrow = new Date(Date.now() + 86400000);
      const day = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
      await page.selectOption("select[name=action]", "");
      await page.fill("input[name=since]", day(tomorrow));
      await page.click("button:text-is('Filtrar')");
      await page.waitForSelector("[data-testid=activity-count]:text-is('Nada coincide con estos filtros.')", { timeout: 10000 });
      await page.fill("input[name=since]", day(new Date()));
      await page.fill("input[name=until]", day(new Date(Date.now() - 86400000)));
      await page.click("button:text-is('Filtrar')");
      check(/anterior a la inicial/.test(await fieldError(page, "until")), "an end before the start is refused by the field");
      await page.click("button:text-is('Quitar los filtros')");
      await until("everything again", async () => (await rows.count()) === 25, 10000);
      step("date range: nothing from tomorrow on; a backwards range refused; cleared");
    });
  },

  // Every screen passes axe-core; on a phone (390×844) the keyboard alone opens the menu, reaches the activity log
  // and filters it.
  async screens() {
    const ana = users.ana;
    await withApp("sec-screens", "ana", async (page) => {
      await consoleLogin(page, ana, "security");
      await axe(page, "security centre");
      // The lockout threshold: below the organisation's minimum the server says so by the field; within, saved.
      const lockout = page.locator(".console-section:has(input[name=lockout_threshold])");
      await lockout.locator("input[name=lockout_threshold]").fill("2");
      await lockout.locator("button:text-is('Guardar')").click();
      check(/between 3|entre 3/.test(await fieldError(page, "lockout_threshold")), "a threshold under the minimum is refused by its field");
      await lockout.locator("input[name=lockout_threshold]").fill("5");
      await lockout.locator("button:text-is('Guardar')").click();
      await lockout.locator("p:has-text('tras 5 intentos fallidos')").waitFor({ timeout: 10000 });
      // Alerts on a failed login.
      const alerts = page.locator(".console-section:has(input[name=alert_on_failure])");
      await alerts.locator("input[name=alert_on_failure]").check();
      await alerts.locator("button:text-is('Guardar')").click();
      await alerts.locator("[role=status]:text-is('Guardado.')").waitFor({ timeout: 10000 });
      const settings = (await (await new ApiClient().login(ana.login, ana.password)).request("GET", "/api/v1/me")).json.security;
      check(settings.lockout_threshold === 5 && settings.alert_on_failure === true && settings.alert_on_success === false, `saved: ${JSON.stringify(settings)}`);
      step("lockout threshold and login alerts saved (the minimum refused by the server, by its field)");
      for (const [label, n] of [["Sesiones y dispositivos", "10"], ["Registro de actividad", "11"], ["Mi cuenta", "12"]]) {
        await openScreen(page, label);
        await page.waitForSelector(".console-main .console-section, .console-main table, .console-main form");
        await page.waitForFunction(() => !document.querySelector(".console-main [role=status]")?.textContent?.includes("Cargando"));
        await shot(page, `console-security-${n}-${label.split(" ")[0].toLowerCase()}`);
        await axe(page, label);
      }

      // On "Mi cuenta" (the last screen opened): the name, and the language of the app and of the alerts.
      await page.fill("input[name=display_name]", "Ana María");
      await page.click(".console-section:has(input[name=display_name]) button:text-is('Guardar')");
      await page.waitForSelector(".console-section:has(input[name=display_name]) [role=status]:text-is('Guardado.')");
      const api = await new ApiClient().login(ana.login, ana.password);
      check((await api.request("GET", "/api/v1/me")).json.display_name === "Ana María", "the name is saved");
      await page.selectOption("select[name=language]", "en");
      await page.waitForSelector("#console-page-title:text-is('My account')");
      await page.waitForSelector("[role=status]:text-is('Language changed.')");
      check(await page.isVisible(".console-nav a:text-is('Sessions and devices')"), "the console follows the language");
      await until("the language saved", async () => (await api.request("GET", "/api/v1/me/preferences")).json.language === "en" && (await api.request("GET", "/api/v1/me")).json.security.language === "en", 10000);
      await shot(page, "console-security-12b-account-english");
      await axe(page, "account (English)");
      await page.selectOption("select[name=language]", "es");
      await page.waitForSelector("#console-page-title:text-is('Mi cuenta')");
      step("name saved; language of the app and of the alerts changed to English and back");

      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(env.base + "/#/console/security");
      await page.waitForSelector("#console-page-title:text-is('Seguridad')");
      check(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "nothing wider than the phone");
      await shot(page, "console-security-13-phone");
      await axe(page, "security centre on a phone");

      // What has the focus: a field by its name, anything else by its label or text.
      const focused = () => page.evaluate(() => {
        const e = document.activeElement;
        if (!e) return "";
        if (e.matches("input, select, textarea")) return e.getAttribute("name") ?? "";
        return (e.getAttribute("aria-label") || e.textContent || "").trim();
      });
      async function tabTo(want, limit = 60) {
        for (let i = 0; i < limit; i++) {
          await page.keyboard.press("Tab");
          if ((await focused()) === want) return;
        }
        throw new Error(`Tab never reached ${want}`);
      }
      await tabTo("Secciones de la consola");
      await page.keyboard.press("Enter");
      await page.waitForSelector(".console.menu-open .console-nav");
      await tabTo("Registro de actividad");
      await page.keyboard.press("Enter");
      await page.waitForSelector("#console-page-title:text-is('Registro de actividad')");
      await until("the new page's title has the focus", () => page.evaluate(() => document.activeElement?.id === "console-page-title"), 3000);
      await tabTo("product");
      await page.keyboard.press("ArrowDown"); // the first product: security
      await tabTo("Filtrar");
      await page.keyboard.press("Enter");
      await until("the list filtered by the keyboard", async () => {
        const products = await page.$$eval("[data-testid=activity] tbody tr", (t) => t.map((r) => r.dataset.product));
        return products.length > 0 && products.every((p) => p === "security");
      }, 10000);
      check(await page.evaluate(() => document.documentElement.scrollWidth <= 390), "the activity log fits the phone");
      await shot(page, "console-security-14-phone-activity-keyboard");
      await axe(page, "activity log on a phone");
      step("phone: menu, activity log and its filter reached and used with the keyboard alone");
    });
  },
};

await runScenario(scenarios, {});
