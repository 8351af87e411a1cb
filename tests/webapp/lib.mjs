// Shared helpers of the web app's browser tests: Debian's Chromium driven by
// playwright-core (nothing downloads a browser), logging in through the
// app, screenshots, axe-core, mail delivered by SMTP, a JMAP client for
// preparing and checking state, and a watcher of every request a page makes.
import { createRequire } from "node:module";
import { mkdirSync, writeFileSync } from "node:fs";
import net from "node:net";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";
import jsQR from "jsqr";

const require = createRequire(import.meta.url);
const axeSource = require("axe-core").source;

export const env = {
  base: process.env.WEBAPP_BASE_URL,
  smtpPort: Number(process.env.WEBAPP_SMTP_PORT),
  artifacts: process.env.WEBAPP_ARTIFACTS,
  chromium: process.env.WEBAPP_CHROMIUM || "/usr/bin/chromium",
};

export class Failure extends Error {}

export function check(cond, message) {
  if (!cond) throw new Failure(message);
}

export function step(text) {
  process.stdout.write("webapp: " + text + "\n");
}

const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

export async function launch(userDataDir) {
  mkdirSync(userDataDir, { recursive: true });
  // A persistent context gives each run its own fresh profile folder (--user-data-dir).
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: env.chromium, args: FLAGS, headless: true, viewport: { width: 1280, height: 860 },
    locale: "es-ES", acceptDownloads: true, timeout: 30000,
  });
}

/** A second, separate browser profile (another user at the same time). */
export async function browser() {
  return chromium.launch({ executablePath: env.chromium, args: FLAGS, headless: true, timeout: 30000 });
}

/** Every page error and dialog fails the run; requests are recorded. */
export function watch(page, name) {
  const requests = [];
  const errors = [];
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (e) => errors.push(`${name}: page error: ${e.message}`));
  page.on("console", (m) => {
    // A Content-Security-Policy report is the page refusing hostile content, as it should.
    if (m.type() === "error" && !/status of 40[13]|Failed to load resource|Content Security Policy/.test(m.text())) errors.push(`${name}: console: ${m.text()}`);
  });
  return { requests, errors };
}

/**
 * The text of the QR code drawn as SVG under `selector`: drawn on a canvas at ten pixels a module, read back as
 * pixels, decoded here (jsQR). On failure the SVG is kept with the artifacts, to be read by another decoder.
 */
export async function readQr(page, selector = "svg.qr") {
  const img = await page.$eval(selector, async (svg) => {
    const modules = svg.viewBox.baseVal.width;
    const size = modules * 10;
    // A blob, not base64: the SVG's label is UTF-8 text.
    const source = new XMLSerializer().serializeToString(svg);
    const url = URL.createObjectURL(new Blob([source], { type: "image/svg+xml" }));
    const image = new Image(size, size);
    await new Promise((ok, fail) => { image.onload = ok; image.onerror = () => fail(new Error("the SVG did not load")); image.src = url; });
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const ctx = canvas.getContext("2d");
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, size, size);
    ctx.drawImage(image, 0, 0, size, size);
    URL.revokeObjectURL(url);
    // The pixels leave the page as one base64 string (an array of numbers is slow to pass over the protocol).
    const d = ctx.getImageData(0, 0, size, size).data;
    let bytes = "";
    for (let i = 0; i < d.length; i += 8192) bytes += String.fromCharCode.apply(null, d.subarray(i, i + 8192));
    return { size, pixels: btoa(bytes), source };
  });
  const code = jsQR(new Uint8ClampedArray(Buffer.from(img.pixels, "base64")), img.size, img.size);
  if (code) return code.data;
  mkdirSync(env.artifacts, { recursive: true });
  const kept = path.join(env.artifacts, `unread-qr-${Date.now()}.svg`);
  writeFileSync(kept, img.source);
  throw new Failure(`the QR code under ${selector} does not decode (kept in ${kept})`);
}

