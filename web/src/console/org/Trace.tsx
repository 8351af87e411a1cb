// The message trace of an address (#/console/trace[/{address}]): what came
// in and went out since a time, in time order, with what became of each
// message for each recipient (delivered, deferred, bounced…), the other
// server and its reply. For the address's users and its organisation's
// admins (the server decides; others get "not found" or "not allowed").
import { useEffect } from "preact/hooks";
import { useSignal } from "@preact/signals";
import { api, ApiError } from "../../lib/api";
import { goConsole } from "../../state/route";
import { user } from "../../state/session";
import { Field, FormError, LoadState, Page, Section, submit, useForm, useLoad } from "../ui";
import { manages } from "../screens";
import { fmtDateTime, tc, type CKey } from "../i18n";
import { fmtNumber } from "../../i18n";
import { AddressPicker, usePaged } from "./common";
import { fromLocalInput, myAddresses, toLocalInput, trace, type TraceEntry } from "./api";

/** At most this many entries a query (the server's own limit). */
export const TRACE_LIMIT = 1000;
const TRACE_PAGE = 25;
const WEEK = 7 * 24 * 3600;

/** The addresses the user may trace: their own, and for admins every address of the organisation. */
async function traceable(): Promise<string[]> {
  const own = await myAddresses();
  const org = user.value && manages(user.value) ? await api<{ addresses: { address: string }[] }>("GET", "/addresses").then((r) => r.addresses.map((a) => a.address)) : [];
  return [...new Set([...own, ...org])].sort((a, b) => a.localeCompare(b));
}

export function TraceScreen({ address }: { address: string | undefined }) {
  const loaded = useLoad(traceable, []);
  return (
    <Page title={address ? tc("trace.titleOf", { address }) : tc("trace.title")}>
      <p class="muted">{tc("trace.intro")}</p>
      <LoadState loaded={loaded}>
        {(addresses) => {
          const chosen = address ?? addresses[0];
          if (!chosen) return <p class="notice">{tc("trace.noAddress")}</p>;
          return (
            <>
              <AddressPicker addresses={addresses.includes(chosen) ? addresses : [chosen, ...addresses]} value={chosen} onChange={(a) => goConsole("trace", a)} />
              <TraceOf key={chosen} address={chosen} />
            </>
          );
        }}
      </LoadState>
    </Page>
  );
}

const STATUS_BADGE: Record<TraceEntry["status"], string> = {
  accepted: "",
  queued: "",
  delivered: "ok",
  deferred: "warn",
  bounced: "bad",
  rejected: "bad",
};

function TraceOf({ address }: { address: string }) {
  const form = useForm();
  const since = useSignal(toLocalInput(Math.floor(Date.now() / 1000) - WEEK));
  const entries = useSignal<TraceEntry[] | null>(null);
  const shownSince = useSignal("");
  const run = () =>
    submit(form, async () => {
      const from = since.value;
      try {
        entries.value = await trace(address, fromLocalInput(from) ?? from, TRACE_LIMIT);
      } catch (e) {
        // Not one of the user's addresses: said in the page's words, not the server's.
        if (e instanceof ApiError && e.status === 404) throw new ApiError(404, e.code, tc("org.address.notFound", { address }));
        if (e instanceof ApiError && e.status === 403) throw new ApiError(403, e.code, tc("trace.forbidden", { address }));
        throw e;
      }
      shownSince.value = from;
    });
  useEffect(() => {
    void run();
  }, [address]);
  return (
    <>
      <form
        noValidate
        class="org-form org-inline"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <Field label={tc("trace.since")} name="since" form={form} help={tc("trace.sinceHelp")}>
          {(a11y) => <input {...a11y} type="datetime-local" value={since.value} onInput={(e) => (since.value = e.currentTarget.value)} />}
        </Field>
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("trace.show")}</button>
        </div>
      </form>
      <FormError form={form} />
      {entries.value && !form.error.value && <Entries entries={entries.value} since={shownSince.value} />}
      {!entries.value && form.busy.value && <p class="muted" role="status">{tc("console.loading")}</p>}
    </>
  );
}

function Entries({ entries, since }: { entries: TraceEntry[]; since: string }) {
  const { rows, pager } = usePaged(entries, TRACE_PAGE);
  const from = fromLocalInput(since);
  return (
    <Section title={tc("trace.entries")}>
      <p role="status">
        {entries.length === 1
          ? tc("trace.countOne", { since: from === null ? since : fmtDateTime(from) })
          : tc("trace.count", { count: fmtNumber(entries.length), since: from === null ? since : fmtDateTime(from) })}
        {entries.length >= TRACE_LIMIT && " " + tc("trace.capped", { limit: fmtNumber(TRACE_LIMIT) })}
      </p>
      {entries.length > 0 && (
        <div class="table-wrap">
          <table class="data stack" data-testid="trace">
            <thead>
              <tr>
                <th scope="col">{tc("trace.time")}</th>
                <th scope="col">{tc("trace.direction")}</th>
                <th scope="col">{tc("trace.from")}</th>
                <th scope="col">{tc("trace.to")}</th>
                <th scope="col">{tc("trace.status")}</th>
                <th scope="col">{tc("trace.remote")}</th>
                <th scope="col">{tc("trace.queueId")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id} data-queue-id={t.queue_id} data-status={t.status}>
                  <td data-label={tc("trace.time")}>{fmtDateTime(t.time)}</td>
                  <td data-label={tc("trace.direction")}>{tc(t.direction === "in" ? "trace.in" : "trace.out")}</td>
                  <td data-label={tc("trace.from")} class="org-break">{t.sender || tc("trace.nullSender")}</td>
                  <td data-label={tc("trace.to")} class="org-break">{t.recipient}</td>
                  <td data-label={tc("trace.status")}>
                    <span class={"badge " + STATUS_BADGE[t.status]}>{tc(("trace.status." + t.status) as CKey)}</span>
                  </td>
                  <td data-label={tc("trace.remote")} class="org-break">
                    {t.remote_host || "—"}
                    {t.reply && <div class="muted small">{t.reply}</div>}
                  </td>
                  <td data-label={tc("trace.queueId")}>
                    <code>{t.queue_id}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pager}
    </Section>
  );
}
