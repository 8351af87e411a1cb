// The console's DNS screens end to end (tests/web/test_console_dns.py runs
// one scenario per call: node console_dns.mjs SCENARIO). The browser is in
// Spanish, so are the texts looked for. Every state the page shows is also
// asked of the API, and the two must agree.
//
// Environment: what lib.mjs reads, WEBAPP_USERS, and WEBAPP_DNS (JSON: the
// admin and legal representative, the domains the class prepared).
import { ApiClient, answer, axe, check, env, login, runScenario, shot, step, until, withApp } from "./lib.mjs";

const users = JSON.parse(process.env.WEBAPP_USERS || "{}");
const dns = JSON.parse(process.env.WEBAPP_DNS || "{}");
const admin = dns.admin;

async function adminApi() {
  return new ApiClient().login(admin.login, admin.password);
}

async function zone(api, domain) {
  const r = await api.request("GET", `/api/v1/zones/${domain}`);
  check(r.status === 200, `GET zone ${domain}: ${r.status} ${r.text}`);
  return r.json;
}

const txt = (data) => [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1].replace(/\\(.)/g, "$1")).join("") || data;
const isSpf = (r) => r.type === "TXT" && /^v=spf1( |$)/i.test(txt(r.data));

/** Opens the console's DNS screen from the mail app, through the navigation. */
async function openDns(page) {
  await page.click("[data-testid=open-console]");
  await page.click("#console-nav a:text-is('Dominios y DNS')");
  await page.waitForSelector("[data-testid=dns-domains] tbody tr");
}

async function goto(page, ...parts) {
  await page.evaluate((h) => { location.hash = h; }, "#/console/" + parts.map(encodeURIComponent).join("/"));
}

/** The records table as shown: name, type, TTL, value. */
async function shownRecords(page) {
  return page.$$eval("[data-testid=dns-records] tbody tr", (rows) => rows.map((r) => [...r.querySelectorAll("td")].slice(0, 4).map((td) => td.textContent.trim())));
}

async function filter(page, text) {
  await page.fill("#dns-filter", text);
}

const dialog = "dialog.dns-record-dialog[open]";

async function fillRecord(page, { name, type, ttl, data }) {
  await page.waitForSelector(dialog);
  if (name !== undefined) await page.fill(`${dialog} [name=name]`, name);
  if (type !== undefined) await page.selectOption(`${dialog} select[name=type]`, type);
  if (ttl !== undefined) await page.fill(`${dialog} [name=ttl]`, String(ttl));
  if (data !== undefined) await page.fill(`${dialog} [name=data]`, data);
}

/** Submits the record dialog expecting a refusal by `field`; returns its message. */
async function refusedBy(page, field) {
  await page.click(`${dialog} button[type=submit]`);
  const err = `${dialog} .field.invalid:has([name=${field}]) .field-error`;
  await page.waitForSelector(err, { timeout: 10000 });
  const invalid = await page.$$eval(`${dialog} [aria-invalid=true]`, (els) => els.map((e) => e.getAttribute("name")));
  check(invalid.length === 1 && invalid[0] === field, `only the ${field} field is marked invalid: ${invalid}`);
  const described = await page.$eval(`${dialog} [name=${field}]`, (e) => (e.getAttribute("aria-describedby") || "").split(" ").map((id) => document.getElementById(id)?.textContent).join(" "));
  const message = (await page.textContent(err)).trim();
  check(described.includes(message), "the message is tied to its field for screen readers");
  return message;
}

/** The analysis rows as the page shows them, for the SPF record element `el`. */
async function shownAnalysis(el) {
  return el.evaluate((e) => ({
    text: e.querySelector(".spf-text code").textContent,
    rows: [...e.querySelectorAll(".spf-terms tbody tr")].map((r) => [r.dataset.term, Number(r.dataset.depth), Number(r.querySelector("td.num").textContent)]),
    total: e.querySelector("[data-testid=spf-total]").textContent,
  }));
}

function flatTerms(terms, depth = 0) {
  return terms.flatMap((t) => [[t.term, depth, t.lookups], ...flatTerms(t.nested, depth + 1)]);
}

