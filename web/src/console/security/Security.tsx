// The security centre: two-factor authentication (enrolment with a QR
// code and one code to confirm, the emergency codes shown once, new codes,
// turning it off unless the organisation requires it), e-mail alerts on
// logins, and after how many failed logins in a row the account locks.
import { useSignal } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import { api } from "../../lib/api";
import { askConfirm } from "../../state/ask";
import { mustEnrol } from "../../state/session";
import { Qr } from "../Qr";
import { tc } from "../i18n";
import { copyText, download, Field, FormError, LoadState, Page, Section, ShownOnce, submit, useForm, useLoad, type FormState } from "../ui";
import { confirmEnrolment, disableSecondFactor, getMe, patchSecurity, regenerateCodes, startEnrolment, type Codes, type Me } from "./me";
import { forgetPrint, printText, Said } from "./parts";

export function SecurityScreen() {
  const loaded = useLoad(getMe, []);
  const set = (me: Me) => (loaded.data.value = me);
  return (
    <Page title={tc("security.title")}>
      <LoadState loaded={loaded}>
        {(me) => (
          <>
            <TwoFactor me={me} reload={loaded.reload} />
            <Alerts me={me} onSaved={set} />
            <Lockout me={me} onSaved={set} />
          </>
        )}
      </LoadState>
    </Page>
  );
}

/** The fields of a form as text (what the user typed is not kept anywhere else). */
function fields(e: Event): Record<string, string> {
  e.preventDefault();
  const out: Record<string, string> = {};
  new FormData(e.currentTarget as HTMLFormElement).forEach((v, k) => (out[k] = String(v)));
  return out;
}

/** A six-digit code input (an authenticator app's). */
function CodeInput(props: { a11y: Record<string, unknown> }) {
  return <input {...props.a11y} inputMode="numeric" autocomplete="one-time-code" maxLength={16} required class="code-input" />;
}

/** A base32 secret in groups of four, easier to type into an app. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, "$1 ");
}

/** The enrolment's steps, focused when they appear (the button that opened them is gone). */
function Steps(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLOListElement>(null);
  useLayoutEffect(() => ref.current?.focus(), []);
  return <ol class="steps" tabIndex={-1} ref={ref} aria-label={tc("security.tfa.stepsLabel")}>{props.children}</ol>;
}

