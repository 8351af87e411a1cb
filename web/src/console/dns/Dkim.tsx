// A domain's DKIM keys (RFC 6376): each with its selector, algorithm,
// state and the TXT record that publishes it; rotation publishes a new key
// of each algorithm, after a question naming the domain (they sign after
// the server's grace period, or at once when asked).
import { useSignal } from "@preact/signals";
import { api } from "../../lib/api";
import { askConfirm } from "../../state/ask";
import { toast } from "../../state/session";
import { FormError, LoadState, Pager, Section, copyText, pageOf, submit, useForm, useId, useLoad } from "../ui";
import { fmtDateTime, tc, type CKey } from "../i18n";
import { relativeName, type DkimKey } from "./zone";

const PAGE = 10;

const STATE: Record<DkimKey["state"], CKey> = {
  published: "dns.dkim.state.published",
  active: "dns.dkim.state.active",
  retiring: "dns.dkim.state.retiring",
  retired: "dns.dkim.state.retired",
};

export function Dkim(props: { domain: string }) {
  const { domain } = props;
  const page = useSignal(0);
  const now = useSignal(false);
  const form = useForm();
  const nowId = useId("dkim-now");
  const loaded = useLoad(() => api<{ keys: DkimKey[] }>("GET", `/zones/${encodeURIComponent(domain)}/dkim`), [domain]);
  const rotate = async () => {
    const ok = await askConfirm({
      title: tc("dns.dkim.rotateTitle", { domain }),
      text: tc(now.value ? "dns.dkim.rotateNowText" : "dns.dkim.rotateText", { domain }),
      action: tc("dns.dkim.rotate"),
    });
    if (!ok) return;
    const done = await submit(form, async () => {
      loaded.data.value = await api<{ keys: DkimKey[] }>("POST", `/zones/${encodeURIComponent(domain)}/dkim/rotate`, { now: now.value });
    });
    if (done) {
      page.value = 0;
      toast(tc("dns.dkim.rotated", { domain }));
    }
  };
  return (
    <>
      <Section title={tc("dns.dkim.keys")}>
        <p class="muted">{tc("dns.dkim.intro")}</p>
        <LoadState loaded={loaded}>
          {({ keys }) => {
            if (keys.length === 0) return <p>{tc("dns.dkim.none")}</p>;
            const { rows, hasMore } = pageOf(keys, page.value, PAGE);
            return (
              <>
                <div class="table-wrap">
                  <table class="data stack dkim-keys" data-testid="dkim-keys">
                    <caption class="sr-only">{tc("dns.dkim.keysOf", { domain })}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{tc("dns.dkim.selector")}</th>
                        <th scope="col">{tc("dns.dkim.algorithm")}</th>
                        <th scope="col">{tc("dns.state")}</th>
                        <th scope="col">{tc("dns.dkim.record")}</th>
                        <th scope="col">{tc("dns.dkim.created")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((k) => (
                        <tr key={k.id} data-selector={k.selector} data-state={k.state}>
                          <td data-label={tc("dns.dkim.selector")}><code>{k.selector}</code></td>
                          <td data-label={tc("dns.dkim.algorithm")}>{k.algorithm}</td>
                          <td data-label={tc("dns.state")}>
                            <span class={"badge " + (k.state === "active" ? "ok" : k.state === "retired" ? "" : "warn")}>{tc(STATE[k.state])}</span>
                          </td>
                          <td data-label={tc("dns.dkim.record")} class="dns-value">
                            <code>{relativeName(k.record_name, domain)}</code> TXT <code class="dkim-record">{k.record}</code>{" "}
                            <button type="button" class="link" aria-label={tc("dns.dkim.copyOf", { selector: k.selector })} onClick={() => void copyText(k.record)}>{tc("console.copy")}</button>
                          </td>
                          <td data-label={tc("dns.dkim.created")}>{fmtDateTime(k.created)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <Pager page={page.value} pageSize={PAGE} shown={rows.length} total={keys.length} hasMore={hasMore} onPage={(p) => (page.value = p)} />
              </>
            );
          }}
        </LoadState>
      </Section>
      <Section title={tc("dns.dkim.rotateSection")}>
        <p class="muted">{tc("dns.dkim.rotateIntro")}</p>
        <label class="inline" for={nowId}>
          <input id={nowId} type="checkbox" checked={now.value} onChange={(e) => (now.value = e.currentTarget.checked)} />
          {tc("dns.dkim.now")}
        </label>
        <FormError form={form} />
        <div class="row-actions">
          <button type="button" class="primary" disabled={form.busy.value} onClick={() => void rotate()} data-testid="dkim-rotate">{tc("dns.dkim.rotate")}</button>
        </div>
      </Section>
    </>
  );
}
