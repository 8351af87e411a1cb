// The users of an address (#/console/address/{address}), for the
// organisation's admins: who has access, since when, with how many
// devices; give a member access by login (the address is in their list at
// once); per user, whether they may change the special folders, and two
// different ways to take something away — "disconnect all devices" (their
// device passwords are revoked, the access stays for the web app) and
// "remove access" (the address is no longer theirs at all).
import { useSignal } from "@preact/signals";
import { consoleHash } from "../../state/route";
import { askConfirm } from "../../state/ask";
import { toast } from "../../state/session";
import { Field, FormError, LoadState, Page, Section, act, submit, useForm, useId, useLoad } from "../ui";
import { fmtDateTime, tc } from "../i18n";
import { fmtNumber } from "../../i18n";
import { keepingFocus, notFoundAs, usePaged } from "./common";
import { Usage } from "./Organisation";
import {
  disconnectDevices, grantAccess, listAccess, listMembers, listServices, removeAccess, setSpecialFolders, showAddress,
  type AccessUser, type Address, type Member,
} from "./api";

export function AddressUsersScreen({ address }: { address: string }) {
  const loaded = useLoad(
    notFoundAs(
      async () => {
        const [a, users, members, services] = await Promise.all([showAddress(address), listAccess(address), listMembers(), listServices()]);
        return { a, users, members, service: services.find((s) => s.id === a.service_id) ?? null };
      },
      () => tc("org.address.notFound", { address }),
    ),
    [address],
  );
  return (
    <Page title={tc("org.access.title", { address })}>
      <p>
        <a href={consoleHash("organisation", "addresses")}>{tc("org.access.back")}</a>
      </p>
      <LoadState loaded={loaded}>
        {({ a, users, members, service }) => (
          <>
            {service?.locked && (
              <p class="warning" data-testid="locked">
                {tc("org.address.refused", { service: service.name })} <a href={consoleHash("organisation", "services")}>{tc("org.access.toServices")}</a>
              </p>
            )}
            <Users a={a} users={users} members={members} reload={loaded.reload} />
          </>
        )}
      </LoadState>
    </Page>
  );
}

function who(u: AccessUser): string {
  return u.display_name ? `${u.display_name} (${u.login})` : u.login;
}

