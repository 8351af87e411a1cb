// "My devices" (#/console/devices[/{address}]), for every user: the device
// passwords of one of their addresses (each mail program or phone gets its
// own, revocable alone), a new one shown once with a QR code, an Apple
// profile (.mobileconfig) with a new one inside, the settings to type into
// a mail program, and the list with when and where each was last used.
import { useSignal } from "@preact/signals";
import { askConfirm } from "../../state/ask";
import { goConsole } from "../../state/route";
import { toast, user } from "../../state/session";
import { Qr } from "../Qr";
import { act, Field, FormError, LoadState, Page, Section, ShownOnce, download, errorText, submit, useForm, useLoad } from "../ui";
import { fmtDateTime, tc } from "../i18n";
import { AddressPicker, keepingFocus, usePaged } from "./common";
import { appleProfile, clientSettings, createDevice, listDevices, myAddresses, revokeDevice, type ClientSettings, type Device } from "./api";

export function DevicesScreen({ address }: { address: string | undefined }) {
  const loaded = useLoad(myAddresses, []);
  return (
    <Page title={tc("devices.title")}>
      <p class="muted">{tc("devices.intro")}</p>
      <LoadState loaded={loaded}>
        {(addresses) => {
          if (addresses.length === 0) return <p class="notice">{tc("devices.noAddress")}</p>;
          const chosen = address ?? addresses[0];
          if (!addresses.includes(chosen)) return <p class="notice" role="alert">{tc("devices.notYours", { address: chosen })}</p>;
          return (
            <>
              <AddressPicker addresses={addresses} value={chosen} onChange={(a) => goConsole("devices", a)} />
              <ForAddress key={chosen} address={chosen} />
            </>
          );
        }}
      </LoadState>
    </Page>
  );
}

interface Secret {
  label: string;
  password: string;
}

function ForAddress({ address }: { address: string }) {
  const login = user.value!.login;
  const devices = useLoad(() => listDevices(address, login), [address]);
  // The new password, only while its dialog is open (null again when it closes).
  const secret = useSignal<Secret | null>(null);
  return (
    <>
      <NewDevice address={address} onCreated={(s) => (secret.value = s)} reload={devices.reload} />
      {secret.value && (
        <ShownOnce
          title={tc("devices.createdTitle", { label: secret.value.label })}
          label={tc("devices.password", { address })}
          value={secret.value.password}
          onClose={() => {
            secret.value = null;
            document.getElementById("devices-list")?.focus();
          }}
        >
          <p>{tc("devices.scan")}</p>
          <Qr text={secret.value.password} what={tc("devices.qrWhat", { label: secret.value.label })} />
        </ShownOnce>
      )}
      <AppleProfile address={address} reload={devices.reload} />
      <ManualSettings address={address} />
      <Section title={tc("devices.list")} id="devices-section">
        <LoadState loaded={devices}>{(list) => <DeviceList address={address} devices={list} reload={devices.reload} />}</LoadState>
      </Section>
    </>
  );
}

function NewDevice({ address, onCreated, reload }: { address: string; onCreated: (s: Secret) => void; reload: () => Promise<void> }) {
  const form = useForm();
  const label = useSignal("");
  return (
    <Section title={tc("devices.new")}>
      <form
        noValidate
        class="org-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const made: { secret: Secret | null } = { secret: null };
          const ok = await submit(form, async () => {
            const d = await createDevice(address, label.value.trim());
            made.secret = { label: d.label, password: d.password };
          });
          if (ok && made.secret) {
            label.value = "";
            onCreated(made.secret);
            made.secret = null;
            await reload();
          }
        }}
      >
        <Field label={tc("devices.label")} name="label" form={form} help={tc("devices.labelHelp")}>
          {(a11y) => <input {...a11y} autoComplete="off" maxLength={100} value={label.value} onInput={(e) => (label.value = e.currentTarget.value)} />}
        </Field>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("devices.create")}</button>
        </div>
      </form>
    </Section>
  );
}