function TwoFactor(props: { me: Me; reload: () => Promise<void> }) {
  const s = props.me.security;
  const enrolment = useSignal<{ secret: string; uri: string } | null>(null);
  const codes = useSignal<Codes | null>(null);
  const said = useSignal("");
  const start = useForm();
  const confirm = useForm();
  const regenerate = useForm();
  const disable = useForm();

  // Where the keyboard goes when what had the focus is gone (a form that was done, the codes' window).
  const refocus = () => setTimeout(() => document.getElementById("tfa-state")?.focus(), 0);
  const closeCodes = () => {
    codes.value = null; // the codes are gone from the page with the dialog
    forgetPrint();
    // Set up as the organisation requires: the whole app opens now.
    if (mustEnrol.value) {
      location.hash = "";
      location.reload();
      return;
    }
    refocus();
  };

  return (
    <Section title={tc("security.tfa.title")}>
      <p id="tfa-state" tabIndex={-1}>
        {tc("security.tfa.status")}{" "}
        <span class={"badge " + (s.two_factor ? "ok" : "warn")} data-testid="tfa-status">
          {s.two_factor ? tc("security.tfa.on") : tc("security.tfa.off")}
        </span>
      </p>
      <p class="muted">{tc("security.tfa.about")}</p>
      <Said text={said.value} />

      {!s.two_factor && !enrolment.value && (
        <>
          {s.two_factor_required && <p class="notice">{tc("security.tfa.requiredEnrol")}</p>}
          <FormError form={start} />
          <button type="button" class="primary" disabled={start.busy.value} onClick={() => void submit(start, async () => {
            const e = await startEnrolment();
            said.value = "";
            enrolment.value = { secret: e.secret, uri: e.otpauth_uri };
          })}>{tc("security.tfa.enable")}</button>
        </>
      )}

      {!s.two_factor && enrolment.value && (
        <div class="enrolment" data-testid="enrolment">
          <Steps>
            <li>{tc("security.tfa.step1")}</li>
            <li>
              {tc("security.tfa.step2")}
              <Qr text={enrolment.value.uri} what={tc("security.tfa.qrWhat")} />
              <p>
                {tc("security.tfa.keyIntro")} <code class="totp-secret" data-testid="totp-secret">{groupSecret(enrolment.value.secret)}</code>{" "}
                <button type="button" class="link" onClick={() => void copyText(enrolment.value!.secret)}>{tc("security.tfa.copyKey")}</button>
              </p>
            </li>
            <li>
              <form noValidate onSubmit={(e) => {
                const f = fields(e);
                void submit(confirm, async () => {
                  const got = await confirmEnrolment(f.code.trim(), f.password);
                  enrolment.value = null;
                  codes.value = got;
                  said.value = tc("security.tfa.enabled");
                  await props.reload();
                });
              }}>
                <Field label={tc("security.tfa.step3")} name="code" form={confirm} help={tc("security.tfa.codeHelp")}>
                  {(a11y) => <CodeInput a11y={a11y} />}
                </Field>
                <Field label={tc("security.password")} name="password" form={confirm} help={tc("security.tfa.passwordHelp")}>
                  {(a11y) => <input {...a11y} type="password" autocomplete="current-password" required />}
                </Field>
                <FormError form={confirm} />
                <div class="row-actions">
                  <button type="submit" class="primary" disabled={confirm.busy.value}>{tc("security.tfa.confirm")}</button>
                  <button type="button" onClick={() => { enrolment.value = null; refocus(); }}>{tc("security.cancel")}</button>
                </div>
              </form>
            </li>
          </Steps>
        </div>
      )}

      {s.two_factor && (
        <>
          <h3>{tc("security.codes.title")}</h3>
          <p class={s.emergency_codes_left <= 3 ? "warning" : ""} data-testid="codes-left">
            {tc("security.codes.left", { n: s.emergency_codes_left })}
          </p>
          <p class="muted">{tc("security.codes.about")}</p>
          <form noValidate onSubmit={async (e) => {
            const form = e.currentTarget as HTMLFormElement;
            const f = fields(e);
            if (!(await askConfirm({ title: tc("security.codes.regenerate"), text: tc("security.codes.regenerateText", { login: props.me.login }), action: tc("security.codes.regenerate") }))) return;
            const ok = await submit(regenerate, async () => {
              codes.value = await regenerateCodes(f.code.trim());
            });
            if (ok) {
              form.reset();
              await props.reload();
            }
          }}>
            <Field label={tc("security.tfa.code")} name="code" form={regenerate} help={tc("security.tfa.codeHelp")}>
              {(a11y) => <CodeInput a11y={a11y} />}
            </Field>
            <FormError form={regenerate} />
            <button type="submit" disabled={regenerate.busy.value}>{tc("security.codes.regenerate")}</button>
          </form>

          <h3>{tc("security.tfa.disableTitle")}</h3>
          <DisableForm me={props.me} form={disable} onDone={async () => {
            said.value = tc("security.tfa.disabled");
            await props.reload();
            refocus();
          }} />
        </>
      )}

      {codes.value && (
        <ShownOnce title={tc("security.codes.shownTitle")} label={tc("security.codes.label")} value={codes.value.emergency_codes.join("\n")} multiline onClose={closeCodes}>
          <p class="muted">{tc("security.codes.keep")}</p>
          <div class="row-actions">
            <button type="button" onClick={() => download("emergency-codes.txt", "text/plain;charset=utf-8", codes.value!.sheet)}>{tc("security.codes.download")}</button>
            <button type="button" onClick={() => printText(tc("security.codes.shownTitle"), codes.value!.sheet)}>{tc("security.codes.print")}</button>
          </div>
        </ShownOnce>
      )}
    </Section>
  );
}

function DisableForm(props: { me: Me; form: FormState; onDone: () => Promise<void> }) {
  const required = props.me.security.two_factor_required;
  return (
    <form noValidate onSubmit={async (e) => {
      const form = e.currentTarget as HTMLFormElement;
      const f = fields(e);
      if (!(await askConfirm({ title: tc("security.tfa.disableTitle"), text: tc("security.tfa.disableText", { login: props.me.login }), action: tc("security.tfa.disable"), danger: true }))) return;
      if (await submit(props.form, () => disableSecondFactor(f.password, f.code.trim()))) {
        form.reset();
        await props.onDone();
      }
    }}>
      {required && <p class="notice" id="tfa-required" data-testid="tfa-required">{tc("security.tfa.requiredByPolicy")}</p>}
      {!required && (
        <>
          <Field label={tc("security.password")} name="password" form={props.form}>
            {(a11y) => <input {...a11y} type="password" autocomplete="current-password" required />}
          </Field>
          <Field label={tc("security.tfa.code")} name="code" form={props.form}>
            {(a11y) => <input {...a11y} inputMode="numeric" autocomplete="one-time-code" maxLength={16} required class="code-input" />}
          </Field>
        </>
      )}
      <FormError form={props.form} />
      <button type="submit" class="danger" data-testid="tfa-disable" disabled={required || props.form.busy.value} aria-describedby={required ? "tfa-required" : undefined}>
        {tc("security.tfa.disable")}
      </button>
    </form>
  );
}