const scenarios = {
  // Add a valid record, refusals by field that add nothing, an edit, a delete after a confirmation naming the record.
  async records() {
    const api = await adminApi();
    const domain = dns.domain;
    await withApp("records", "dora", async (page) => {
      await login(page, admin.login, admin.password);
      await openDns(page);
      const listed = await page.$$eval("[data-testid=dns-domains] tbody tr", (rows) => rows.map((r) => r.dataset.domain));
      for (const d of [domain, dns.good, dns.twoSpf]) check(listed.includes(d), `${d} is listed: ${listed}`);
      await shot(page, "console-dns-01-domains");
      await axe(page, "DNS domains");
      await page.click(`a[aria-label="Abrir la zona de ${domain}"]`);
      await page.waitForSelector("[data-testid=dns-records] tbody tr");
      check((await page.textContent("#console-page-title")).includes(domain), "the page is titled with the domain");
      const before = await zone(api, domain);
      check((await page.textContent(".pager")).includes(`de ${before.records.length}`), "the pager counts every record");
      await shot(page, "console-dns-02-records");
      await axe(page, "DNS records");

      // A valid record: shown, and in the zone.
      await page.click("button:text-is('Añadir un registro')");
      await fillRecord(page, { name: "web1", type: "A", ttl: 300, data: "192.0.2.55" });
      await axe(page, "new record dialog");
      await page.click(`${dialog} button[type=submit]`);
      await page.waitForSelector(dialog, { state: "detached" });
      await filter(page, "web1");
      await until("web1 in the table", async () => JSON.stringify(await shownRecords(page)) === JSON.stringify([["web1", "A", "300", "192.0.2.55"]]), 20000, 250, () => shownRecords(page));
      let z = await zone(api, domain);
      const added = z.records.find((r) => r.name === "web1." + domain);
      check(added && added.type === "A" && added.ttl === 300 && added.data === "192.0.2.55", `the API has it: ${JSON.stringify(added)}`);
      step("a valid record added: in the table and in the zone");

      // Refusals, each by its field with the server's message in Spanish (its values kept); nothing added.
      const count = z.records.length;
      const cases = [
        [{ name: "bad", type: "A", data: "300.1.1.1" }, "data", [`registro A de bad.${domain}: "300.1.1.1" no es una dirección IPv4`]],
        [{ name: "@", type: "TXT", data: "v=spf1 include:other.example ~all" }, "name", ["ya tiene un registro SPF", "un nombre solo puede tener uno"]],
        [{ name: "web1", type: "CNAME", data: "www.example.net." }, "name", ["un CNAME tiene que estar solo en su nombre, y ahí está", "192.0.2.55"]],
        [{ name: "x", type: "A", ttl: "una hora", data: "192.0.2.1" }, "ttl", ["ttl debe ser un número entero"]],
      ];
      await page.click("button:text-is('Añadir un registro')");
      for (const [rec, field, spanish] of cases) {
        await fillRecord(page, { ttl: "", ...rec });
        const said = await refusedBy(page, field);
        const body = { name: rec.name, type: rec.type, data: rec.data, ...(rec.ttl !== undefined ? { ttl: rec.ttl } : {}) };
        const r = await api.request("POST", `/api/v1/zones/${domain}/records`, body);
        check(r.status >= 400 && r.json.error.field === field, `the API refuses by ${field}: ${r.text}`);
        check(said !== r.json.error.message && spanish.every((w) => said.includes(w)), `the page shows the server's message by ${field} in Spanish: '${said}' / ${r.text}`);
        if (field === "data") await shot(page, "console-dns-03-refused-by-field");
        if (rec.type === "TXT") check(/SPF/.test(said), `a second SPF at a name is refused as such: ${said}`);
        if (rec.type === "CNAME") check(/CNAME/.test(said), `a CNAME beside other records is refused as such: ${said}`);
      }
      await axe(page, "record dialog with a refusal");
      await page.click(`${dialog} button:text-is('Cancelar')`);
      z = await zone(api, domain);
      check(z.records.length === count, `refusals added nothing (${z.records.length} records, ${count} before)`);
      step("refusals shown by their field, with the server's messages; nothing added");

      // Edit.
      await page.click(`button[aria-label="Editar web1 A 192.0.2.55"]`);
      await page.waitForSelector(dialog);
      check((await page.inputValue(`${dialog} [name=data]`)) === "192.0.2.55", "the dialog starts from the record");
      await page.fill(`${dialog} [name=data]`, "192.0.2.56");
      await page.click(`${dialog} button[type=submit]`);
      await page.waitForSelector(dialog, { state: "detached" });
      await until("the change in the table", async () => JSON.stringify(await shownRecords(page)) === JSON.stringify([["web1", "A", "300", "192.0.2.56"]]), 20000, 250, () => shownRecords(page));
      z = await zone(api, domain);
      check(z.records.find((r) => r.id === added.id)?.data === "192.0.2.56", "the API has the change, on the same record");
      step("a record changed");

      // Delete, after a confirmation that names it.
      await page.click(`button[aria-label="Eliminar web1 A 192.0.2.56"]`);
      await page.waitForSelector("dialog.ask[open]");
      await shot(page, "console-dns-04-delete-confirm");
      await axe(page, "delete confirmation");
      await answer(page, { text: `web1 A 192.0.2.56`, button: "Eliminar el registro" });
      await until("the row gone", async () => (await shownRecords(page)).length === 0);
      z = await zone(api, domain);
      check(!z.records.some((r) => r.id === added.id), "the API no longer has it");
      step("a record deleted after a confirmation naming it");
    });
  },

  // Two SPF records at one name: the rule shown broken, lookups per term as the API counts them, the merge applied; flattening offered over 10 lookups.
  async spf() {
    const api = await adminApi();
    const domain = dns.twoSpf;
    const z0 = await zone(api, domain);
    const spf0 = z0.records.filter((r) => isSpf(r) && r.name === domain);
    check(spf0.length === 2, `the zone starts with two SPF records at its apex: ${JSON.stringify(spf0)}`);
    await withApp("spf", "dora", async (page) => {
      await login(page, admin.login, admin.password);
      await goto(page, "dns", domain, "spf");
      await page.waitForSelector(`.spf-name[data-name="${domain}"] [data-testid=spf-rule-broken]`);
      const warning = await page.textContent("[data-testid=spf-rule-broken]");
      check(warning.includes("2 registros SPF") && warning.includes("regla de un solo SPF"), `the one-SPF rule is said broken: ${warning}`);
      await page.waitForSelector(`.spf-name[data-name="${domain}"] .spf-record [data-testid=spf-total]`);
      await until("both analyses", async () => (await page.$$(`.spf-name[data-name="${domain}"] [data-testid=spf-total]`)).length === 2);
      await shot(page, "console-dns-05-spf-two-records");
      await axe(page, "SPF assistant");

      // Lookups per term, nested ones included, and the total: as the API's analysis.
      let nested = false;
      for (const el of await page.$$(`.spf-name[data-name="${domain}"] .spf-record`)) {
        const shown = await shownAnalysis(el);
        const r = await api.request("POST", `/api/v1/zones/${domain}/spf/analysis`, { record: shown.text, name: domain });
        check(r.status === 200, `analysis: ${r.text}`);
        const want = flatTerms(r.json.terms);
        check(JSON.stringify(shown.rows) === JSON.stringify(want), `terms of '${shown.text}': shown ${JSON.stringify(shown.rows)}, API ${JSON.stringify(want)}`);
        check(shown.total.includes(`${r.json.lookups} de 10`), `total of '${shown.text}': ${shown.total} (API ${r.json.lookups})`);
        nested ||= want.some(([, depth]) => depth > 0);
      }
      check(nested, "an include's own lookups are shown under it");
      step("DNS lookups per term and totals as the API counts them");

      // The merge: previewed as the API merges, applied, one policy left.
      await page.click("button:text-is('Preparar la fusión')");
      await page.waitForSelector("[data-testid=spf-merge-preview]");
      const merged = (await page.textContent("[data-testid=spf-merged]")).trim();
      const m = await api.request("POST", `/api/v1/zones/${domain}/spf/merge`, { records: spf0.map((r) => txt(r.data)) });
      check(m.status === 200 && m.json.record === merged, `the preview is the API's merge: '${merged}' / ${m.text}`);
      check(/-all$/.test(merged), `the strictest all is kept: ${merged}`);
      const notes = await page.textContent("[data-testid=spf-merge-preview] .spf-notes");
      check(notes.includes("se conserva el all más estricto de las políticas: -all"), `the merge notes in Spanish: ${notes}`);
      await shot(page, "console-dns-06-spf-merge-preview");
      await page.click("[data-testid=spf-merge-preview] button:text-is('Aplicar en @')");
      await answer(page, { text: `Los 2 registros SPF de @ se sustituirán por uno solo: ${merged}`, button: "Publicar la política" });
      await page.waitForSelector("[data-testid=spf-rule-broken]", { state: "detached", timeout: 15000 });
      const z1 = await zone(api, domain);
      const spf1 = z1.records.filter((r) => isSpf(r) && r.name === domain);
      check(spf1.length === 1 && txt(spf1[0].data) === merged, `one SPF record, the merged one: ${JSON.stringify(spf1)}`);
      await shot(page, "console-dns-07-spf-merged");
      step("two SPF records merged into one");

      // A policy that passes 10 lookups: the flattened form is offered as the API gives it.
      const providers = Array.from({ length: dns.providers }, (_, i) => `include:_p${i + 1}.${domain}`).join(" ");
      await page.fill("[data-testid=spf-merge-form] [name=records]", `v=spf1 ${providers} ~all`);
      await page.click("[data-testid=spf-merge-form] button[type=submit]");
      await page.waitForSelector("[data-testid=spf-merge-preview]");
      const big = await api.request("POST", `/api/v1/zones/${domain}/spf/merge`, { records: [merged, `v=spf1 ${providers} ~all`] });
      check(big.status === 200 && big.json.lookups > 10 && big.json.flattened, `the API flattens a merge over 10 lookups: ${big.text}`);
      await page.waitForSelector("[data-testid=spf-flatten]");
      check((await page.textContent("[data-testid=spf-flattened]")).trim() === big.json.flattened, "the flattened policy shown is the API's");
      check((await page.textContent("[data-testid=spf-flatten] legend")).includes(`${big.json.lookups} consultas DNS`), "the offer says how many lookups");
      await shot(page, "console-dns-08-spf-flatten");
      await axe(page, "SPF flattening offer");
      await page.click("[data-testid=spf-merge-preview] button:text-is('Cancelar')");
      // A stored record over the limit: flagged, its flattened form offered and published in its place.
      const bigName = `.spf-name[data-name="big.${domain}"]`;
      await page.waitForSelector(`${bigName} [data-testid=spf-total]`);
      const bigTotal = await page.textContent(`${bigName} [data-testid=spf-total]`);
      check(bigTotal.includes(`${dns.providers} de 10`) && (await page.isVisible(`${bigName} .spf-total .field-error`)), `over the limit: ${bigTotal}`);
      await page.click(`${bigName} button:text-is('Ver la política aplanada')`);
      await page.waitForSelector(`${bigName} [data-testid=spf-flatten]`);
      const flat = (await page.textContent(`${bigName} [data-testid=spf-flattened]`)).trim();
      await page.check(`${bigName} [data-testid=spf-flatten] input[type=radio] >> nth=1`);
      await page.click(`${bigName} button:text-is('Aplicar en big')`);
      await answer(page, { text: `El registro SPF de big se sustituirá por: ${flat}`, button: "Publicar la política" });
      await until("the flattened record analysed", async () => (await page.textContent(`${bigName} [data-testid=spf-total]`).catch(() => ""))?.includes("0 de 10"));
      const zb = await zone(api, domain);
      const bigSpf = zb.records.filter((r) => isSpf(r) && r.name === `big.${domain}`);
      check(bigSpf.length === 1 && txt(bigSpf[0].data) === flat && /ip4:192\.0\.2\.101/.test(flat), `the flattened policy published: ${JSON.stringify(bigSpf)}`);
      step("a record over 10 lookups replaced by its flattened form");
      // A proposed record: refused by its field when empty, analysed otherwise.
      await page.click("[data-testid=spf-check-form] button[type=submit]");
      await page.waitForSelector("[data-testid=spf-check-form] .field.invalid .field-error");
      await page.fill("[data-testid=spf-check-form] [name=record]", "v=spf1 ip4:192.0.2.300 +all");
      await page.click("[data-testid=spf-check-form] button[type=submit]");
      await page.waitForSelector("[data-testid=spf-check-result] .spf-findings");
      const result = await page.textContent("[data-testid=spf-check-result]");
      check(result.includes("Error") && result.includes('dirección IPv4 no válida en "ip4:192.0.2.300"'), `a bad proposed record shows its errors, in Spanish: ${result}`);
      step("flattening offered over the limit; a proposed record analysed");
    });
  },

  // DKIM keys as the API lists them; rotation after a confirmation naming the domain.
  async dkim() {
    const api = await adminApi();
    const domain = dns.domain;
    await withApp("dkim", "dora", async (page) => {
      await login(page, admin.login, admin.password);
      await goto(page, "dns", domain, "dkim");
      await page.waitForSelector("[data-testid=dkim-keys] tbody tr");
      const before = (await api.request("GET", `/api/v1/zones/${domain}/dkim`)).json.keys;
      const shown = await page.$$eval("[data-testid=dkim-keys] tbody tr", (rows) => rows.map((r) => r.dataset.selector));
      check(JSON.stringify(shown) === JSON.stringify(before.slice(0, 10).map((k) => k.selector)), `keys as the API lists them: ${shown}`);
      check((await page.textContent("[data-testid=dkim-keys] tbody tr")).includes(before[0].record.slice(0, 20)), "each key with its record");
      await shot(page, "console-dns-09-dkim");
      await axe(page, "DKIM keys");
      await page.click("[data-testid=dkim-rotate]");
      await answer(page, { text: `zona de ${domain}`, button: "Rotar las claves DKIM" });
      await until("the new keys shown", async () => (await page.$$("[data-testid=dkim-keys] tbody tr[data-state=published]")).length === 2);
      const after = (await api.request("GET", `/api/v1/zones/${domain}/dkim`)).json.keys;
      check(after.length === before.length + 2 && after.filter((k) => k.state === "published").length === 2, `two keys published: ${after.map((k) => k.state)}`);
      const z = await zone(api, domain);
      for (const k of after.filter((k) => k.state === "published")) check(z.records.some((r) => r.name === k.record_name), `${k.record_name} is in the zone`);
      step("DKIM keys rotated after a confirmation");
    });
  },

  // The diagnostic of a right domain, then of one without DMARC and with its MX elsewhere.
  async diagnostic() {
    const api = await adminApi();
    const domain = dns.good;
    const levels = async (page) => page.$$eval("[data-testid=diag-items] tbody tr", (rows) => Object.fromEntries(rows.map((r) => [r.dataset.item, r.dataset.level])));
    await withApp("diagnostic", "dora", async (page) => {
      await login(page, admin.login, admin.password);
      await goto(page, "dns", domain, "diagnostic");
      await page.waitForSelector("[data-testid=diag-items] tbody tr", { timeout: 30000 });
      const good = await levels(page);
      for (const name of ["mx", "spf", "dkim", "dmarc", "srv", "autoconfig"]) check(good[name] === "ok", `${name} is ok: ${JSON.stringify(good)}`);
      check(good.tls && good.tls !== "ok", "a self-signed certificate is not ok");
      const r = await api.request("GET", `/api/v1/domains/${domain}/diagnostic`);
      check(r.status === 200, `diagnostic: ${r.text}`);
      const worst = {};
      const rank = { ok: 0, warning: 1, error: 2 };
      for (const i of r.json.items) if (!(i.name in worst) || rank[i.level] > rank[worst[i.name]]) worst[i.name] = i.level;
      check(JSON.stringify(Object.keys(worst).sort()) === JSON.stringify(Object.keys(good).sort()), "the items the API gives");
      check((await page.textContent("[data-testid=diag-items] tr[data-item=mx] th")).includes("Servidor de correo (MX)"), "items are named in Spanish");
      await shot(page, "console-dns-10-diagnostic-right");
      await axe(page, "diagnostic");

      // Break it: DMARC deleted through the screen, the MX moved elsewhere through the API.
      await goto(page, "dns", domain, "records");
      await page.waitForSelector("[data-testid=dns-records] tbody tr");
      await filter(page, "_dmarc");
      await until("the DMARC row", async () => (await shownRecords(page)).length === 1);
      await page.click(`button[aria-label="Eliminar _dmarc TXT v=DMARC1; p=none"]`);
      await answer(page, { text: "_dmarc TXT v=DMARC1; p=none", button: "Eliminar el registro" });
      await until("the DMARC row gone", async () => (await shownRecords(page)).length === 0);
      const z = await zone(api, domain);
      const mx = z.records.find((x) => x.type === "MX");
      const e = await api.request("PATCH", `/api/v1/zones/${domain}/records/${mx.id}`, { name: "@", type: "MX", ttl: mx.ttl, data: "10 mx.elsewhere.example." });
      check(e.status === 200, `MX moved: ${e.text}`);
      await goto(page, "dns", domain, "diagnostic");
      await page.waitForSelector("[data-testid=diag-items] tbody tr", { timeout: 30000 });
      // The DNS listener picks the change up within a second or so: check again until it shows.
      await until("the broken items", async () => {
        const l = await levels(page);
        if (l.dmarc === "warning" && l.mx === "error") return true;
        await page.click("[data-testid=diag-rerun]");
        await page.waitForSelector("[data-testid=diag-rerun]:not([disabled])");
        return false;
      }, 20000, 500);
      const dmarcFix = await page.textContent("[data-testid=diag-items] tr[data-item=dmarc] .diag-fix");
      check(dmarcFix.includes("v=DMARC1; p=none") && dmarcFix.includes("_dmarc." + domain), `the DMARC fix: ${dmarcFix}`);
      const mxFix = await page.textContent("[data-testid=diag-items] tr[data-item=mx] .diag-fix");
      check(mxFix.includes(`MX 10 ${dns.host}`), `the MX fix: ${mxFix}`);
      // What the server found and its fixes, in Spanish.
      const found = (item) => page.textContent(`[data-testid=diag-items] tr[data-item=${item}] td[data-label=Resultado]`);
      const dmarcFound = await found("dmarc");
      check(dmarcFound.startsWith("no hay registro DMARC") && dmarcFix.startsWith("publica "), `the DMARC item in Spanish: ${dmarcFound} / ${dmarcFix}`);
      const mxFound = await found("mx");
      check(mxFound === "los registros MX apuntan a mx.elsewhere.example y no a este servidor" && mxFix.startsWith("sustitúyelos por "), `the MX item in Spanish: ${mxFound} / ${mxFix}`);
      const again = (await api.request("GET", `/api/v1/domains/${domain}/diagnostic`)).json.items;
      const count = (level) => again.filter((i) => i.level === level).length;
      const summary = await page.textContent("[data-testid=diag-summary]");
      check(summary.includes(`Errores: ${count("error")}. Avisos: ${count("warning")}.`), `the summary counts as the API: ${summary}`);
      check(again.find((i) => i.name === "dmarc").level === "warning" && again.find((i) => i.name === "mx").level === "error", "the API agrees");
      await shot(page, "console-dns-11-diagnostic-broken");
      await axe(page, "diagnostic with problems");
      step("diagnostic: right, then DMARC missing (warning) and MX elsewhere (error), each with its fix");
    });
  },

  // A domain claimed by the admin: pending, refused verification naming the record it needs, that record published in
  // another zone through the screen, then verified (and given its zone).
  async verify() {
    const api = await adminApi();
    const name = "branch." + dns.domain;
    const claim = await api.request("POST", "/api/v1/domains", { service: dns.service, name });
    check(claim.status === 201 && claim.json.verified === false && claim.json.verification, `a pending claim: ${claim.text}`);
    const v = claim.json.verification;
    await withApp("verify", "dora", async (page) => {
      await login(page, admin.login, admin.password);
      await openDns(page);
      const row = `[data-testid=dns-domains] tr[data-domain="${name}"]`;
      check((await page.textContent(row)).includes("Pendiente de verificación"), "the claim is shown pending");
      await page.click(`${row} button:text-is('Verificar')`);
      await page.waitForSelector(`${row} [role=alert]`);
      const said = await page.textContent(`${row} [role=alert]`);
      check(said.includes(v.value) && said.includes(v.name), `the refusal names the record to publish: ${said}`);
      await shot(page, "console-dns-15-verify-pending");
      await axe(page, "a pending domain refused verification");
      // Its zone page says it has none yet, and offers the verification too.
      await goto(page, "dns", name, "records");
      await page.waitForSelector(".console-main .notice button:text-is('Verificar')");
      check((await page.textContent(".console-main .notice")).includes(`el dominio ${name} todavía no tiene zona DNS`), "the zone page says there is no zone yet");
      await page.click(".console-main .notice button:text-is('Verificar')");
      await page.waitForSelector(".console-main .notice .error");
      check((await page.textContent(".console-main .notice .error")).includes(v.value), "the refusal there too names the record");
      await axe(page, "a pending domain's zone page");
      await goto(page, "dns");
      await page.waitForSelector(row);
      // The record, in demo.example's zone (the parent of the claimed name), through the records screen.
      await page.click(`a[aria-label="Abrir la zona de ${dns.domain}"]`);
      await page.waitForSelector("[data-testid=dns-records] tbody tr");
      await page.click("button:text-is('Añadir un registro')");
      await fillRecord(page, { name: v.name + ".", type: "TXT", data: v.value });
      await page.click(`${dialog} button[type=submit]`);
      await page.waitForSelector(dialog, { state: "detached" });
      await page.click("a:text-is('Todos los dominios')");
      await page.waitForSelector(row);
      // The DNS listener reloads its zones within a second or so.
      await until("the domain verified", async () => {
        if ((await page.textContent(row)).includes("Zona DNS")) return true;
        await page.click(`${row} button:text-is('Verificar')`);
        await page.waitForSelector(`${row} button:text-is('Verificar'):not([disabled]), ${row} a`, { timeout: 10000 });
        return false;
      }, 20000, 500);
      const domains = (await api.request("GET", "/api/v1/domains")).json.domains;
      check(domains.find((d) => d.name === name)?.verified === true, "the API has it verified");
      check((await api.request("GET", `/api/v1/zones/${name}`)).status === 200, "and its zone made");
      await shot(page, "console-dns-16-verified");
      step("a pending domain verified once its record is published");
    });
  },

  // A member: no DNS in the navigation, and the screen refuses as the API does; a legal representative sees it.
  async member() {
    const carol = users.carol;
    const api = await new ApiClient().login(carol.login, carol.password);
    const z = await api.request("GET", `/api/v1/zones/${dns.domain}`);
    check(z.status === 403 || z.status === 404, `the API refuses a member: ${z.status}`);
    await withApp("member", "carol", async (page) => {
      await login(page, carol.login, carol.password);
      await page.click("[data-testid=open-console]");
      await page.waitForSelector("#console-nav a");
      const nav = await page.$$eval("#console-nav a", (as) => as.map((a) => a.textContent));
      check(!nav.includes("Dominios y DNS"), `no DNS in a member's navigation: ${nav}`);
      await goto(page, "dns", dns.domain);
      await page.waitForSelector(".console-main [role=alert]");
      const said = await page.textContent(".console-main [role=alert]");
      check(said.includes("No puedes ver esta página"), `the refusal: ${said}`);
      check(!(await page.$("[data-testid=dns-records] tbody tr")), "no record shown");
      await shot(page, "console-dns-12-member-refused");
      await axe(page, "member refused");
      await goto(page, "dns");
      await page.waitForSelector(".console-main [role=alert]:has-text('No puedes ver esta página')");
    });
    // A legal representative has it, here in English (her preference).
    const legal = dns.legal;
    const lena = await new ApiClient().login(legal.login, legal.password);
    const p = await lena.request("PUT", "/api/v1/me/preferences", { language: "en" });
    check(p.status === 200, `preferences: ${p.status} ${p.text}`);
    await withApp("member", "lena", async (page) => {
      await login(page, legal.login, legal.password);
      await page.click("[data-testid=open-console]");
      await page.click("#console-nav a:text-is('Domains and DNS')");
      await page.waitForSelector("[data-testid=dns-domains] tbody tr");
      await page.click(`a[aria-label="Open the zone of ${dns.domain}"]`);
      await page.waitForSelector("[data-testid=dns-records] tbody tr");
      check((await page.textContent("#console-page-title")) === `${dns.domain}: Records`, "the page in English");
      await page.click(".dns-parts a:text-is('Diagnostic')");
      await page.waitForSelector("[data-testid=diag-items] tbody tr", { timeout: 30000 });
      check((await page.textContent("[data-testid=diag-items] tr[data-item=mx] th")) === "Mail server (MX)", "items named in English");
      const items = (await lena.request("GET", `/api/v1/domains/${dns.domain}/diagnostic`)).json.items;
      const mxFound = await page.textContent("[data-testid=diag-items] tr[data-item=mx] td[data-label=Found]");
      check(mxFound === items.find((i) => i.name === "mx").message, `what the server found, as it said it in English: ${mxFound}`);
      await shot(page, "console-dns-17-legal-english");
      await axe(page, "diagnostic in English");
      step("a legal representative has the DNS screen, in English");
    });
    step("a member is refused the DNS screen");
  },

  // 390×844, keyboard only: a record added and found through the filter.
  async phone() {
    const api = await adminApi();
    const domain = dns.domain;
    await withApp("phone", "dora", async (page) => {
      await login(page, admin.login, admin.password);
      await page.setViewportSize({ width: 390, height: 844 });
      await goto(page, "dns", domain, "records");
      await page.waitForSelector("[data-testid=dns-records] tbody tr");
      const active = () => page.evaluate(() => { const e = document.activeElement; return { tag: e?.tagName, name: e?.getAttribute("name"), text: e?.textContent?.trim(), id: e?.id }; });
      const tabTo = async (what, ok, max = 80) => {
        for (let i = 0; i < max; i++) {
          if (ok(await active())) return;
          await page.keyboard.press("Tab");
        }
        throw new Error(`Tab never reached ${what}`);
      };
      await tabTo("the add button", (a) => a.tag === "BUTTON" && a.text === "Añadir un registro");
      await page.keyboard.press("Enter");
      await page.waitForSelector(dialog);
      await tabTo("the name field", (a) => a.name === "name");
      await page.keyboard.press("Control+A");
      await page.keyboard.type("phone");
      await tabTo("the type", (a) => a.name === "type");
      await tabTo("the value", (a) => a.name === "data");
      await page.keyboard.type("192.0.2.77");
      await shot(page, "console-dns-13-phone-dialog");
      await axe(page, "record dialog on a phone");
      await page.keyboard.press("Enter");
      await page.waitForSelector(dialog, { state: "detached" });
      await tabTo("the filter", (a) => a.id === "dns-filter");
      await page.keyboard.type("phone");
      await until("the new row", async () => JSON.stringify(await shownRecords(page)) === JSON.stringify([["phone", "A", "3600", "192.0.2.77"]]), 20000, 250,
        async () => ({ rows: await shownRecords(page), filter: await page.inputValue("#dns-filter"), focus: await active() }));
      const z = await zone(api, domain);
      check(z.records.some((r) => r.name === "phone." + domain && r.data === "192.0.2.77"), "the API has the record added by keyboard");
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      check(wide <= 390, `nothing wider than the screen (${wide}px)`);
      const stacked = await page.$eval("[data-testid=dns-records] tbody td", (td) => getComputedStyle(td).display);
      check(stacked === "block", "the table's cells stack on a phone");
      await shot(page, "console-dns-14-phone-records");
      await axe(page, "records on a phone");
      // The delete of the row by keyboard: its button, the question, Enter on its action.
      await tabTo("the delete button", (a) => a.tag === "BUTTON" && a.text === "Eliminar");
      await page.keyboard.press("Enter");
      await page.waitForSelector("dialog.ask[open]");
      await tabTo("the question's action", (a) => a.tag === "BUTTON" && a.text === "Eliminar el registro");
      await page.keyboard.press("Enter");
      await until("the row gone", async () => (await shownRecords(page)).length === 0);
      step("a phone-sized screen used with the keyboard only");
    });
  },
};

await runScenario(scenarios, {});
