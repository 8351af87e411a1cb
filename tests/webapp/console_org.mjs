// The console's organisation, address-users, devices and trace screens in
// Debian's Chromium (tests/web/test_console_org.py starts the server and
// runs one scenario per call: node console_org.mjs SCENARIO). Mail logins
// go through Python's imaplib in a child process (STARTTLS on the IMAP
// listener), one of them kept open while the page revokes its password.
//
// Environment: that of e2e.mjs, plus WEBAPP_PORTS (JSON: protocol → port)
// and WEBAPP_ORG (JSON: the admin, the member without an address, the
// shared address, another organisation's address, the service to lock and
// its address).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ApiClient, answer, axe, check, env, login, message, readQr, runScenario, shot, smtpSend, step, until, withApp } from "./lib.mjs";

const users = JSON.parse(process.env.WEBAPP_USERS || "{}");
const org = JSON.parse(process.env.WEBAPP_ORG || "{}");
const ports = JSON.parse(process.env.WEBAPP_PORTS || "{}");
const uniq = () => Math.random().toString(36).slice(2, 8);

// --- the console

/** Opens #/console/{path} and waits for its page heading. */
async function open(page, screen, ...args) {
  const hash = "#/" + ["console", screen, ...args].map(encodeURIComponent).join("/");
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.waitForSelector("#console-page-title", { timeout: 10000 });
}

async function toast(page, text) {
  await page.waitForSelector(`.toast:has-text("${text}")`, { timeout: 10000 });
}

/** Closes the toasts (for a screenshot of what is under them). */
async function clearToasts(page) {
  for (const b of await page.locator(".toast button.icon").all()) await b.click().catch(() => {});
}

/** Presses Tab until `test(arg)`, run in the page, says the focus is where wanted; fails after `max` presses. */
async function tabTo(page, what, test, arg = null, max = 80) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate(test, arg)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

// --- IMAP through imaplib (STARTTLS: the test listener refuses LOGIN in clear)

const IMAP_CONNECT = `
import imaplib, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]), timeout=15)
m.starttls(ssl_context=ctx)
`;

/** One IMAP login: "OK" or "NO <the server's text>". */
function imapLogin(user, password) {
  const r = spawnSync("python3", ["-c", IMAP_CONNECT + `
try:
    m.login(sys.argv[2], sys.argv[3])
    print("OK")
    m.logout()
except imaplib.IMAP4.error as e:
    print("NO", e)
`, String(ports.imap), user, password], { encoding: "utf8", timeout: 20000 });
  check(r.status === 0, `imaplib: ${r.status} ${r.stderr}`);
  return r.stdout.trim();
}

/** An IMAP session kept open in a child: logged in with INBOX selected; noop() answers "NOOP OK" or "ENDED …". */
async function imapSession(user, password) {
  const child = spawn("python3", ["-u", "-c", IMAP_CONNECT + `
try:
    m.login(sys.argv[2], sys.argv[3])
    m.select("INBOX")
except Exception as e:
    print("NO", e, flush=True)
    sys.exit(0)
print("LOGGED IN", flush=True)
for line in sys.stdin:
    try:
        typ, data = m.noop()
        print("NOOP", typ, flush=True)
    except Exception as e:
        print("ENDED", type(e).__name__, e, flush=True)
        break
`, String(ports.imap), user, password], { stdio: ["pipe", "pipe", "pipe"] });
  const lines = [];
  let waiting = null;
  let buf = "";
  child.stdout.on("data", (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (waiting) { const w = waiting; waiting = null; w(); }
    }
  });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d.toString(); });
  const next = async () => {
    if (!lines.length) {
      await Promise.race([
        new Promise((ok) => { waiting = ok; }),
        new Promise((ok) => child.once("exit", ok)),
        new Promise((ok) => setTimeout(ok, 10000)),
      ]);
    }
    return lines.shift() ?? `ENDED (no answer; exit ${child.exitCode}; ${stderr.trim()})`;
  };
  const first = await next();
  check(first === "LOGGED IN", `the IMAP login with the device password: ${first}`);
  return {
    noop: async () => {
      if (child.exitCode !== null || !child.stdin.writable) return "ENDED (process gone)";
      child.stdin.write("noop\n");
      return next();
    },
    close: () => { if (child.exitCode === null) child.kill(); },
  };
}

