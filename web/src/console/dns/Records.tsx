// A zone's records: a paged table (name, type, TTL, value), added and
// changed in a dialog whose fields show the server's refusals beside them
// (a second SPF at a name, a CNAME beside other records, a bad address…),
// deleted after a question that names the record.
import { useRef } from "preact/hooks";
import { useSignal } from "@preact/signals";
import { api, ApiError } from "../../lib/api";
import { askConfirm } from "../../state/ask";
import { toast } from "../../state/session";
import { Dialog } from "../../ui/Dialog";
import { act, Field, FormError, LoadState, Pager, errorText, pageOf, submit, useForm, useLoad } from "../ui";
import { tc, type CKey } from "../i18n";
import { NoZone } from "./DnsScreen";
import { RECORD_TYPES, describeRecord, relativeName, sortRecords, txtText, type DnsRecord, type Zone } from "./zone";

const PAGE = 20;

const HELP: Record<string, CKey> = {
  A: "dns.help.A",
  AAAA: "dns.help.AAAA",
  CAA: "dns.help.CAA",
  CNAME: "dns.help.CNAME",
  MX: "dns.help.MX",
  NS: "dns.help.NS",
  SOA: "dns.help.SOA",
  SRV: "dns.help.SRV",
  TXT: "dns.help.TXT",
};