export async function shot(page, name) {
  mkdirSync(env.artifacts, { recursive: true });
  await page.screenshot({ path: path.join(env.artifacts, name + ".png"), fullPage: false });
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function axe(page, name) {
  const result = await page.evaluate(`(async () => { ${axeSource}; const r = await axe.run(document, { resultTypes: ["violations"] }); return r.violations.map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")) })); })()`);
  const bad = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(bad.length === 0, `axe on ${name}: ${JSON.stringify(bad)}`);
  step(`axe ${name}: no serious or critical violations (${result.length} minor)`);
}

export async function login(page, login, password, code = null) {
  await page.goto(env.base + "/");
  await page.fill("input[name=login]", login);
  await page.fill("input[name=password]", password);
  await page.click("form button[type=submit]");
  if (code) {
    await page.waitForSelector("input[name=code]", { timeout: 10000 });
    await page.fill("input[name=code]", typeof code === "function" ? code() : code);
    await page.click("form button[type=submit]");
  }
  await page.waitForSelector("[role=tree] [role=treeitem]", { timeout: 15000 });
}

export async function switchTo(page, address) {
  const value = await page.$eval("[data-testid=address-switcher]", (s, a) => [...s.options].find((o) => o.textContent.startsWith(a))?.value, address);
  check(value, `no ${address} in the address switcher`);
  await page.selectOption("[data-testid=address-switcher]", value);
  await page.waitForFunction((a) => {
    const s = document.querySelector("[data-testid=address-switcher]");
    return s && s.selectedOptions[0]?.textContent.startsWith(a) && document.querySelector("[role=treeitem][data-role=inbox].selected");
  }, address, { timeout: 10000 });
}

export async function openFolder(page, role) {
  await page.click(`[role=treeitem][data-role=${role}]`);
  await page.waitForSelector(`[role=treeitem][data-role=${role}].selected`);
}

/** Waits for a row whose subject contains `subject`, then returns it. */
export async function row(page, subject, timeout = 20000) {
  const sel = `.row[data-email]:has(.subject:text-is("${subject.replace(/"/g, '\\"')}"))`;
  await page.waitForSelector(sel, { timeout });
  return page.locator(sel).first();
}

export async function openMessage(page, subject) {
  await (await row(page, subject)).click();
  await page.waitForSelector(`.message .subject:text-is("${subject}")`, { timeout: 15000 });
}

// --- SMTP delivery (the MX listener, as mail from outside)

export function smtpSend(from, to, data) {
  return new Promise((resolve, reject) => {
    const s = net.connect(env.smtpPort, "127.0.0.1");
    const script = [`EHLO test.example`, `MAIL FROM:<${from}>`, ...to.map((r) => `RCPT TO:<${r}>`), "DATA", data.replace(/\r?\n/g, "\r\n").replace(/^\./gm, "..") + "\r\n.", "QUIT"];
    let buf = "";
    let i = -1;
    s.setTimeout(20000, () => { s.destroy(); reject(new Failure("SMTP timeout: " + buf)); });
    s.on("data", (d) => {
      buf += d.toString();
      while (true) {
        const m = /^(\d{3}) .*\r\n/m.exec(buf);
        if (!m) break;
        const code = Number(m[1]);
        buf = buf.slice(m.index + m[0].length);
        if (code >= 400) { s.destroy(); return reject(new Failure(`SMTP ${m[0].trim()} after ${script[i] ?? "connect"}`)); }
        i++;
        if (i < script.length) s.write(script[i] + "\r\n");
        else { s.end(); return resolve(); }
      }
    });
    s.on("error", reject);
  });
}

// --- JMAP and the account API from Node (preparation and checks)

export class ApiClient {
  constructor() { this.cookie = ""; this.csrf = ""; }
  async request(method, p, body, headers = {}) {
    const res = await fetch(env.base + p, {
      method, headers: { "Content-Type": "application/json", Cookie: this.cookie, "X-CSRF-Token": this.csrf, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0];
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  }
  async login(login, password, code) {
    const r = await this.request("POST", "/api/v1/session", { login, password, ...(code ? { code } : {}) });
    check(r.status === 200, `login ${login}: ${r.status} ${r.text}`);
    this.csrf = r.json.csrf_token;
    const s = await this.request("GET", "/jmap/session");
    this.session = s.json;
    return this;
  }
  accountOf(address) {
    const e = Object.entries(this.session.accounts).find(([, a]) => a.name === address);
    check(e, `no JMAP account for ${address}`);
    return e[0];
  }
  async jmap(calls) {
    const r = await this.request("POST", "/jmap/api", { using: ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:submission"], methodCalls: calls });
    check(r.status === 200, `JMAP: ${r.status} ${r.text}`);
    return Object.fromEntries(r.json.methodResponses.map(([n, a, id]) => [id, { name: n, ...a }]));
  }
  async mailbox(accountId, role) {
    const r = await this.jmap([["Mailbox/get", { accountId }, "m"]]);
    return r.m.list.find((m) => m.role === role);
  }
  /** Emails whose subject contains `subject` (anywhere), with their mailboxes and keywords. */
  async find(accountId, subject, more = {}) {
    const r = await this.jmap([
      ["Email/query", { accountId, filter: { subject, ...more } }, "q"],
      ["Email/get", { accountId, "#ids": { resultOf: "q", name: "Email/query", path: "/ids" }, properties: ["id", "blobId", "subject", "mailboxIds", "keywords", "from", "to", "attachments", "hasAttachment"] }, "g"],
    ]);
    return r.g.list;
  }
}

/**
 * Polls `fn` until it returns a truthy value (bounded). `seen`, if given,
 * says what the page showed instead, for the failure's message.
 */
export async function until(what, fn, timeout = 20000, every = 250, seen = null) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, every));
  }
  const shown = seen ? `; the page showed ${JSON.stringify(await seen().catch((e) => String(e)))}` : "";
  throw new Failure(`timed out after ${timeout} ms waiting for ${what}${shown}`);
}

/** A web server that must never be asked anything: any request to it is a leak. */
export function leakServer() {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.method + " " + req.url);
    res.writeHead(200, { "Content-Type": "image/gif" });
    res.end();
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ port: server.address().port, hits, close: () => server.close() })));
}