/** A property list as Python's plistlib reads it (JSON), or the failure. */
function plist(file) {
  const r = spawnSync("python3", ["-c", `
import json, plistlib, sys
with open(sys.argv[1], "rb") as f:
    d = plistlib.load(f, fmt=plistlib.FMT_XML)
print(json.dumps(d, default=str))
`, file], { encoding: "utf8", timeout: 20000 });
  check(r.status === 0, `the .mobileconfig is not a property list: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

async function apiAs(user) {
  return new ApiClient().login(user.login, user.password);
}

async function myAddresses(client) {
  const r = await client.request("GET", "/api/v1/me/addresses");
  check(r.status === 200, `GET /me/addresses: ${r.status} ${r.text}`);
  return r.json.addresses;
}

const scenarios = {
  // A member: the organisation is not in the navigation; opening it, the server refuses (403) and the page says so;
  // another organisation's address is not found on the users and trace screens.
  async member_refused() {
    const carol = users.carol;
    await withApp("org-member", "carol", async (page) => {
      await login(page, carol.login, carol.password);
      await open(page, "devices");
      const nav = await page.locator("#console-nav a").allTextContents();
      check(nav.includes("Mis dispositivos") && nav.includes("Rastreo de mensajes"), `a member's navigation: ${nav}`);
      check(!nav.some((t) => t.includes("Organización")), `the organisation is not in a member's navigation: ${nav}`);
      step("the organisation screen is not in a member's navigation");

      const refused = page.waitForResponse((r) => r.url().includes("/api/v1/addresses?usage=1"));
      await open(page, "organisation");
      check((await refused).status() === 403, "the server refuses the organisation's addresses to a member");
      await page.waitForSelector(".console-page .notice:has-text('No puedes ver esta página')");
      check(await page.locator("[data-testid=members], [data-testid=addresses]").count() === 0, "no member or address list is shown");
      await shot(page, "console-org-01-member-refused");
      await axe(page, "organisation refused to a member");
      step("#/console/organisation: 403 from the server, and the page says it is for administrators");

      const missing = page.waitForResponse((r) => r.url().includes("/api/v1/addresses/" + encodeURIComponent(org.other)));
      await open(page, "address", org.other);
      check((await missing).status() === 404, "another organisation's address is not found by the server");
      await page.waitForSelector(`.notice:has-text("No hay ninguna dirección ${org.other} en tu organización")`);
      await open(page, "trace", org.other);
      await page.waitForSelector(`[role=alert]:has-text("No hay ninguna dirección ${org.other} en tu organización")`);
      check(await page.locator("[data-testid=trace]").count() === 0, "no trace of another organisation's address");
      step("another organisation's address: not found on the users and trace screens");

      await open(page, "address", carol.own);
      await page.waitForSelector(".notice:has-text('No puedes ver esta página')");
      step("the users of the member's own address: for administrators only");
    });
  },

  // The admin adds a member (the server's message by the field first), changes the role, removes them.
  async admin_members() {
    const admin = org.admin;
    const api = await apiAs(admin);
    const erin = `erin.${uniq()}@demo.example`;
    const roleOf = async (login) => (await api.request("GET", "/api/v1/users")).json.users.find((u) => u.login === login)?.role;

    await withApp("org-admin", "olga", async (page) => {
      await login(page, admin.login, admin.password);
      await open(page, "organisation");
      await page.waitForSelector("[data-testid=members] tr[data-login]");
      check(await page.locator("#console-nav a:text-is('Organización')").count() === 1, "the organisation is in an admin's navigation");
      await shot(page, "console-org-02-members");
      await axe(page, "organisation: members");

      // Refused by the server: the message by the login field.
      const form = page.locator("form:has(button:text-is('Añadir el miembro'))");
      await form.locator("button[type=submit]").click();
      const loginField = form.locator(".field:has(input[name=login])");
      await loginField.locator(".field-error").waitFor({ timeout: 10000 });
      check(await loginField.locator("input").getAttribute("aria-invalid") === "true", "the login field is marked invalid");
      step(`an empty login: the server's message by the field ("${await loginField.locator(".field-error").textContent()}")`);

      await form.locator("input[name=login]").fill(erin);
      await form.locator("input[name=display_name]").fill("Erin");
      await form.locator("input[name=password]").fill("erin's long password");
      await form.locator("button[type=submit]").click();
      await toast(page, `${erin} es ahora miembro`);
      await page.waitForSelector(`[data-testid=members] tr[data-login="${erin}"]`);
      check(await roleOf(erin) === "member", "the new member is a member on the server");
      check(await form.locator("input[name=login]").inputValue() === "", "the form is empty again");
      step("member added (GET /users agrees)");

      await page.click(`button[aria-label="Cambiar el rol de ${erin}"]`);
      const dialog = page.locator("dialog[open]:has(select[name=role])");
      await dialog.waitFor();
      await dialog.locator("select[name=role]").selectOption("legal");
      await shot(page, "console-org-03-change-role");
      await axe(page, "change role dialog");
      await dialog.locator("button[type=submit]").click();
      await dialog.waitFor({ state: "detached" });
      await page.waitForSelector(`[data-testid=members] tr[data-login="${erin}"] [data-testid=role]:text-is("Responsable legal")`);
      check(await roleOf(erin) === "legal", "the role changed on the server");
      step("role changed to legal representative (GET /users agrees)");

      await page.click(`button[aria-label="Quitar a ${erin} de la organización"]`);
      await answer(page, { text: `Erin (${erin}) ya no podrá iniciar sesión`, button: "Quitar" });
      await page.waitForSelector(`[data-testid=members] tr[data-login="${erin}"]`, { state: "detached" });
      check(await roleOf(erin) === undefined, "the member is gone on the server");
      step("member removed after a confirmation naming them");
    });
  },

  // The admin locks a mail service (an IMAP login to its address is refused, the page says why) and unlocks it;
  // the domains link to their DNS; every part of the organisation fits a phone.
  async admin_services() {
    const admin = org.admin;
    const api = await apiAs(admin);
    const bobApi = await apiAs(users.bob);
    const made = await bobApi.request("POST", "/api/v1/addresses/" + encodeURIComponent(org.locked) + "/devices", { label: "bob's laptop" });
    check(made.status === 201, `bob's device password: ${made.status} ${made.text}`);
    const devicePassword = made.json.password;
    check(imapLogin(org.locked, devicePassword) === "OK", "the device password logs in before the lock");

    await withApp("org-services", "olga", async (page) => {
      await login(page, admin.login, admin.password);
      await open(page, "organisation", "services");
      const row = page.locator(`[data-testid=services] tr[data-service="${org.lockService}"]`);
      await row.waitFor();
      check((await row.locator("[data-testid=state]").textContent()).includes("Abierto"), "the service is open");
      await axe(page, "organisation: services");
      await row.locator("button:text-is('Bloquear')").click();
      const said = await answer(page, { text: `las direcciones de ${org.lockService} (1)`, button: "Bloquear" });
      check(said.includes("se cierran al instante"), `the lock confirmation says open connections close: ${said}`);
      await toast(page, `${org.lockService} está bloqueado`);
      await row.locator("[data-testid=state]:has-text('Bloqueado')").waitFor();
      check((await row.locator("[data-testid=state]").textContent()).includes("se rechazan sus inicios de sesión"), "the page says why logins are refused");
      await shot(page, "console-org-04-service-locked");
      check((await api.request("GET", "/api/v1/services")).json.services.find((s) => s.name === org.lockService).locked, "locked on the server");
      const refused = imapLogin(org.locked, devicePassword);
      check(refused.startsWith("NO") && /locked/.test(refused), `an IMAP login to the locked service's address is refused: ${refused}`);
      step(`service locked in the page; IMAP login refused (${refused})`);

      await page.click("nav.org-parts a:has-text('Direcciones')");
      const addr = page.locator(`[data-testid=addresses] tr[data-address="${org.locked}"]`);
      await addr.waitFor();
      check((await addr.textContent()).includes(`porque ${org.lockService} está bloqueado`), "the address says why it refuses logins");
      check(await addr.locator(`a[href="#/console/address/${encodeURIComponent(org.locked)}"]`).count() > 0, "the address links to its users");
      await clearToasts(page);
      await shot(page, "console-org-05-addresses");
      await axe(page, "organisation: addresses");
      step("the locked service's address says why it refuses logins");
      await open(page, "address", org.locked);
      await page.waitForSelector(`[data-testid=locked]:has-text("porque ${org.lockService} está bloqueado")`);
      step("the address's users screen says why its logins are refused");

      await open(page, "organisation", "services");
      await row.locator("button:text-is('Desbloquear')").click();
      await toast(page, `${org.lockService} está desbloqueado`);
      await row.locator("[data-testid=state]:has-text('Abierto')").waitFor();
      check(imapLogin(org.locked, devicePassword) === "OK", "the device password logs in again once unlocked");
      step("service unlocked; IMAP login accepted again");

      await page.click("nav.org-parts a:has-text('Dominios')");
      await page.waitForSelector('[data-testid=domains] a[href="#/console/dns/lock.example"]');
      await shot(page, "console-org-06-domains");
      await axe(page, "organisation: domains");
      step("each domain links to its DNS screen");

      await page.setViewportSize({ width: 390, height: 844 });
      for (const part of ["members", "services", "domains", "addresses"]) {
        await open(page, "organisation", part);
        await page.waitForSelector(`[data-testid=${part}] tbody tr`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        check(overflow <= 0, `the organisation's ${part} fit a phone's screen (${overflow} px too wide)`);
      }
      await clearToasts(page);
      await shot(page, "console-org-13-phone-addresses");
      await open(page, "address", org.locked);
      await page.waitForSelector("[data-testid=access] tbody tr");
      check(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth) <= 0, "an address's users fit a phone's screen");
      await clearToasts(page);
      await shot(page, "console-org-14-phone-address-users");
      step("every part of the organisation and an address's users fit 390 px");
    });
  },

  // The users of an address: a member given access by login has it at once; the special-folders permission; the
  // two ways to take something away, each confirmed with what it does.
  async address_users() {
    const admin = org.admin;
    const dave = org.dave;
    const api = await apiAs(admin);
    const daveApi = await apiAs(dave);
    const at = "/api/v1/addresses/" + encodeURIComponent(org.team);
    const daveAccess = async () => (await api.request("GET", at + "/users")).json.users.find((u) => u.login === dave.login);
    check(!(await myAddresses(daveApi)).some((a) => a.address === org.team), "dave starts without the address");

    await withApp("org-access", "olga", async (page) => {
      await login(page, admin.login, admin.password);
      await open(page, "address", org.team);
      await page.waitForSelector(`h1:text-is("Usuarios de la dirección ${org.team}")`);
      const form = page.locator("form:has(button:text-is('Dar acceso'))");
      await form.locator("input[name=login]").fill("nobody@demo.example");
      await form.locator("button[type=submit]").click();
      await page.waitForSelector(".console-section [role=alert]", { timeout: 10000 });
      step(`an unknown login: the server's message ("${await page.locator(".console-section [role=alert]").first().textContent()}")`);

      await form.locator("input[name=login]").fill(dave.login);
      await form.locator("button[type=submit]").click();
      await toast(page, `${dave.login} tiene ahora acceso a ${org.team}`);
      const row = page.locator(`[data-testid=access] tr[data-login="${dave.login}"]`);
      await row.waitFor();
      const mine = (await myAddresses(daveApi)).find((a) => a.address === org.team);
      check(mine && mine.may_change_special_folders === true, `dave has the address at once: ${JSON.stringify(mine)}`);
      step("access given by login: the member has the address in GET /me/addresses at once");

      await row.locator("input[type=checkbox]").click();
      await toast(page, `${dave.login} ya no puede cambiar las carpetas especiales`);
      check((await daveAccess()).may_change_special_folders === false, "the permission is off on the server");
      check(!(await row.locator("input[type=checkbox]").isChecked()), "the box is unticked");
      check((await myAddresses(daveApi)).find((a) => a.address === org.team).may_change_special_folders === false, "dave's own view agrees");
      step("special-folders permission turned off (the API agrees)");

      for (const label of ["dave's phone", "dave's laptop"]) {
        const r = await api.request("POST", at + "/devices", { label, login: dave.login });
        check(r.status === 201, `device for dave: ${r.status} ${r.text}`);
      }
      await page.reload();
      await row.locator("[data-testid=devices]:text-is('2')").waitFor();
      await shot(page, "console-org-07-address-users");
      await axe(page, "address users");

      await row.locator("button:text-is('Desconectar todos los dispositivos')").click();
      const disconnectText = await answer(page, { text: `Se revocan las contraseñas de dispositivo de Dave (${dave.login}) para ${org.team} (2)`, button: "Desconectar todos los dispositivos" });
      check(disconnectText.includes(`conserva el acceso a ${org.team} en la aplicación web`), `the disconnect confirmation says the access stays: ${disconnectText}`);
      await toast(page, `Contraseñas de dispositivo revocadas: 2. ${dave.login} conserva el acceso`);
      await row.locator("[data-testid=devices]:text-is('0')").waitFor();
      const devices = (await api.request("GET", at + "/devices?login=" + encodeURIComponent(dave.login))).json.devices;
      check(devices.length === 2 && devices.every((d) => d.revoked), `every device password of dave is revoked: ${JSON.stringify(devices)}`);
      check(await daveAccess(), "dave keeps the access");
      check((await myAddresses(daveApi)).some((a) => a.address === org.team), "dave still has the address");
      step("disconnect all devices: both device passwords revoked, the access kept");

      await row.locator("button:text-is('Quitar el acceso')").click();
      const removeText = await answer(page, { text: `Dave (${dave.login}) dejará de tener ${org.team} por completo`, button: "Quitar el acceso" });
      check(removeText !== disconnectText && !removeText.includes("conserva"), "the two confirmations say different things");
      await toast(page, `${dave.login} ya no tiene acceso a ${org.team}`);
      await row.waitFor({ state: "detached" });
      check(!(await daveAccess()), "the access is gone on the server");
      check(!(await myAddresses(daveApi)).some((a) => a.address === org.team), "dave no longer has the address");
      step("remove access: the address is gone from the member's list");
    });
  },

  // My devices: a device password shown once (QR code = the password; gone from the page once closed) logs in
  // over IMAP; revoking it in the page ends that session. The Apple profile has the address and a password.
  async devices() {
    const ana = users.ana;
    const label = "Phone " + uniq();
    await withApp("org-devices", "ana", async (page, ctx) => {
      await login(page, ana.login, ana.password);
      await open(page, "devices", ana.own);
      const picker = page.locator(".org-picker select");
      await picker.waitFor();
      check(await picker.inputValue() === ana.own, "the address picker shows the address");
      check((await picker.locator("option").allTextContents()).includes(users.ana.own), "the picker offers the user's addresses");
      const settings = page.locator("[data-testid=manual-settings]");
      await settings.waitFor();
      const text = await settings.textContent();
      for (const part of ["Servidor mail.demo.example, puerto 993, SSL/TLS", "puerto 587, STARTTLS", "puerto 465, SSL/TLS", ana.own])
        check(text.includes(part), `the manual settings say "${part}": ${text}`);
      step("manual settings from the server (mail.demo.example: IMAP 993 SSL, SMTP 587 STARTTLS / 465 SSL, the full address)");
      await shot(page, "console-org-08-devices");
      await axe(page, "my devices");

      const form = page.locator("form:has(button:text-is('Crear la contraseña de dispositivo'))");
      await form.locator("button[type=submit]").click();
      await form.locator(".field-error").waitFor({ timeout: 10000 });
      step(`an empty label: the server's message by the field ("${await form.locator(".field-error").textContent()}")`);
      await form.locator("input[name=label]").fill(label);
      await form.locator("button[type=submit]").click();
      const dialog = page.locator("dialog.shown-once[open]");
      await dialog.waitFor();
      const password = await dialog.locator("[data-testid=shown-once-value]").inputValue();
      check(password.length >= 16, `a device password is shown: ${password.length} characters`);
      check((await dialog.textContent()).includes("Es la única vez que se muestra"), "the dialog warns it is shown once");
      const qr = await readQr(page, "dialog.shown-once svg.qr");
      check(qr === password, `the QR code decodes to the password (${qr.length} vs ${password.length} characters)`);
      await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin: env.base });
      await dialog.locator("button:text-is('Copiar')").click();
      await toast(page, "Copiado al portapapeles");
      check(await page.evaluate(() => navigator.clipboard.readText()) === password, "the copy button copies the password");
      await shot(page, "console-org-09-shown-once");
      await axe(page, "device password shown once");
      await dialog.locator("button:text-is('Ya lo he guardado')").click();
      await dialog.waitFor({ state: "detached" });
      check(!(await page.content()).includes(password), "the password is nowhere in the page once the dialog is closed");
      check(!(await page.evaluate((p) => document.body.innerText.includes(p) || [...document.querySelectorAll("input, textarea")].some((i) => i.value.includes(p)), password)), "nor in any field");
      step("device password shown once with its QR code (decoded: the same), copied, gone once closed");

      const session = await imapSession(ana.own, password);
      try {
        check(await session.noop() === "NOOP OK", "the IMAP session works");
        step("IMAP login with the device password; session open");
        await page.reload();
        const row = page.locator(`[data-testid=devices] tr[data-device-label="${label}"]`);
        await row.waitFor();
        check((await row.textContent()).includes("desde 127.0.0.1"), `last use with its IP: ${await row.textContent()}`);
        await row.locator("button:text-is('Revocar')").click();
        await answer(page, { text: `El dispositivo «${label}» ya no podrá conectarse a ${ana.own}`, button: "Revocar" });
        await toast(page, `«${label}» está revocada`);
        await row.locator(".badge:text-is('Revocada')").waitFor();
        const ended = await until("the open IMAP session to end", async () => {
          const r = await session.noop();
          return r.startsWith("ENDED") ? r : null;
        }, 10000, 300);
        step(`revoked in the page after a confirmation naming it; the open IMAP session ended (${ended})`);
      } finally {
        session.close();
      }
      check(imapLogin(ana.own, password).startsWith("NO"), "the revoked password no longer logs in");

      const apple = page.locator("form:has(button:text-is('Descargar el perfil (.mobileconfig)'))");
      await apple.locator("button[type=submit]").click();
      await apple.locator(".field-error").waitFor({ timeout: 10000 });
      step(`a profile without a device name: the server's message by the field ("${await apple.locator(".field-error").textContent()}")`);
      await apple.locator("input[name=device]").fill("Ana's iPad");
      const [download] = await Promise.all([page.waitForEvent("download"), apple.locator("button[type=submit]").click()]);
      check(download.suggestedFilename() === ana.own + ".mobileconfig", `file name: ${download.suggestedFilename()}`);
      const file = path.join(mkdtempSync(path.join(os.tmpdir(), "mobileconfig-")), "profile.mobileconfig");
      await download.saveAs(file);
      const profile = plist(file);
      const mail = profile.PayloadContent.find((p) => p.PayloadType === "com.apple.mail.managed");
      check(mail && mail.EmailAddress === ana.own && mail.IncomingMailServerUsername === ana.own, `the profile's account: ${JSON.stringify(mail)}`);
      check(mail.IncomingMailServerHostName === "mail.demo.example" && mail.IncomingPassword?.length >= 16, "the profile has the host and a password");
      check(!(await page.content()).includes(mail.IncomingPassword), "the profile's password is not in the page");
      check(imapLogin(ana.own, mail.IncomingPassword) === "OK", "the profile's device password logs in");
      await page.waitForSelector(`[data-testid=devices] tr[data-device-label="Ana's iPad"]`);
      step("the .mobileconfig is a property list with the address, the host and a new device password that logs in");
      check(readFileSync(file, "utf8").startsWith("<?xml"), "XML form");
    });
  },

  // A message delivered by SMTP shows in the address's trace with its status; a later start shows nothing.
  // An address deleted after typing it (the button stays off for anything else), gone from the API;
  // a domain with addresses refused removal with the server's reason, a domain without any removed.
  async admin_delete() {
    const admin = org.admin;
    const api = await apiAs(admin);
    const gone = `gone-${uniq()}@demo.example`;
    let r = await api.request("POST", "/api/v1/addresses", { address: gone });
    check(r.status === 201, `address made: ${r.status} ${r.text}`);
    const spare = `spare-${uniq()}.example`;
    r = await api.request("POST", "/api/v1/domains", { service: "demo-mail", name: spare });
    check(r.status === 201, `domain added: ${r.status} ${r.text}`);

    await withApp("org-delete", "olga", async (page) => {
      await login(page, admin.login, admin.password);
      await open(page, "organisation", "addresses");
      const row = page.locator(`[data-testid=addresses] tr[data-address="${gone}"]`);
      await row.waitFor();
      await row.locator("button:text-is('Eliminar')").click();
      const d = page.locator("dialog.ask[open]");
      await d.waitFor();
      check((await d.locator("form > p").textContent()).includes(gone), "the question names the address");
      const button = d.locator("button:text-is('Eliminar')");
      await d.locator("input[name=answer]").fill("someone-else@demo.example");
      check(await button.isDisabled(), "another address does not confirm");
      await d.locator("input[name=answer]").fill(gone.toUpperCase());
      check(!(await button.isDisabled()), "the address typed (any case) confirms");
      await shot(page, "console-org-15-delete-address");
      await axe(page, "organisation: delete an address");
      await button.click();
      await toast(page, `${gone} se eliminó con su correo`);
      await row.waitFor({ state: "detached" });
      check((await api.request("GET", "/api/v1/addresses/" + encodeURIComponent(gone))).status === 404, "the address is gone on the server");
      step("an address deleted after it was typed");

      await open(page, "organisation", "domains");
      const demo = page.locator(`[data-testid=domains] tr[data-domain="demo.example"]`);
      await demo.locator("button:text-is('Quitar')").click();
      await answer(page, { text: "demo.example", button: "Quitar" });
      await page.waitForSelector(".toast.error", { timeout: 10000 });
      const why = await page.textContent(".toast.error");
      step(`removing a domain with addresses: ${why}`);
      check(why.includes("el dominio aún tiene direcciones"), `the server's reason, in Spanish: ${why}`);
      check((await api.request("GET", "/api/v1/domains")).json.domains.some((x) => x.name === "demo.example"), "the domain with addresses stays");
      await clearToasts(page);
      const spareRow = page.locator(`[data-testid=domains] tr[data-domain="${spare}"]`);
      await spareRow.locator("button:text-is('Quitar')").click();
      await answer(page, { text: spare, button: "Quitar" });
      await toast(page, `Se quitó ${spare}`);
      await spareRow.waitFor({ state: "detached" });
      check(!(await api.request("GET", "/api/v1/domains")).json.domains.some((x) => x.name === spare), "the domain is gone on the server");
      await shot(page, "console-org-16-domain-removed");
      await axe(page, "organisation: domains after a removal");
      step("a domain with addresses refused, one without removed");
    });
  },

  // An address added (a bad one refused by its field, in Spanish), its quota and Sent copy changed in
  // a dialog (a bad size refused there), a domain added with the DNS record that verifies it.
  async admin_manage() {
    const admin = org.admin;
    const api = await apiAs(admin);
    const made = `new-${uniq()}@demo.example`;
    const domain = `new-${uniq()}.example`;
    await withApp("org-manage", "olga", async (page) => {
      await login(page, admin.login, admin.password);
      await open(page, "organisation", "addresses");
      const form = page.locator("form.org-form").last();
      await form.locator("input[name=address]").fill("not-an-address");
      await form.locator("button[type=submit]").click();
      await form.locator(".field-error").waitFor();
      const said = await form.locator(".field-error").textContent();
      check(said.includes("no es una dirección de la forma nombre@dominio"), `a bad address refused by its field: ${said}`);
      await form.locator("input[name=address]").fill(made);
      await form.locator("button[type=submit]").click();
      await toast(page, `Se creó ${made}`);
      const row = page.locator(`[data-testid=addresses] tr[data-address="${made}"]`);
      await row.waitFor();
      check((await api.request("GET", "/api/v1/addresses/" + encodeURIComponent(made))).status === 200, "the address exists on the server");
      step("an address added; a bad one refused by its field");

      await row.locator("button:text-is('Cuota')").click();
      const d = page.locator("dialog[open]");
      await d.locator("input[name=quota_bytes]").fill("abc");
      await d.locator("button[type=submit]").click();
      check((await d.locator(".field-error").textContent()).includes("MB"), "a bad size refused at its field");
      await d.locator("input[name=quota_bytes]").fill("50");
      await d.locator("input[name=quota_messages]").fill("1000");
      await d.locator("input[name=save_sent]").uncheck();
      await shot(page, "console-org-17-quota");
      await axe(page, "organisation: an address's quota");
      await d.locator("button[type=submit]").click();
      await toast(page, `Se guardó la cuota de ${made}`);
      const a = (await api.request("GET", "/api/v1/addresses/" + encodeURIComponent(made))).json;
      check(a.quota_bytes === 50 * 1024 * 1024 && a.quota_messages === 1000 && a.save_sent === false, `quota saved: ${JSON.stringify(a)}`);
      step("quota and Sent copy changed");

      await open(page, "organisation", "domains");
      const add = page.locator("form.org-form").last();
      await add.locator("input[name=name]").fill(domain);
      await add.locator("button[type=submit]").click();
      const notice = page.locator("[data-testid=domain-added]");
      await notice.waitFor();
      const record = await notice.locator("[data-testid=verification-record]").textContent();
      check(record.startsWith(`_estafeta.${domain} TXT "estafeta-verify=`), `the record to publish: ${record}`);
      check(await notice.locator(`a[href="#/console/dns/${domain}"]`).count() === 1, "a link to the domain's DNS");
      const listed = (await api.request("GET", "/api/v1/domains")).json.domains.find((x) => x.name === domain);
      check(listed && listed.verified === false, `the domain is pending on the server: ${JSON.stringify(listed)}`);
      await page.locator(`[data-testid=domains] tr[data-domain="${domain}"]`).waitFor();
      await shot(page, "console-org-18-domain-added");
      await axe(page, "organisation: a domain added");
      step("a domain added with its verification record");
    });
  },

  async trace() {
    const ana = users.ana;
    const subject = "Traced " + uniq();
    const sender = `sender.${uniq()}@outside.example`;
    await smtpSend(sender, [ana.own], message({ from: sender, to: ana.own, subject, text: "Hello" }));
    await withApp("org-trace", "ana", async (page) => {
      await login(page, ana.login, ana.password);
      await open(page, "trace", ana.own);
      const row = page.locator(`[data-testid=trace] tr:has-text("${sender}")`);
      await row.first().waitFor({ timeout: 15000 });
      check(await row.first().getAttribute("data-status") === "delivered", `status: ${await row.first().getAttribute("data-status")}`);
      const text = await row.first().textContent();
      check(text.includes("Entregado") && text.includes("Recibido") && text.includes(ana.own), `the row: ${text}`);
      await shot(page, "console-org-10-trace");
      await axe(page, "trace");
      step(`the SMTP message is in the trace: ${text}`);

      await page.fill("input[name=since]", "");
      await page.click("button:text-is('Mostrar')");
      const since = page.locator(".field:has(input[name=since])");
      await since.locator(".field-error").waitFor({ timeout: 10000 });
      check(await since.locator("input").getAttribute("aria-invalid") === "true", "the start field is marked invalid");
      step(`no start time: the server's message by the field ("${await since.locator(".field-error").textContent()}")`);

      const later = new Date(Date.now() + 24 * 3600 * 1000);
      const p = (n) => String(n).padStart(2, "0");
      await page.fill("input[name=since]", `${later.getFullYear()}-${p(later.getMonth() + 1)}-${p(later.getDate())}T00:00`);
      await page.click("button:text-is('Mostrar')");
      await page.waitForSelector("[role=status]:has-text('0 entradas desde')");
      check(await page.locator("[data-testid=trace]").count() === 0, "nothing since tomorrow");
      step("the since filter: nothing from tomorrow on");
    });
  },

  // At 390×844 with the keyboard only: the menu to My devices, a device password made and closed, then revoked.
  async keyboard_phone() {
    const bob = users.bob;
    const label = "Keys " + uniq();
    const api = await apiAs(bob);
    await withApp("org-keyboard", "bob", async (page) => {
      await page.setViewportSize({ width: 390, height: 844 });
      await login(page, bob.login, bob.password);
      await open(page, "trace", bob.own);
      await page.waitForSelector("[data-testid=trace], [role=status]:has-text('entradas desde')");
      await tabTo(page, "the menu button", () => document.activeElement?.classList.contains("menu-button"));
      await page.keyboard.press("Enter");
      await tabTo(page, "My devices in the menu", () => document.activeElement?.textContent === "Mis dispositivos");
      await page.keyboard.press("Enter");
      await page.waitForSelector("h1:text-is('Mis dispositivos')");
      await page.waitForFunction(() => document.activeElement?.id === "console-page-title");
      await tabTo(page, "the device field", () => document.activeElement?.getAttribute("name") === "label");
      await page.keyboard.type(label);
      await page.keyboard.press("Enter");
      await page.waitForSelector("dialog.shown-once[open]");
      await shot(page, "console-org-11-phone-shown-once");
      await axe(page, "shown once at 390×844");
      await tabTo(page, "I have kept it", () => document.activeElement?.textContent === "Ya lo he guardado");
      await page.keyboard.press("Enter");
      await page.waitForSelector("dialog.shown-once", { state: "detached" });
      const row = `[data-testid=devices] tr[data-device-label="${label}"]`;
      await page.waitForSelector(row);
      await tabTo(page, "the revoke button", (l) => document.activeElement?.getAttribute("aria-label") === `Revocar la contraseña de dispositivo ${l}`, label);
      await page.keyboard.press("Enter");
      await page.waitForSelector("dialog.ask[open]");
      await tabTo(page, "Revoke in the confirmation", () => document.activeElement?.textContent === "Revocar" && !!document.activeElement.closest("dialog"));
      await page.keyboard.press("Enter");
      await page.waitForSelector(`${row} .badge:text-is('Revocada')`);
      await page.waitForFunction(() => document.activeElement?.id === "devices-list");
      const mine = (await api.request("GET", "/api/v1/addresses/" + encodeURIComponent(bob.own) + "/devices")).json.devices.find((d) => d.label === label);
      check(mine && mine.revoked, `revoked on the server: ${JSON.stringify(mine)}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      check(overflow <= 0, `nothing wider than the phone's screen (${overflow} px too wide)`);
      await shot(page, "console-org-12-phone-devices");
      await axe(page, "my devices at 390×844");
      step("at 390×844 with the keyboard only: menu, device password made, shown once, closed, revoked (the focus back on the list)");
    });
  },
};

await runScenario(scenarios, {});