export function Records(props: { domain: string }) {
  const { domain } = props;
  const page = useSignal(0);
  const filter = useSignal("");
  const editing = useSignal<DnsRecord | "new" | null>(null);
  const addButton = useRef<HTMLButtonElement>(null);
  const loaded = useLoad(() => api<Zone>("GET", `/zones/${encodeURIComponent(domain)}`), [domain]);

  const remove = async (r: DnsRecord) => {
    const what = describeRecord(r, domain);
    const ok = await askConfirm({ title: tc("dns.deleteTitle"), text: tc("dns.deleteText", { record: what, domain }), action: tc("dns.deleteAction"), danger: true });
    if (!ok) return;
    const done = await act(async () => (await api("DELETE", `/zones/${encodeURIComponent(domain)}/records/${r.id}`), tc("dns.deleted", { record: what })), loaded.reload);
    if (done) addButton.current?.focus(); // the row and its button are gone
  };

  const failed = loaded.error.value;
  if (failed instanceof ApiError && failed.status === 404) return <NoZone domain={domain} error={failed} reload={loaded.reload} />;
  return (
    <LoadState loaded={loaded}>
      {(zone) => {
        const q = filter.value.trim().toLowerCase();
        const all = sortRecords(zone.records, zone.domain).filter((r) => !q || r.type.toLowerCase() === q || relativeName(r.name, zone.domain).toLowerCase().includes(q) || r.data.toLowerCase().includes(q));
        const last = Math.max(0, Math.ceil(all.length / PAGE) - 1);
        const current = Math.min(page.value, last);
        const { rows, hasMore } = pageOf(all, current, PAGE);
        return (
          <section class="console-section" aria-labelledby="dns-records-title">
            <div class="section-head">
              <h2 id="dns-records-title">{tc("dns.records")}</h2>
              <span class="muted small">{tc("dns.serial", { serial: zone.serial })}</span>
              <button type="button" class="primary" ref={addButton} onClick={() => (editing.value = "new")}>{tc("dns.add")}</button>
            </div>
            <div class="field dns-filter">
              <label for="dns-filter">{tc("dns.filter")}</label>
              <input id="dns-filter" type="search" value={filter.value} onInput={(e) => { filter.value = e.currentTarget.value; page.value = 0; }} />
            </div>
            <div class="table-wrap">
              <table class="data stack dns-records" data-testid="dns-records">
                <caption class="sr-only">{tc("dns.recordsOf", { domain })}</caption>
                <thead>
                  <tr>
                    <th scope="col">{tc("dns.name")}</th>
                    <th scope="col">{tc("dns.type")}</th>
                    <th scope="col">{tc("dns.ttl")}</th>
                    <th scope="col">{tc("dns.value")}</th>
                    <th scope="col">{tc("console.actions")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => {
                    const what = describeRecord(r, zone.domain);
                    return (
                      <tr key={r.id} data-record={r.id}>
                        <td data-label={tc("dns.name")} class="dns-name">{relativeName(r.name, zone.domain)}</td>
                        <td data-label={tc("dns.type")}>{r.type}</td>
                        <td data-label={tc("dns.ttl")}>{r.ttl}</td>
                        <td data-label={tc("dns.value")} class="dns-value"><code>{r.type === "TXT" ? txtText(r.data) : r.data}</code></td>
                        <td data-label={tc("console.actions")} class="dns-actions">
                          <button type="button" aria-label={tc("dns.editOf", { record: what })} onClick={() => (editing.value = r)}>{tc("dns.edit")}</button>
                          {r.type !== "SOA" && (
                            <button type="button" class="danger" aria-label={tc("dns.deleteOf", { record: what })} onClick={() => void remove(r)}>{tc("dns.delete")}</button>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
            {all.length === 0 && <p class="muted">{tc("dns.noMatch")}</p>}
            <Pager page={current} pageSize={PAGE} shown={rows.length} total={all.length} hasMore={hasMore} onPage={(p) => (page.value = p)} />
            {editing.value && (
              <RecordDialog
                domain={domain}
                record={editing.value === "new" ? null : editing.value}
                onClose={() => {
                  editing.value = null;
                  addButton.current?.focus();
                }}
                onSaved={async (saved, added) => {
                  editing.value = null;
                  toast(tc(added ? "dns.added" : "dns.changed", { record: describeRecord(saved, domain) }));
                  await loaded.reload();
                  addButton.current?.focus();
                }}
              />
            )}
          </section>
        );
      }}
    </LoadState>
  );
}

/** Adds a record (record null) or changes one; the server checks it against the whole zone. */
function RecordDialog(props: { domain: string; record: DnsRecord | null; onClose: () => void; onSaved: (r: DnsRecord, added: boolean) => void | Promise<void> }) {
  const { domain, record } = props;
  const form = useForm();
  const name = useSignal(record ? relativeName(record.name, domain) : "@");
  const type = useSignal(record?.type ?? "A");
  const ttl = useSignal(record ? String(record.ttl) : "");
  const data = useSignal(record ? (record.type === "TXT" ? txtText(record.data) : record.data) : "");
  const types: readonly string[] = record?.type === "SOA" ? ["SOA"] : RECORD_TYPES;

  const save = async (e: Event) => {
    e.preventDefault();
    const t = ttl.value.trim();
    const body = {
      name: name.value.trim() || "@",
      type: type.value,
      data: data.value.trim(),
      // A TTL that is not a number goes as typed, for the server to say so by its field.
      ...(t === "" ? {} : { ttl: /^\d+$/.test(t) ? Number(t) : t }),
    };
    let saved: DnsRecord | null = null;
    const base = `/zones/${encodeURIComponent(domain)}/records`;
    const ok = await submit(form, async () => {
      saved = record ? await api<DnsRecord>("PATCH", `${base}/${record.id}`, body) : await api<DnsRecord>("POST", base, body);
    });
    if (ok && saved) await props.onSaved(saved, !record);
  };

  return (
    <Dialog title={record ? tc("dns.editTitle", { record: describeRecord(record, domain) }) : tc("dns.addTitle", { domain })} onClose={props.onClose} class="dns-record-dialog">
      <form onSubmit={(e) => void save(e)} noValidate data-testid="dns-record-form">
        <Field label={tc("dns.name")} name="name" form={form} help={tc("dns.nameHelp", { domain })}>
          {(a) => <input {...a} value={name.value} autoComplete="off" spellcheck={false} onInput={(e) => (name.value = e.currentTarget.value)} />}
        </Field>
        <Field label={tc("dns.type")} name="type" form={form}>
          {(a) => (
            <select {...a} value={type.value} disabled={types.length === 1} onChange={(e) => (type.value = e.currentTarget.value)}>
              {types.map((t) => (
                <option key={t} value={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
        <Field label={tc("dns.ttl")} name="ttl" form={form} help={tc("dns.ttlHelp")}>
          {(a) => <input {...a} inputMode="numeric" value={ttl.value} autoComplete="off" onInput={(e) => (ttl.value = e.currentTarget.value)} />}
        </Field>
        <Field label={tc("dns.value")} name="data" form={form} help={tc(HELP[type.value] ?? "dns.help.TXT")}>
          {(a) =>
            type.value === "TXT" ? (
              <textarea {...a} rows={3} value={data.value} spellcheck={false} onInput={(e) => (data.value = e.currentTarget.value)} />
            ) : (
              <input {...a} value={data.value} autoComplete="off" spellcheck={false} onInput={(e) => (data.value = e.currentTarget.value)} />
            )
          }
        </Field>
        <FormError form={form} />
        <div class="dialog-actions">
          <button type="button" onClick={props.onClose}>{tc("dns.cancel")}</button>
          <button type="submit" class="primary" disabled={form.busy.value}>{record ? tc("dns.saveChange") : tc("dns.addAction")}</button>
        </div>
      </form>
    </Dialog>
  );
}
