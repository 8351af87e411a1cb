// What an administrator changes in the organisation's addresses and
// domains: a new address, an address's quota and Sent copy, a new domain
// (with the DNS record that verifies it).
import { useSignal } from "@preact/signals";
import { consoleHash } from "../../state/route";
import { toast } from "../../state/session";
import { copyText, Field, FormError, Section, submit, useForm } from "../ui";
import { tc } from "../i18n";
import { FocusDialog } from "./common";
import { addDomain, createAddress, updateAddress, type Address, type Service, type Verification } from "./api";

export function AddAddress({ reload }: { reload: () => Promise<void> }) {
  const form = useForm();
  const address = useSignal("");
  return (
    <Section title={tc("org.address.add")}>
      <form
        noValidate
        class="org-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const made = address.value.trim();
          if (await submit(form, () => createAddress(made), "address")) {
            address.value = "";
            await reload();
            toast(tc("org.address.added", { address: made }));
          }
        }}
      >
        <Field label={tc("org.address.address")} name="address" form={form} help={tc("org.address.addHelp")}>
          {(a11y) => <input {...a11y} type="email" autoComplete="off" value={address.value} onInput={(e) => (address.value = e.currentTarget.value)} />}
        </Field>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("org.address.addButton")}</button>
        </div>
      </form>
    </Section>
  );
}

const MB = 1024 * 1024;

/** A size in MB as a person types it ("" is no limit); null when it is not a number. */
export function parseMegabytes(text: string): number | null | undefined {
  const t = text.trim().replace(",", ".");
  if (t === "") return null;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) return undefined;
  return Math.round(n * MB);
}

/** The quota, the message limit and the Sent copy of an address, in a dialog. */
export function QuotaDialog({ a, onClose, onSaved }: { a: Address; onClose: () => void; onSaved: () => Promise<void> }) {
  const form = useForm();
  const bytes = useSignal(a.quota_bytes === null ? "" : String(Math.round((a.quota_bytes / MB) * 100) / 100));
  const messages = useSignal(a.quota_messages === null ? "" : String(a.quota_messages));
  const saveSent = useSignal(a.save_sent);
  return (
    <FocusDialog title={tc("org.quota.title", { address: a.address })} onClose={onClose}>
      {(close) => (
        <form
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            const quotaBytes = parseMegabytes(bytes.value);
            const m = messages.value.trim();
            const quotaMessages = m === "" ? null : /^\d+$/.test(m) && Number(m) > 0 ? Number(m) : undefined;
            if (quotaBytes === undefined || quotaMessages === undefined) {
              form.fields.value = quotaBytes === undefined ? { quota_bytes: tc("org.quota.badSize") } : { quota_messages: tc("org.quota.badCount") };
              return;
            }
            if (await submit(form, () => updateAddress(a.address, { quota_bytes: quotaBytes, quota_messages: quotaMessages, save_sent: saveSent.value }))) {
              toast(tc("org.quota.saved", { address: a.address }));
              close();
              await onSaved();
            }
          }}
        >
          <Field label={tc("org.quota.bytes")} name="quota_bytes" form={form} help={tc("org.quota.bytesHelp")}>
            {(a11y) => <input {...a11y} inputMode="decimal" value={bytes.value} onInput={(e) => (bytes.value = e.currentTarget.value)} />}
          </Field>
          <Field label={tc("org.quota.messages")} name="quota_messages" form={form} help={tc("org.quota.messagesHelp")}>
            {(a11y) => <input {...a11y} inputMode="numeric" value={messages.value} onInput={(e) => (messages.value = e.currentTarget.value)} />}
          </Field>
          <label class="check">
            <input type="checkbox" name="save_sent" checked={saveSent.value} onChange={(e) => (saveSent.value = e.currentTarget.checked)} /> {tc("org.quota.saveSent")}
          </label>
          <FormError form={form} />
          <div class="dialog-actions">
            <button type="button" onClick={close}>{tc("org.quota.cancel")}</button>
            <button type="submit" class="primary" disabled={form.busy.value}>{tc("org.quota.save")}</button>
          </div>
        </form>
      )}
    </FocusDialog>
  );
}

export function AddDomain({ services, reload }: { services: Service[]; reload: () => Promise<void> }) {
  const form = useForm();
  const name = useSignal("");
  const service = useSignal(services[0]?.name ?? "");
  const added = useSignal<{ domain: string; verification: Verification | null } | null>(null);
  return (
    <Section title={tc("org.domain.add")}>
      <form
        noValidate
        class="org-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const domain = name.value.trim();
          let verification: Verification | null = null;
          added.value = null;
          if (await submit(form, async () => (verification = (await addDomain(service.value, domain)).verification ?? null), services.length <= 1 ? "name" : undefined)) {
            added.value = { domain, verification };
            name.value = "";
            await reload();
          }
        }}
      >
        <Field label={tc("org.domain.name")} name="name" form={form}>
          {(a11y) => <input {...a11y} autoComplete="off" value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />}
        </Field>
        {services.length > 1 && (
          <Field label={tc("org.domain.service")} name="service" form={form}>
            {(a11y) => (
              <select {...a11y} value={service.value} onChange={(e) => (service.value = e.currentTarget.value)}>
                {services.map((s) => <option key={s.name} value={s.name}>{s.name}</option>)}
              </select>
            )}
          </Field>
        )}
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("org.domain.addButton")}</button>
        </div>
      </form>
      {added.value && (
        <div class="notice" role="status" data-testid="domain-added">
          <p>{tc(added.value.verification ? "org.domain.addedPending" : "org.domain.addedVerified", { domain: added.value.domain })}</p>
          {added.value.verification && (
            <p>
              <code data-testid="verification-record">{`${added.value.verification.name} TXT "${added.value.verification.value}"`}</code>{" "}
              <button type="button" class="link" onClick={() => void copyText(`${added.value!.verification!.name} TXT "${added.value!.verification!.value}"`)}>{tc("console.copy")}</button>
            </p>
          )}
          <a href={consoleHash("dns", added.value.domain)}>{tc("org.domain.openDns", { domain: added.value.domain })}</a>
        </div>
      )}
    </Section>
  );
}
