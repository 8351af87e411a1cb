// The DNS screen: without a domain, the organisation's domains with their
// zones (open one, make the zone of a verified domain, verify a pending
// one); with one, its zone in four parts reached by links: records, SPF,
// DKIM and the diagnostic.
import { useSignal } from "@preact/signals";
import { api, ApiError } from "../../lib/api";
import { consoleHash, goConsole } from "../../state/route";
import { toast } from "../../state/session";
import { LoadState, Page, Pager, errorText, pageOf, useLoad } from "../ui";
import { tc, type CKey } from "../i18n";
import type { Domain, ZoneSummary } from "./zone";
import { Records } from "./Records";
import { Spf } from "./Spf";
import { Dkim } from "./Dkim";
import { Diagnostic } from "./Diagnostic";

const PARTS: { id: string; title: CKey }[] = [
  { id: "records", title: "dns.part.records" },
  { id: "spf", title: "dns.part.spf" },
  { id: "dkim", title: "dns.part.dkim" },
  { id: "diagnostic", title: "dns.part.diagnostic" },
];

export function DnsScreen(props: { domain: string; part: string }) {
  if (!props.domain) return <Domains />;
  return <ZonePage domain={props.domain.toLowerCase()} part={props.part || "records"} />;
}

const PAGE = 20;

interface Row {
  name: string;
  zone: ZoneSummary | null;
  verified: boolean;
}

