// The domain diagnostic (GET /domains/{name}/diagnostic): the public DNS
// as the server's resolver sees it and the certificate, item by item, each
// OK, a warning or an error with the change that fixes it; run again on
// request. A domain whose claim is pending is verified from here.
import { useSignal } from "@preact/signals";
import { api } from "../../lib/api";
import { toast } from "../../state/session";
import { FormError, LoadState, Pager, Section, copyText, pageOf, submit, useForm, useLoad } from "../ui";
import { tc, type CKey } from "../i18n";
import { serverText } from "../server-messages";
import type { Diagnosis, DiagnosticItem, Domain } from "./zone";

const PAGE = 20;

const ITEM: Record<string, CKey> = {
  mx: "dns.item.mx",
  spf: "dns.item.spf",
  dkim: "dns.item.dkim",
  dmarc: "dns.item.dmarc",
  srv: "dns.item.srv",
  autoconfig: "dns.item.autoconfig",
  tls: "dns.item.tls",
};

const LEVEL: Record<DiagnosticItem["level"], { key: CKey; badge: string }> = {
  ok: { key: "dns.level.ok", badge: "ok" },
  warning: { key: "dns.level.warning", badge: "warn" },
  error: { key: "dns.level.error", badge: "bad" },
};

export function Diagnostic(props: { domain: string }) {
  const { domain } = props;
  const page = useSignal(0);
  const ran = useSignal(0);
  const loaded = useLoad(() => api<Diagnosis>("GET", `/domains/${encodeURIComponent(domain)}/diagnostic`), [domain]);
  const again = async () => {
    await loaded.reload();
    ran.value++;
  };
  return (
    <>
      <Verify domain={domain} onVerified={loaded.reload} />
      <Section title={tc("dns.diag.title")}>
        <p class="muted">{tc("dns.diag.intro")}</p>
        <div class="row-actions">
          <button type="button" class="primary" disabled={loaded.loading.value} onClick={() => void again()} data-testid="diag-rerun">{tc("dns.diag.rerun")}</button>
          <span role="status" class="muted">{loaded.loading.value ? tc("dns.diag.running") : ran.value > 0 ? tc("dns.diag.done") : ""}</span>
        </div>
        <LoadState loaded={loaded}>
          {(d) => {
            const errors = d.items.filter((i) => i.level === "error").length;
            const warnings = d.items.filter((i) => i.level === "warning").length;
            const { rows, hasMore } = pageOf(d.items, page.value, PAGE);
            return (
              <>
                <p class={errors ? "warning" : ""} data-testid="diag-summary">
                  {errors === 0 && warnings === 0 ? tc("dns.diag.allOk") : tc("dns.diag.summary", { errors, warnings })}
                </p>
                <div class="table-wrap">
                  <table class="data stack diag" data-testid="diag-items" aria-busy={loaded.loading.value}>
                    <caption class="sr-only">{tc("dns.diag.caption", { domain })}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{tc("dns.diag.check")}</th>
                        <th scope="col">{tc("dns.state")}</th>
                        <th scope="col">{tc("dns.diag.found")}</th>
                        <th scope="col">{tc("dns.diag.fix")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((i, n) => {
                        const fix = serverText(i.fix);
                        return (
                          <tr key={n} data-item={i.name} data-level={i.level}>
                            <th scope="row" data-label={tc("dns.diag.check")}>{ITEM[i.name] ? tc(ITEM[i.name]) : i.name}</th>
                            <td data-label={tc("dns.state")}><span class={"badge " + LEVEL[i.level].badge}>{tc(LEVEL[i.level].key)}</span></td>
                            <td data-label={tc("dns.diag.found")}>{serverText(i.message)}</td>
                            <td data-label={tc("dns.diag.fix")} class="dns-value">
                              {fix ? (
                                <>
                                  <code class="diag-fix">{fix}</code>{" "}
                                  <button type="button" class="link" aria-label={tc("dns.diag.copyFix", { check: ITEM[i.name] ? tc(ITEM[i.name]) : i.name })} onClick={() => void copyText(fix)}>{tc("console.copy")}</button>
                                </>
                              ) : (
                                <span class="muted">{tc("dns.diag.noFix")}</span>
                              )}
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </div>
                <Pager page={page.value} pageSize={PAGE} shown={rows.length} total={d.items.length} hasMore={hasMore} onPage={(p) => (page.value = p)} />
              </>
            );
          }}
        </LoadState>
      </Section>
    </>
  );
}

/** The domain's claim: verified, or pending with the lookup of its TXT record on request. */
function Verify(props: { domain: string; onVerified: () => Promise<void> }) {
  const form = useForm();
  const loaded = useLoad(() => api<{ domains: Domain[] }>("GET", "/domains"), [props.domain]);
  const d = loaded.data.value?.domains.find((x) => x.name === props.domain);
  if (!d || d.verified) return null;
  const verify = async () => {
    const ok = await submit(form, async () => {
      const r = await api<{ verified: boolean }>("POST", `/domains/${encodeURIComponent(props.domain)}/verify`);
      if (!r.verified) throw new Error(tc("dns.notVerified", { domain: props.domain }));
    });
    if (ok) {
      toast(tc("dns.verified", { domain: props.domain }));
      await loaded.reload();
      await props.onVerified();
    }
  };
  return (
    <Section title={tc("dns.verifyTitle")}>
      <p class="warning">{tc("dns.pendingText", { domain: props.domain })}</p>
      <FormError form={form} />
      <div class="row-actions">
        <button type="button" class="primary" disabled={form.busy.value} onClick={() => void verify()}>{tc("dns.verify")}</button>
      </div>
    </Section>
  );
}