function AppleProfile({ address, reload }: { address: string; reload: () => Promise<void> }) {
  const form = useForm();
  const label = useSignal("");
  return (
    <Section title={tc("devices.apple")}>
      <p class="muted">{tc("devices.appleIntro")}</p>
      <form
        noValidate
        class="org-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const name = label.value.trim();
          if (await submit(form, async () => download(address + ".mobileconfig", "application/x-apple-aspen-config", await appleProfile(address, name)))) {
            label.value = "";
            await reload();
            toast(tc("devices.appleDone", { label: name }));
          }
        }}
      >
        <Field label={tc("devices.appleLabel")} name="device" form={form} help={tc("devices.appleHelp")}>
          {(a11y) => <input {...a11y} autoComplete="off" maxLength={100} value={label.value} onInput={(e) => (label.value = e.currentTarget.value)} />}
        </Field>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("devices.appleButton")}</button>
        </div>
      </form>
    </Section>
  );
}

function socketName(s: string): string {
  return s.toUpperCase() === "STARTTLS" ? "STARTTLS" : tc("devices.ssl");
}

function ManualSettings({ address }: { address: string }) {
  const loaded = useLoad<ClientSettings>(() => clientSettings(address), [address]);
  return (
    <Section title={tc("devices.manual")}>
      <LoadState loaded={loaded}>
        {(s) => (
          <>
            <dl class="org-settings" data-testid="manual-settings">
              <dt>{tc("devices.incoming")}</dt>
              <dd>
                {tc("devices.server", { host: s.imap.host, port: s.imap.port, security: socketName(s.imap.socket) })}
              </dd>
              <dt>{tc("devices.outgoing")}</dt>
              {s.smtp.map((o, i) => (
                <dd key={i}>{tc(i === 0 ? "devices.server" : "devices.serverOr", { host: o.host, port: o.port, security: socketName(o.socket) })}</dd>
              ))}
              <dt>{tc("devices.username")}</dt>
              <dd>{address}</dd>
              <dt>{tc("devices.passwordField")}</dt>
              <dd>{tc("devices.passwordIs")}</dd>
            </dl>
            {!s.fromServer && <p class="muted small">{tc("devices.guessedHost")}</p>}
          </>
        )}
      </LoadState>
    </Section>
  );
}

function DeviceList({ address, devices, reload }: { address: string; devices: Device[]; reload: () => Promise<void> }) {
  // Live ones first, newest first.
  const sorted = [...devices].sort((a, b) => Number(a.revoked) - Number(b.revoked) || b.created - a.created);
  const { rows, pager } = usePaged(sorted);
  const revoke = async (d: Device) => {
    const ok = await askConfirm({
      title: tc("devices.revokeTitle", { label: d.label }),
      text: tc("devices.revokeText", { label: d.label, address }),
      action: tc("devices.revoke"),
      danger: true,
    });
    if (ok) await act(async () => (await revokeDevice(d.id), tc("devices.revoked", { label: d.label })), reload);
  };
  if (devices.length === 0) return <p class="muted" id="devices-list" tabIndex={-1}>{tc("devices.none")}</p>;
  return (
    <>
      <div class="table-wrap">
        <table class="data stack" data-testid="devices" id="devices-list" tabIndex={-1}>
          <caption class="sr-only">{tc("devices.listOf", { address })}</caption>
          <thead>
            <tr>
              <th scope="col">{tc("devices.label")}</th>
              <th scope="col">{tc("devices.created")}</th>
              <th scope="col">{tc("devices.lastUsed")}</th>
              <th scope="col">{tc("console.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id} data-device={d.id} data-device-label={d.label}>
                <td data-label={tc("devices.label")}>{d.label}</td>
                <td data-label={tc("devices.created")}>{fmtDateTime(d.created)}</td>
                <td data-label={tc("devices.lastUsed")}>
                  {d.last_used ? tc("devices.usedFrom", { time: fmtDateTime(d.last_used), ip: d.last_ip || "—" }) : tc("console.never")}
                </td>
                <td data-label={tc("console.actions")}>
                  {d.revoked ? (
                    <span class="badge bad">{tc("devices.isRevoked")}</span>
                  ) : (
                    <button type="button" class="danger" onClick={() => void keepingFocus(() => revoke(d), "devices-list")} aria-label={tc("devices.revokeOf", { label: d.label })}>{tc("devices.revoke")}</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {pager}
    </>
  );
}