/** The organisation's domains, each with its zone or what it still needs. */
function Domains() {
  const page = useSignal(0);
  const loaded = useLoad(async () => {
    const [zones, domains] = await Promise.all([
      api<{ zones: ZoneSummary[] }>("GET", "/zones"),
      api<{ domains: Domain[] }>("GET", "/domains"),
    ]);
    const rows: Row[] = domains.domains.map((d) => ({ name: d.name, verified: d.verified, zone: zones.zones.find((z) => z.domain === d.name) ?? null }));
    for (const z of zones.zones) if (!rows.some((r) => r.name === z.domain)) rows.push({ name: z.domain, verified: true, zone: z });
    return rows.sort((a, b) => a.name.localeCompare(b.name));
  }, []);
  return (
    <Page title={tc("dns.title")}>
      <p class="muted">{tc("dns.intro")}</p>
      <LoadState loaded={loaded}>
        {(rows) => {
          if (rows.length === 0) return <p>{tc("dns.noDomains")}</p>;
          const { rows: shown, hasMore } = pageOf(rows, page.value, PAGE);
          return (
            <>
              <div class="table-wrap">
                <table class="data stack" data-testid="dns-domains">
                  <caption class="sr-only">{tc("dns.domains")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{tc("dns.domain")}</th>
                      <th scope="col">{tc("dns.state")}</th>
                      <th scope="col">{tc("console.actions")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((r) => (
                      <DomainRow key={r.name} row={r} reload={loaded.reload} />
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={page.value} pageSize={PAGE} shown={shown.length} total={rows.length} hasMore={hasMore} onPage={(p) => (page.value = p)} />
            </>
          );
        }}
      </LoadState>
    </Page>
  );
}

/**
 * What a domain without a zone needs next: its zone made (a verified
 * domain), or its claim verified (a pending one, looked up in DNS by the
 * server); `error` is the server's refusal.
 */
function useDomainActions(name: string, reload: () => Promise<void>) {
  const busy = useSignal(false);
  const error = useSignal("");
  const run = async (action: () => Promise<void>) => {
    busy.value = true;
    error.value = "";
    try {
      await action();
    } catch (e) {
      error.value = errorText(e);
    } finally {
      busy.value = false;
    }
  };
  const createZone = () =>
    run(async () => {
      await api("POST", "/zones", { domain: name });
      toast(tc("dns.zoneCreated", { domain: name }));
      goConsole("dns", name, "records");
      await reload();
    });
  const verify = () =>
    run(async () => {
      const r = await api<{ verified: boolean }>("POST", `/domains/${encodeURIComponent(name)}/verify`);
      if (r.verified) toast(tc("dns.verified", { domain: name }));
      await reload();
    });
  return { busy, error, createZone, verify };
}

function DomainRow(props: { row: Row; reload: () => Promise<void> }) {
  const { row } = props;
  const { busy, error, createZone, verify } = useDomainActions(row.name, props.reload);
  return (
    <tr data-domain={row.name}>
      <td data-label={tc("dns.domain")}>{row.zone ? <a href={consoleHash("dns", row.name)}>{row.name}</a> : row.name}</td>
      <td data-label={tc("dns.state")}>
        {row.zone ? (
          <span class="badge ok">{tc("dns.hasZone")}</span>
        ) : row.verified ? (
          <span class="badge warn">{tc("dns.noZone")}</span>
        ) : (
          <span class="badge bad">{tc("dns.pending")}</span>
        )}
        {error.value && <span class="field-error dns-row-error" role="alert">{error.value}</span>}
      </td>
      <td data-label={tc("console.actions")}>
        {row.zone ? (
          <a class="button" href={consoleHash("dns", row.name)} aria-label={tc("dns.openZoneOf", { domain: row.name })}>{tc("dns.openZone")}</a>
        ) : row.verified ? (
          <button type="button" disabled={busy.value} onClick={() => void createZone()} aria-label={tc("dns.createZoneOf", { domain: row.name })}>{tc("dns.createZone")}</button>
        ) : (
          <button type="button" disabled={busy.value} onClick={() => void verify()} aria-label={tc("dns.verifyOf", { domain: row.name })}>{tc("dns.verify")}</button>
        )}
      </td>
    </tr>
  );
}

/** One domain's zone: the links to its parts and the part shown. */
function ZonePage(props: { domain: string; part: string }) {
  const { domain } = props;
  const part = PARTS.find((p) => p.id === props.part);
  const title = part ? tc("dns.zoneTitle", { domain, part: tc(part.title) }) : domain;
  return (
    <Page title={title} actions={<a href={consoleHash("dns")}>{tc("dns.allDomains")}</a>}>
      <nav class="dns-parts" aria-label={tc("dns.parts", { domain })}>
        <ul>
          {PARTS.map((p) => (
            <li key={p.id}>
              <a href={consoleHash("dns", domain, p.id)} aria-current={p.id === part?.id ? "page" : undefined}>{tc(p.title)}</a>
            </li>
          ))}
        </ul>
      </nav>
      {part?.id === "records" && <Records domain={domain} />}
      {part?.id === "spf" && <Spf domain={domain} />}
      {part?.id === "dkim" && <Dkim domain={domain} />}
      {part?.id === "diagnostic" && <Diagnostic domain={domain} />}
      {!part && <p class="notice" role="alert">{tc("console.notFound")}</p>}
    </Page>
  );
}

/**
 * A zone load that failed with 404: what the server said and, for a domain
 * of the organisation without a zone, what makes one (the zone of a verified
 * domain on request; a pending domain verified first).
 */
export function NoZone(props: { domain: string; error: unknown; reload: () => Promise<void> }) {
  const e = props.error;
  const domains = useLoad(() => api<{ domains: Domain[] }>("GET", "/domains"), [props.domain]);
  const actions = useDomainActions(props.domain, async () => {
    await domains.reload();
    await props.reload();
  });
  if (!(e instanceof ApiError) || e.status !== 404) return null;
  const d = domains.data.value?.domains.find((x) => x.name === props.domain);
  return (
    <div class="notice" role="alert">
      <p>{errorText(e)}</p>
      {d && (
        <div class="row-actions">
          {d.verified ? (
            <button type="button" class="primary" disabled={actions.busy.value} onClick={() => void actions.createZone()}>{tc("dns.createZone")}</button>
          ) : (
            <button type="button" class="primary" disabled={actions.busy.value} onClick={() => void actions.verify()}>{tc("dns.verify")}</button>
          )}
        </div>
      )}
      {actions.error.value && <p class="error">{actions.error.value}</p>}
    </div>
  );
}
