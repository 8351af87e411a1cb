// The SPF assistant: each SPF record of the zone with its DNS lookups term
// by term against the limit of 10 (RFC 7208 §4.6.4); a name with several
// SPF records flagged (RFC 7208 §3.2, §4.5: receivers treat that as a
// permanent error) with the merge of its policies into one; the merge of a
// provider's policy with the zone's; when the lookups pass the limit, the
// flattened policy the server offers; and the check of a proposed record.
import { useSignal } from "@preact/signals";
import { api, ApiError } from "../../lib/api";
import { askConfirm } from "../../state/ask";
import { toast } from "../../state/session";
import { Field, FormError, LoadState, Section, copyText, errorText, submit, useForm, useId, useLoad } from "../ui";
import { tc } from "../i18n";
import { serverText } from "../server-messages";
import { NoZone } from "./DnsScreen";
import { SPF_LOOKUP_LIMIT, SPF_VOID_LIMIT, absoluteName, relativeName, replaceSpf, spfByName, termRows, txtText, type DnsRecord, type SpfAnalysis, type SpfMerge, type Zone } from "./zone";

const zonePath = (domain: string) => `/zones/${encodeURIComponent(domain)}`;

export function Spf(props: { domain: string }) {
  const { domain } = props;
  const loaded = useLoad(() => api<Zone>("GET", zonePath(domain)), [domain]);
  const failed = loaded.error.value;
  if (failed instanceof ApiError && failed.status === 404) return <NoZone domain={domain} error={failed} reload={loaded.reload} />;
  return (
    <LoadState loaded={loaded}>
      {(zone) => {
        const groups = spfByName(zone.records, zone.domain);
        return (
          <>
            <Section title={tc("dns.spf.records")}>
              <p class="muted">{tc("dns.spf.intro", { limit: SPF_LOOKUP_LIMIT })}</p>
              {!groups.some((g) => g.name === zone.domain) && <p class="warning" data-testid="spf-none">{tc("dns.spf.none", { domain })}</p>}
              {groups.map((g) => (
                <SpfName key={g.name + g.records.map((r) => r.id + r.data).join()} domain={domain} name={g.name} records={g.records} reload={loaded.reload} />
              ))}
            </Section>
            <Section title={tc("dns.spf.mergeTitle")}>
              <MergeTool domain={domain} zone={zone} reload={loaded.reload} />
            </Section>
            <Section title={tc("dns.spf.checkTitle")}>
              <ProposedCheck domain={domain} />
            </Section>
          </>
        );
      }}
    </LoadState>
  );
}

/** The SPF records at one name: the one-record rule, and each record's analysis. */
function SpfName(props: { domain: string; name: string; records: DnsRecord[]; reload: () => Promise<void> }) {
  const { domain, name, records } = props;
  const form = useForm();
  const merged = useSignal<SpfMerge | null>(null);
  const shown = relativeName(name, domain);
  const headingId = useId("spf-name");
  const prepare = () =>
    submit(form, async () => {
      merged.value = await api<SpfMerge>("POST", `${zonePath(domain)}/spf/merge`, { records: records.map((r) => txtText(r.data)) });
    });
  return (
    <section class="spf-name" aria-labelledby={headingId} data-name={name}>
      <h3 id={headingId}>{tc("dns.spf.at", { name: shown })}</h3>
      {records.length > 1 && (
        <div class="warning" data-testid="spf-rule-broken">
          <p>{tc("dns.spf.ruleBroken", { count: records.length, name: shown })}</p>
          {!merged.value && (
            <button type="button" class="primary" disabled={form.busy.value} onClick={() => void prepare()}>{tc("dns.spf.prepareMerge")}</button>
          )}
          <FormError form={form} />
        </div>
      )}
      {merged.value && (
        <MergePreview domain={domain} name={name} existing={records} merge={merged.value} onCancel={() => (merged.value = null)} onApplied={props.reload} />
      )}
      {records.map((r) => (
        <StoredAnalysis key={r.id + r.data} domain={domain} name={name} record={r} group={records} reload={props.reload} />
      ))}
    </section>
  );
}

