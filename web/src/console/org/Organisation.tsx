// The organisation, for its admins and legal representatives: members and
// their roles, the mail services (locked or not), the domains, and the
// addresses with their quota and usage, one part at a time
// (#/console/organisation/{part}). A member is refused by the server
// (the addresses with usage are for admins) and the page says so.
import { useSignal } from "@preact/signals";
import { consoleHash } from "../../state/route";
import { askConfirm, askText } from "../../state/ask";
import { toast, user } from "../../state/session";
import { fmtNumber, fmtSize } from "../../i18n";
import { act, Field, FormError, LoadState, Page, Section, errorText, submit, useForm, useLoad } from "../ui";
import { fmtDateTime, tc, type CKey } from "../i18n";
import { FocusDialog, keepingFocus, usePaged } from "./common";
import { AddAddress, AddDomain, QuotaDialog } from "./Manage";
import {
  ROLES, createMember, deleteAddress, loadOrganisation, removeDomain, lockService, quotaFraction, removeMember, setRole,
  type Address, type Domain, type Member, type Role, type Service,
} from "./api";

const PARTS = ["members", "services", "domains", "addresses"] as const;
type Part = (typeof PARTS)[number];

type Data = Awaited<ReturnType<typeof loadOrganisation>>;

export function OrganisationScreen({ part }: { part: string | undefined }) {
  const loaded = useLoad(loadOrganisation, []);
  const current: Part = (PARTS as readonly string[]).includes(part ?? "") ? (part as Part) : "members";
  const title = loaded.data.value?.org ? tc("org.titleOf", { name: loaded.data.value.org.name }) : tc("org.title");
  return (
    <Page title={title}>
      <LoadState loaded={loaded}>
        {(data) => (
          <>
            <nav class="org-parts" aria-label={tc("org.parts")}>
              <ul>
                {PARTS.map((p) => (
                  <li key={p}>
                    <a href={consoleHash("organisation", p)} aria-current={p === current ? "page" : undefined}>
                      {tc(("org.part." + p) as CKey)} <span class="muted">({fmtNumber(count(data, p))})</span>
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
            {current === "members" && <Members data={data} reload={loaded.reload} />}
            {current === "services" && <Services data={data} reload={loaded.reload} />}
            {current === "domains" && <Domains data={data} reload={loaded.reload} />}
            {current === "addresses" && <Addresses data={data} reload={loaded.reload} />}
          </>
        )}
      </LoadState>
    </Page>
  );
}

function count(d: Data, p: Part): number {
  return p === "members" ? d.members.length : p === "services" ? d.services.length : p === "domains" ? d.domains.length : d.addresses.length;
}

export function roleName(r: string): string {
  return (ROLES as string[]).includes(r) ? tc(("org.role." + r) as CKey) : r;
}

// --- members

function Members({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const sorted = [...data.members].sort((a, b) => a.login.localeCompare(b.login));
  const { rows, pager } = usePaged(sorted);
  const editing = useSignal<Member | null>(null);
  const me = user.value?.login;
  const remove = async (m: Member) => {
    const ok = await askConfirm({
      title: tc("org.member.removeTitle", { login: m.login }),
      text: tc("org.member.removeText", { name: m.display_name || m.login, login: m.login }),
      action: tc("org.member.remove"),
      danger: true,
    });
    if (ok) await act(async () => (await removeMember(m.login), tc("org.member.removed", { login: m.login })), reload);
  };
  return (
    <>
      <Section title={tc("org.part.members")}>
        <div class="table-wrap">
          <table class="data stack" data-testid="members">
            <thead>
              <tr>
                <th scope="col">{tc("org.member.name")}</th>
                <th scope="col">{tc("org.member.login")}</th>
                <th scope="col">{tc("org.member.role")}</th>
                <th scope="col">{tc("org.member.since")}</th>
                <th scope="col">{tc("console.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.login} data-login={m.login}>
                  <td data-label={tc("org.member.name")}>{m.display_name || "—"}</td>
                  <td data-label={tc("org.member.login")}>{m.login}{m.login === me && <span class="badge"> {tc("org.member.you")}</span>}</td>
                  <td data-label={tc("org.member.role")} data-testid="role">{roleName(m.role)}</td>
                  <td data-label={tc("org.member.since")}>{fmtDateTime(m.created)}</td>
                  <td data-label={tc("console.actions")}>
                    <div class="row-actions">
                      <button type="button" onClick={() => (editing.value = m)} aria-label={tc("org.member.changeRoleOf", { login: m.login })}>{tc("org.member.changeRole")}</button>
                      {m.login !== me && (
                        <button type="button" class="danger" onClick={() => void keepingFocus(() => remove(m))} aria-label={tc("org.member.removeOf", { login: m.login })}>{tc("org.member.remove")}</button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {pager}
      </Section>
      <AddMember reload={reload} />
      {editing.value && <RoleDialog member={editing.value} onClose={() => (editing.value = null)} reload={reload} />}
    </>
  );
}

function RoleSelect(props: { a11y: Record<string, unknown>; value: Role; onChange: (r: Role) => void }) {
  return (
    <select {...props.a11y} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value as Role)}>
      {ROLES.map((r) => (
        <option key={r} value={r}>{roleName(r)}</option>
      ))}
    </select>
  );
}

function RoleDialog({ member, onClose, reload }: { member: Member; onClose: () => void; reload: () => Promise<void> }) {
  const form = useForm();
  const role = useSignal<Role>(member.role);
  return (
    <FocusDialog title={tc("org.member.changeRoleOf", { login: member.login })} onClose={onClose}>
      {(close) => (
        <form
          noValidate
          onSubmit={async (e) => {
            e.preventDefault();
            if (await submit(form, () => setRole(member.login, role.value))) {
              close();
              await reload();
              toast(tc("org.member.roleChanged", { login: member.login, role: roleName(role.value) }));
            }
          }}
        >
          <Field label={tc("org.member.role")} name="role" form={form} help={tc("org.role.help")}>
            {(a11y) => <RoleSelect a11y={a11y} value={role.value} onChange={(r) => (role.value = r)} />}
          </Field>
          <FormError form={form} />
          <div class="dialog-actions">
            <button type="button" onClick={close}>{tc("org.cancel")}</button>
            <button type="submit" class="primary" disabled={form.busy.value}>{tc("org.member.saveRole")}</button>
          </div>
        </form>
      )}
    </FocusDialog>
  );
}

function AddMember({ reload }: { reload: () => Promise<void> }) {
  const form = useForm();
  const login = useSignal("");
  const name = useSignal("");
  const role = useSignal<Role>("member");
  const password = useSignal("");
  return (
    <Section title={tc("org.member.add")}>
      <form
        noValidate
        class="org-form"
        onSubmit={async (e) => {
          e.preventDefault();
          const added = login.value.trim();
          if (await submit(form, () => createMember({ login: added, display_name: name.value.trim(), role: role.value, password: password.value }))) {
            login.value = name.value = password.value = "";
            role.value = "member";
            await reload();
            toast(tc("org.member.added", { login: added }));
          }
        }}
      >
        <Field label={tc("org.member.login")} name="login" form={form} help={tc("org.member.loginHelp")}>
          {(a11y) => <input {...a11y} type="email" autoComplete="off" value={login.value} onInput={(e) => (login.value = e.currentTarget.value)} />}
        </Field>
        <Field label={tc("org.member.name")} name="display_name" form={form}>
          {(a11y) => <input {...a11y} autoComplete="off" value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />}
        </Field>
        <Field label={tc("org.member.role")} name="role" form={form} help={tc("org.role.help")}>
          {(a11y) => <RoleSelect a11y={a11y} value={role.value} onChange={(r) => (role.value = r)} />}
        </Field>
        <Field label={tc("org.member.password")} name="password" form={form} help={tc("org.member.passwordHelp")}>
          {(a11y) => <input {...a11y} type="password" autoComplete="new-password" value={password.value} onInput={(e) => (password.value = e.currentTarget.value)} />}
        </Field>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("org.member.addButton")}</button>
        </div>
      </form>
    </Section>
  );
}

// --- mail services

function addressesOf(data: Data, s: Service): Address[] {
  return data.addresses.filter((a) => a.service_id === s.id);
}

function Services({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { rows, pager } = usePaged([...data.services].sort((a, b) => a.name.localeCompare(b.name)));
  const busy = useSignal("");
  const change = async (s: Service, locked: boolean) => {
    const n = addressesOf(data, s).length;
    if (locked) {
      const ok = await askConfirm({
        title: tc("org.service.lockTitle", { service: s.name }),
        text: tc("org.service.lockText", { service: s.name, count: fmtNumber(n) }),
        action: tc("org.service.lock"),
        danger: true,
      });
      if (!ok) return;
    }
    busy.value = s.name;
    await act(async () => (await lockService(s.name, locked), tc(locked ? "org.service.locked" : "org.service.unlocked", { service: s.name })), reload);
    busy.value = "";
  };
  return (
    <Section title={tc("org.part.services")}>
      <div class="table-wrap">
        <table class="data stack" data-testid="services">
          <thead>
            <tr>
              <th scope="col">{tc("org.service.name")}</th>
              <th scope="col">{tc("org.service.state")}</th>
              <th scope="col">{tc("org.service.domains")}</th>
              <th scope="col">{tc("org.service.addresses")}</th>
              <th scope="col">{tc("console.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((s) => (
              <tr key={s.name} data-service={s.name}>
                <td data-label={tc("org.service.name")}>{s.name}</td>
                <td data-label={tc("org.service.state")} data-testid="state">
                  {s.locked ? (
                    <>
                      <span class="badge bad">{tc("org.service.isLocked")}</span>
                      <p class="small">{tc("org.service.lockedWhy")}</p>
                    </>
                  ) : (
                    <span class="badge ok">{tc("org.service.isOpen")}</span>
                  )}
                </td>
                <td data-label={tc("org.service.domains")}>{data.domains.filter((d) => d.service_id === s.id).map((d) => d.name).join(", ") || "—"}</td>
                <td data-label={tc("org.service.addresses")}>{fmtNumber(addressesOf(data, s).length)}</td>
                <td data-label={tc("console.actions")}>
                  {s.locked ? (
                    <button type="button" disabled={busy.value === s.name} onClick={() => void keepingFocus(() => change(s, false))} aria-label={tc("org.service.unlockOf", { service: s.name })}>{tc("org.service.unlock")}</button>
                  ) : (
                    <button type="button" class="danger" disabled={busy.value === s.name} onClick={() => void keepingFocus(() => change(s, true))} aria-label={tc("org.service.lockOf", { service: s.name })}>{tc("org.service.lock")}</button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.services.length === 0 && <p class="muted">{tc("console.none")}</p>}
      {pager}
    </Section>
  );
}

// --- domains

function serviceName(data: Data, id: number): string {
  return data.services.find((s) => s.id === id)?.name ?? "";
}

function Domains({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { rows, pager } = usePaged([...data.domains].sort((a, b) => a.name.localeCompare(b.name)));
  // The server refuses a domain that still has addresses; act() says its message.
  const remove = async (d: Domain) => {
    const ok = await askConfirm({
      title: tc("org.domain.removeTitle", { domain: d.name }),
      text: tc("org.domain.removeText", { domain: d.name }),
      action: tc("org.domain.remove"),
      danger: true,
    });
    if (ok) await act(async () => (await removeDomain(d.name), tc("org.domain.removed", { domain: d.name })), reload);
  };
  return (
    <>
    <Section title={tc("org.part.domains")}>
      <p class="muted">{tc("org.domain.intro")}</p>
      <div class="table-wrap">
        <table class="data stack" data-testid="domains">
          <thead>
            <tr>
              <th scope="col">{tc("org.domain.name")}</th>
              <th scope="col">{tc("org.domain.service")}</th>
              <th scope="col">{tc("org.domain.state")}</th>
              <th scope="col">{tc("org.domain.added")}</th>
              <th scope="col">{tc("console.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d: Domain) => (
              <tr key={d.name} data-domain={d.name}>
                <td data-label={tc("org.domain.name")}>
                  <a href={consoleHash("dns", d.name)}>{d.name}</a>
                </td>
                <td data-label={tc("org.domain.service")}>{serviceName(data, d.service_id)}</td>
                <td data-label={tc("org.domain.state")}>
                  {d.verified ? <span class="badge ok">{tc("org.domain.verified")}</span> : <span class="badge warn">{tc("org.domain.pending")}</span>}
                </td>
                <td data-label={tc("org.domain.added")}>{fmtDateTime(d.created)}</td>
                <td data-label={tc("console.actions")}>
                  <button type="button" class="danger" onClick={() => void keepingFocus(() => remove(d))} aria-label={tc("org.domain.removeOf", { domain: d.name })}>{tc("org.domain.remove")}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data.domains.length === 0 && <p class="muted">{tc("console.none")}</p>}
      {pager}
    </Section>
    <AddDomain services={data.services} reload={reload} />
    </>
  );
}

// --- addresses

/** "12 MB of 1 GB · 40 of 1,000 messages", or without limits "12 MB · 40 messages (no limit)". */
export function usageText(a: Address): string {
  const bytes = a.quota_bytes === null ? fmtSize(a.used_bytes) : tc("org.address.of", { used: fmtSize(a.used_bytes), limit: fmtSize(a.quota_bytes) });
  const msgs =
    a.quota_messages === null
      ? a.used_messages === 1
        ? tc("org.address.messagesOne")
        : tc("org.address.messages", { count: fmtNumber(a.used_messages) })
      : tc("org.address.messagesOf", { count: fmtNumber(a.used_messages), limit: fmtNumber(a.quota_messages) });
  const unlimited = a.quota_bytes === null && a.quota_messages === null ? " " + tc("org.address.noLimit") : "";
  return bytes + " · " + msgs + unlimited;
}

export function Usage({ a }: { a: Address }) {
  const f = quotaFraction(a);
  return (
    <div class="org-usage">
      <span>{usageText(a)}</span>
      {f !== null && (
        <meter min={0} max={1} low={0.8} high={0.95} optimum={0} value={f} aria-label={tc("org.address.full", { percent: Math.round(f * 100) })} title={tc("org.address.full", { percent: Math.round(f * 100) })} />
      )}
    </div>
  );
}

function Addresses({ data, reload }: { data: Data; reload: () => Promise<void> }) {
  const { rows, pager } = usePaged([...data.addresses].sort((a, b) => a.address.localeCompare(b.address)));
  // Its mail goes with it: the address must be typed to confirm.
  const remove = async (a: Address) => {
    const typed = await askText({
      title: tc("org.address.deleteTitle", { address: a.address }),
      text: tc("org.address.deleteText", { address: a.address }),
      label: tc("org.address.deleteLabel"),
      action: tc("org.address.delete"),
      danger: true,
      valid: (v) => v.trim().toLowerCase() === a.address.toLowerCase(),
    });
    if (typed) await act(async () => (await deleteAddress(a.address), tc("org.address.deleted", { address: a.address })), reload);
  };
  const editing = useSignal<Address | null>(null);
  return (
    <>
    <Section title={tc("org.part.addresses")}>
      <div class="table-wrap">
        <table class="data stack" data-testid="addresses">
          <thead>
            <tr>
              <th scope="col">{tc("org.address.address")}</th>
              <th scope="col">{tc("org.address.service")}</th>
              <th scope="col">{tc("org.address.usage")}</th>
              <th scope="col">{tc("console.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => {
              const s = data.services.find((x) => x.id === a.service_id);
              return (
                <tr key={a.address} data-address={a.address}>
                  <td data-label={tc("org.address.address")}>
                    <a href={consoleHash("address", a.address)}>{a.address}</a>
                  </td>
                  <td data-label={tc("org.address.service")}>
                    {s?.name ?? ""}
                    {s?.locked && (
                      <p class="small">
                        <span class="badge bad">{tc("org.service.isLocked")}</span> {tc("org.address.refused", { service: s.name })}
                      </p>
                    )}
                  </td>
                  <td data-label={tc("org.address.usage")}>
                    <Usage a={a} />
                  </td>
                  <td data-label={tc("console.actions")}>
                    <div class="row-actions">
                      <a href={consoleHash("address", a.address)} aria-label={tc("org.address.usersOf", { address: a.address })}>{tc("org.address.users")}</a>
                      <a href={consoleHash("trace", a.address)} aria-label={tc("org.address.traceOf", { address: a.address })}>{tc("org.address.trace")}</a>
                      <button type="button" onClick={() => (editing.value = a)} aria-label={tc("org.address.quotaOf", { address: a.address })}>{tc("org.address.quota")}</button>
                      <button type="button" class="danger" onClick={() => void keepingFocus(() => remove(a))} aria-label={tc("org.address.deleteOf", { address: a.address })}>{tc("org.address.delete")}</button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {data.addresses.length === 0 && <p class="muted">{tc("console.none")}</p>}
      {pager}
    </Section>
    <AddAddress reload={reload} />
    {editing.value && <QuotaDialog a={editing.value} onClose={() => (editing.value = null)} onSaved={reload} />}
    </>
  );
}