/** The addresses the user may choose for alerts (GET /me/addresses): those nobody else reads. */
const myAddresses = () =>
  api<{ addresses: { address: string; shared?: boolean }[] }>("GET", "/me/addresses").then((r) => r.addresses.filter((a) => !a.shared).map((a) => a.address));

function Alerts(props: { me: Me; onSaved: (me: Me) => void }) {
  const s = props.me.security;
  const form = useForm();
  const said = useSignal("");
  const addresses = useLoad(myAddresses, []);
  const address = useSignal(s.alert_address);
  return (
    <Section title={tc("security.alerts.title")}>
      <p class="muted">{tc("security.alerts.about")}</p>
      <form noValidate onSubmit={(e) => {
        const el = e.currentTarget as HTMLFormElement;
        e.preventDefault();
        const change = {
          alert_on_success: (el.elements.namedItem("alert_on_success") as HTMLInputElement).checked,
          alert_on_failure: (el.elements.namedItem("alert_on_failure") as HTMLInputElement).checked,
          alert_address: address.value,
        };
        said.value = "";
        void submit(form, async () => {
          props.onSaved(await patchSecurity(change));
          said.value = tc("security.saved");
        });
      }}>
        <fieldset>
          <legend>{tc("security.alerts.when")}</legend>
          <label class="inline check">
            <input type="checkbox" name="alert_on_success" defaultChecked={s.alert_on_success} />
            {tc("security.alerts.success")}
          </label>
          <label class="inline check">
            <input type="checkbox" name="alert_on_failure" defaultChecked={s.alert_on_failure} />
            {tc("security.alerts.failure")}
          </label>
        </fieldset>
        <Field label={tc("security.alerts.address")} name="alert_address" form={form} help={tc("security.alerts.addressHelp")}>
          {(a11y) => (
            <select {...a11y} value={address.value} onChange={(e) => (address.value = e.currentTarget.value)}>
              <option value="">{tc("security.alerts.addressDefault")}</option>
              {(addresses.data.value ?? (s.alert_address ? [s.alert_address] : [])).map((a) => (
                <option key={a} value={a}>{a}</option>
              ))}
            </select>
          )}
        </Field>
        <FormError form={form} />
        <button type="submit" class="primary" disabled={form.busy.value}>{tc("security.save")}</button>
        <Said text={said.value} />
      </form>
    </Section>
  );
}

function Lockout(props: { me: Me; onSaved: (me: Me) => void }) {
  const s = props.me.security;
  const form = useForm();
  const said = useSignal("");
  return (
    <Section title={tc("security.lockout.title")}>
      <p>{tc("security.lockout.current", { n: s.lockout_threshold })}</p>
      <form noValidate onSubmit={(e) => {
        const f = fields(e);
        said.value = "";
        const v = f.lockout_threshold.trim();
        // A number goes as one; anything else as typed, and the server says what is wrong with it.
        const threshold = /^\d+$/.test(v) ? Number(v) : v;
        void submit(form, async () => {
          props.onSaved(await patchSecurity({ lockout_threshold: threshold as number }));
          said.value = tc("security.saved");
        });
      }}>
        <Field label={tc("security.lockout.label")} name="lockout_threshold" form={form} help={tc("security.lockout.help", { min: s.minimum_lockout_threshold, max: 100 })}>
          {(a11y) => <input {...a11y} type="number" inputMode="numeric" min={s.minimum_lockout_threshold} max={100} step={1} defaultValue={String(s.lockout_threshold)} class="narrow" />}
        </Field>
        <FormError form={form} />
        <button type="submit" class="primary" disabled={form.busy.value}>{tc("security.save")}</button>
        <Said text={said.value} />
      </form>
    </Section>
  );
}