function Users({ a, users, members, reload }: { a: Address; users: AccessUser[]; members: Member[]; reload: () => Promise<void> }) {
  const sorted = [...users].sort((x, y) => x.login.localeCompare(y.login));
  const { rows, pager } = usePaged(sorted);
  const busy = useSignal("");
  // The shared act (reload, then the toast), with the row busy meanwhile.
  const actOn = async (u: AccessUser, what: () => Promise<string>) => {
    busy.value = u.login;
    try {
      await act(what, reload);
    } finally {
      busy.value = "";
    }
  };
  const disconnect = async (u: AccessUser) => {
    const ok = await askConfirm({
      title: tc("org.access.disconnectTitle", { login: u.login }),
      text: tc("org.access.disconnectText", { who: who(u), address: a.address, count: fmtNumber(u.devices) }),
      action: tc("org.access.disconnect"),
      danger: true,
    });
    if (ok) await actOn(u, async () => tc("org.access.disconnected", { count: fmtNumber((await disconnectDevices(a.address, u.login)).revoked_devices), login: u.login, address: a.address }));
  };
  const remove = async (u: AccessUser) => {
    const ok = await askConfirm({
      title: tc("org.access.removeTitle", { login: u.login, address: a.address }),
      text: tc("org.access.removeText", { who: who(u), address: a.address }),
      action: tc("org.access.remove"),
      danger: true,
    });
    if (ok) await actOn(u, async () => (await removeAccess(a.address, u.login), tc("org.access.removed", { login: u.login, address: a.address })));
  };
  const toggle = (u: AccessUser, on: boolean) =>
    actOn(u, async () => (await setSpecialFolders(a.address, u.login, on), tc(on ? "org.access.specialOn" : "org.access.specialOff", { login: u.login })));
  return (
    <>
      <Section title={tc("org.access.quota")}>
        <Usage a={a} />
      </Section>
      <Section title={tc("org.access.users")}>
        <p class="muted">{tc("org.access.intro")}</p>
        <div class="table-wrap">
          <table class="data stack" data-testid="access" id="access-users" tabIndex={-1}>
            <thead>
              <tr>
                <th scope="col">{tc("org.access.user")}</th>
                <th scope="col">{tc("org.access.since")}</th>
                <th scope="col">{tc("org.access.devices")}</th>
                <th scope="col">{tc("org.access.special")}</th>
                <th scope="col">{tc("console.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => (
                <tr key={u.login} data-login={u.login}>
                  <td data-label={tc("org.access.user")}>{who(u)}</td>
                  <td data-label={tc("org.access.since")}>{fmtDateTime(u.since)}</td>
                  <td data-label={tc("org.access.devices")} data-testid="devices">{fmtNumber(u.devices)}</td>
                  <td data-label={tc("org.access.special")}>
                    <SpecialToggle u={u} busy={busy.value === u.login} onChange={(on) => void toggle(u, on)} />
                  </td>
                  <td data-label={tc("console.actions")}>
                    <div class="row-actions">
                      <button type="button" disabled={busy.value === u.login} onClick={() => void keepingFocus(() => disconnect(u))} aria-label={tc("org.access.disconnectOf", { login: u.login })}>
                        {tc("org.access.disconnect")}
                      </button>
                      <button type="button" class="danger" disabled={busy.value === u.login} onClick={() => void keepingFocus(() => remove(u), "access-users")} aria-label={tc("org.access.removeOf", { login: u.login })}>
                        {tc("org.access.remove")}
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {users.length === 0 && <p class="muted">{tc("org.access.nobody")}</p>}
        {pager}
      </Section>
      <Grant address={a.address} candidates={members.filter((m) => !users.some((u) => u.login === m.login)).map((m) => m.login)} reload={reload} />
    </>
  );
}

function SpecialToggle({ u, busy, onChange }: { u: AccessUser; busy: boolean; onChange: (on: boolean) => void }) {
  const id = useId("special");
  return (
    <label class="inline" for={id}>
      <input id={id} type="checkbox" checked={u.may_change_special_folders} disabled={busy} onChange={(e) => onChange(e.currentTarget.checked)} aria-label={tc("org.access.specialOf", { login: u.login })} />
      <span aria-hidden="true">{u.may_change_special_folders ? tc("console.yes") : tc("console.no")}</span>
    </label>
  );
}

function Grant({ address, candidates, reload }: { address: string; candidates: string[]; reload: () => Promise<void> }) {
  const form = useForm();
  const login = useSignal("");
  const special = useSignal(true);
  const listId = useId("members");
  return (
    <Section title={tc("org.access.add")}>
      <form
        noValidate
        class="org-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const l = login.value.trim();
          if (await submit(form, () => grantAccess(address, l, special.value))) {
            login.value = "";
            await reload();
            toast(tc("org.access.added", { login: l, address }));
          }
        }}
      >
        <Field label={tc("org.access.login")} name="login" form={form} help={tc("org.access.loginHelp")}>
          {(a11y) => <input {...a11y} type="email" autoComplete="off" list={listId} value={login.value} onInput={(e) => (login.value = e.currentTarget.value)} />}
        </Field>
        <datalist id={listId}>
          {candidates.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
        <div class="field">
          <label class="inline">
            <input type="checkbox" name="may_change_special_folders" checked={special.value} onChange={(e) => (special.value = e.currentTarget.checked)} />
            {tc("org.access.specialLabel")}
          </label>
        </div>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("org.access.addButton")}</button>
        </div>
      </form>
    </Section>
  );
}