/** One stored SPF record analysed by the server, with the flattening offer when it passes the limit. */
function StoredAnalysis(props: { domain: string; name: string; record: DnsRecord; group: DnsRecord[]; reload: () => Promise<void> }) {
  const text = txtText(props.record.data);
  // Analysed where it is published (its a and mx look up that name).
  const loaded = useLoad(() => api<SpfAnalysis>("POST", `${zonePath(props.domain)}/spf/analysis`, { record: text, name: props.name }), [text, props.name]);
  return (
    <div class="spf-record" data-record={props.record.id}>
      <p class="spf-text"><code>{text}</code></p>
      <LoadState loaded={loaded}>
        {(a) => (
          <>
            <AnalysisView analysis={a} />
            {a.lookups > SPF_LOOKUP_LIMIT && props.group.length === 1 && (
              <FlattenOffer domain={props.domain} name={props.name} existing={props.group} policies={[text]} onApplied={props.reload} />
            )}
          </>
        )}
      </LoadState>
    </div>
  );
}

/** The lookups term by term (nested terms under the include that pulls them in), the totals and the findings. */
export function AnalysisView(props: { analysis: SpfAnalysis }) {
  const a = props.analysis;
  const rows = termRows(a.terms);
  const over = a.lookups > SPF_LOOKUP_LIMIT;
  return (
    <div class="spf-analysis" data-lookups={a.lookups}>
      {rows.length > 0 ? (
        <div class="table-wrap">
          <table class="data stack spf-terms">
            <caption class="sr-only">{tc("dns.spf.termsCaption")}</caption>
            <thead>
              <tr>
                <th scope="col">{tc("dns.spf.term")}</th>
                <th scope="col">{tc("dns.spf.lookups")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r, i) => (
                <tr key={i} data-term={r.term} data-depth={r.depth} data-lookups={r.lookups}>
                  <td data-label={tc("dns.spf.term")} style={{ paddingLeft: `${0.5 + r.depth * 1.5}rem` }}>
                    {r.depth > 0 && <span class="sr-only">{tc("dns.spf.nestedIn", { term: r.parent })} </span>}
                    {r.depth > 0 && <span aria-hidden="true">↳ </span>}
                    <code>{r.term}</code>
                  </td>
                  <td data-label={tc("dns.spf.lookups")} class="num">{r.lookups}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">{tc("dns.spf.noTerms")}</p>
      )}
      <p class="spf-total">
        <span class={"badge " + (over ? "bad" : "ok")} data-testid="spf-total">{tc("dns.spf.total", { count: a.lookups, limit: SPF_LOOKUP_LIMIT })}</span>{" "}
        <span class={"badge " + (a.void_lookups > SPF_VOID_LIMIT ? "bad" : "ok")}>{tc("dns.spf.void", { count: a.void_lookups, limit: SPF_VOID_LIMIT })}</span>
        {over && <span class="field-error"> {tc("dns.spf.overLimit", { limit: SPF_LOOKUP_LIMIT })}</span>}
      </p>
      {a.findings.length > 0 ? (
        <ul class="spf-findings">
          {a.findings.map((f, i) => (
            <li key={i}>
              <span class={"badge " + (f.level === "error" ? "bad" : "warn")}>{f.level === "error" ? tc("dns.level.error") : tc("dns.level.warning")}</span>{" "}
              {f.domain && <span class="muted">{f.domain}: </span>}
              {serverText(f.message)}
            </li>
          ))}
        </ul>
      ) : (
        <p><span class="badge ok">{tc("dns.spf.valid")}</span></p>
      )}
    </div>
  );
}

/**
 * A merged policy before it is published: the record, its lookups, what the
 * merge changed, and the flattened form when over the limit; applying it
 * makes it the one SPF record at `name`, after a question that says which
 * records it replaces.
 */
function MergePreview(props: { domain: string; name: string; existing: DnsRecord[]; merge: SpfMerge; onCancel: () => void; onApplied: () => Promise<void> }) {
  const { domain, name, existing, merge } = props;
  const useFlat = useSignal(false);
  const error = useSignal("");
  const busy = useSignal(false);
  const choiceName = useId("spf-choice");
  const shown = relativeName(name, domain);
  const policy = useFlat.value && merge.flattened ? merge.flattened : merge.record;
  const apply = async () => {
    const ok = await askConfirm({
      title: tc("dns.spf.applyTitle", { name: shown }),
      text:
        existing.length > 1
          ? tc("dns.spf.applyReplace", { count: existing.length, name: shown, record: policy })
          : existing.length === 1
            ? tc("dns.spf.applyReplaceOne", { name: shown, record: policy })
            : tc("dns.spf.applyAdd", { name: shown, record: policy }),
      action: tc("dns.spf.apply"),
      danger: existing.length > 0,
    });
    if (!ok) return;
    busy.value = true;
    error.value = "";
    try {
      await replaceSpf(domain, name, existing, policy);
      toast(tc("dns.spf.applied", { name: shown }));
      await props.onApplied();
    } catch (e) {
      error.value = errorText(e);
    } finally {
      busy.value = false;
    }
  };
  return (
    <div class="spf-merge" data-testid="spf-merge-preview" role="region" aria-label={tc("dns.spf.preview")}>
      <h4>{tc("dns.spf.preview")}</h4>
      <p><code data-testid="spf-merged">{merge.record}</code> <button type="button" class="link" onClick={() => void copyText(merge.record)}>{tc("console.copy")}</button></p>
      <p>
        <span class={"badge " + (merge.lookups > SPF_LOOKUP_LIMIT ? "bad" : "ok")}>{tc("dns.spf.total", { count: merge.lookups, limit: SPF_LOOKUP_LIMIT })}</span>
      </p>
      {merge.notes.length > 0 && (
        <ul class="spf-notes" aria-label={tc("dns.spf.notes")}>
          {merge.notes.map((n, i) => <li key={i}>{serverText(n)}</li>)}
        </ul>
      )}
      {merge.flattened && (
        <fieldset class="spf-flatten" data-testid="spf-flatten">
          <legend>{tc("dns.spf.flattenOffer", { count: merge.lookups, limit: SPF_LOOKUP_LIMIT })}</legend>
          <p class="muted">{tc("dns.spf.flattenHelp")}</p>
          <label class="inline">
            <input type="radio" name={choiceName} checked={!useFlat.value} onChange={() => (useFlat.value = false)} />
            {tc("dns.spf.publishMerged")}
          </label>
          <label class="inline">
            <input type="radio" name={choiceName} checked={useFlat.value} onChange={() => (useFlat.value = true)} />
            {tc("dns.spf.publishFlattened")}
          </label>
          <p><code data-testid="spf-flattened">{merge.flattened}</code></p>
        </fieldset>
      )}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      <div class="row-actions">
        <button type="button" class="primary" disabled={busy.value} onClick={() => void apply()}>{tc("dns.spf.applyAt", { name: shown })}</button>
        <button type="button" onClick={props.onCancel}>{tc("dns.cancel")}</button>
      </div>
    </div>
  );
}

/** The flattening the server offers for one record over the limit (a merge of the record alone). */
function FlattenOffer(props: { domain: string; name: string; existing: DnsRecord[]; policies: string[]; onApplied: () => Promise<void> }) {
  const form = useForm();
  const merged = useSignal<SpfMerge | null>(null);
  const none = useSignal(false);
  const ask = () =>
    submit(form, async () => {
      const m = await api<SpfMerge>("POST", `${zonePath(props.domain)}/spf/merge`, { records: props.policies });
      none.value = !m.flattened;
      merged.value = m.flattened ? m : null;
    });
  return (
    <div class="spf-flatten-offer">
      {!merged.value && (
        <button type="button" disabled={form.busy.value} onClick={() => void ask()}>{tc("dns.spf.flattenAsk")}</button>
      )}
      {none.value && <p class="muted">{tc("dns.spf.flattenNone")}</p>}
      <FormError form={form} />
      {merged.value && (
        <MergePreview domain={props.domain} name={props.name} existing={props.existing} merge={merged.value} onCancel={() => (merged.value = null)} onApplied={props.onApplied} />
      )}
    </div>
  );
}

/** Another provider's policy (or several) merged with the zone's SPF at a name, previewed, then applied. */
function MergeTool(props: { domain: string; zone: Zone; reload: () => Promise<void> }) {
  const { domain, zone } = props;
  const form = useForm();
  const name = useSignal("@");
  const policies = useSignal("");
  const keep = useSignal(true);
  const preview = useSignal<{ name: string; existing: DnsRecord[]; merge: SpfMerge } | null>(null);
  const keepId = useId("spf-keep");
  const run = async (e: Event) => {
    e.preventDefault();
    const target = absoluteName(name.value, zone.domain);
    const existing = spfByName(zone.records, zone.domain).find((g) => g.name === target)?.records ?? [];
    const pasted = policies.value.split("\n").map((l) => l.trim()).filter(Boolean);
    const records = [...(keep.value ? existing.map((r) => txtText(r.data)) : []), ...pasted];
    preview.value = null;
    await submit(form, async () => {
      const merge = await api<SpfMerge>("POST", `${zonePath(domain)}/spf/merge`, { records });
      preview.value = { name: target, existing, merge };
    });
  };
  return (
    <>
      <p class="muted">{tc("dns.spf.mergeIntro")}</p>
      <form onSubmit={(e) => void run(e)} noValidate data-testid="spf-merge-form">
        <Field label={tc("dns.name")} name="name" form={form} help={tc("dns.nameHelp", { domain })}>
          {(a) => <input {...a} value={name.value} autoComplete="off" spellcheck={false} onInput={(e) => (name.value = e.currentTarget.value)} />}
        </Field>
        <Field label={tc("dns.spf.policies")} name="records" form={form} help={tc("dns.spf.policiesHelp")}>
          {(a) => <textarea {...a} rows={3} value={policies.value} spellcheck={false} onInput={(e) => (policies.value = e.currentTarget.value)} />}
        </Field>
        <label class="inline" for={keepId}>
          <input id={keepId} type="checkbox" checked={keep.value} onChange={(e) => (keep.value = e.currentTarget.checked)} />
          {tc("dns.spf.keepCurrent")}
        </label>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("dns.spf.previewAction")}</button>
        </div>
      </form>
      {preview.value && (
        <MergePreview
          domain={domain}
          name={preview.value.name}
          existing={preview.value.existing}
          merge={preview.value.merge}
          onCancel={() => (preview.value = null)}
          onApplied={async () => {
            preview.value = null;
            policies.value = "";
            await props.reload();
          }}
        />
      )}
    </>
  );
}

/** A record not yet published, analysed as it would be at the zone's apex. */
function ProposedCheck(props: { domain: string }) {
  const form = useForm();
  const text = useSignal("");
  const result = useSignal<SpfAnalysis | null>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    result.value = null;
    await submit(form, async () => {
      if (!text.value.trim()) throw new ApiError(422, "invalid", tc("console.required"), "record");
      result.value = await api<SpfAnalysis>("POST", `${zonePath(props.domain)}/spf/analysis`, { record: text.value.trim() });
    });
  };
  return (
    <>
      <form onSubmit={(e) => void run(e)} noValidate data-testid="spf-check-form">
        <Field label={tc("dns.spf.proposed")} name="record" form={form} help={tc("dns.spf.proposedHelp", { domain: props.domain })}>
          {(a) => <textarea {...a} rows={2} value={text.value} spellcheck={false} onInput={(e) => (text.value = e.currentTarget.value)} />}
        </Field>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" disabled={form.busy.value}>{tc("dns.spf.analyse")}</button>
        </div>
      </form>
      {result.value && (
        <div role="region" aria-label={tc("dns.spf.result")} data-testid="spf-check-result">
          <AnalysisView analysis={result.value} />
        </div>
      )}
    </>
  );
}