export function message({ from, to, subject, html, text, headers = {}, attachments = [] }) {
  const b = "b" + Math.random().toString(36).slice(2);
  const lines = [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, `Date: ${new Date().toUTCString()}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@test.example>`, "MIME-Version: 1.0"];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const bodyPart = html ? `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${html}` : `Content-Type: text/plain; charset=utf-8\r\n\r\n${text ?? ""}`;
  if (attachments.length === 0) return lines.join("\r\n") + "\r\n" + bodyPart + "\r\n";
  lines.push(`Content-Type: multipart/mixed; boundary="${b}"`);
  let out = lines.join("\r\n") + "\r\n\r\n--" + b + "\r\n" + bodyPart + "\r\n";
  for (const a of attachments) {
    const data = Buffer.from(a.content).toString("base64").replace(/.{76}/g, "$&\r\n");
    out += `--${b}\r\nContent-Type: ${a.type}; name="${a.name}"\r\nContent-Disposition: attachment; filename="${a.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${data}\r\n`;
  }
  return out + `--${b}--\r\n`;
}

/** Waits until the input `selector` holds `value` (a property the app sets, not an attribute). */
export async function waitValue(page, selector, value, timeout = 10000) {
  await page.waitForFunction(([s, v]) => document.querySelector(s)?.value === v, [selector, value], { timeout });
}

/** Answers the app's own question dialog (ui/Ask.tsx): checks its text, types `value` (a text question), clicks `button`. */
export async function answer(page, { text, value, button }) {
  const d = page.locator("dialog.ask[open]");
  await d.waitFor({ timeout: 10000 });
  const said = await d.locator("form > p").textContent();
  check(!text || said.includes(text), `the dialog says what will happen: '${said}' (expected '${text}')`);
  if (value !== undefined) await d.locator("input[name=answer]").fill(value);
  await d.locator(`button:text-is("${button}")`).click();
  await d.waitFor({ state: "detached", timeout: 10000 });
  return said;
}

/**
 * Runs `fn(page, context, watcher)` in a fresh browser profile named
 * `name`-`who` (under WEBAPP_PROFILES); any page error, console error or
 * browser dialog (the app asks in its own) fails it.
 */
export async function withApp(name, who, fn, { permissions = [] } = {}) {
  const ctx = await launch(path.join(process.env.WEBAPP_PROFILES, name + "-" + who));
  try {
    if (permissions.length) await ctx.grantPermissions(permissions, { origin: env.base });
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const w = watch(page, who);
    // The app asks in its own dialogs: a browser prompt()/confirm() is a failure.
    page.on("dialog", (d) => { w.errors.push(`${who}: browser dialog: ${d.type()} ${d.message()}`); void d.dismiss(); });
    await fn(page, ctx, w);
    check(w.errors.length === 0, w.errors.join("\n"));
  } finally {
    await ctx.close();
  }
}

/** Runs the scenario named by argv[2] from `scenarios` with `args`, printing "webapp: NAME passed" or the failure. */
export async function runScenario(scenarios, args) {
  const name = process.argv[2];
  try {
    check(scenarios[name], `no scenario '${name}'`);
    await scenarios[name](args);
    step(`${name} passed`);
    process.exit(0);
  } catch (e) {
    process.stderr.write(`webapp: FAILED: ${e instanceof Failure ? e.message : e.stack}\n`);
    process.exit(1);
  }
}
