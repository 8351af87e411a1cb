// The account: its name, its password, the language of the app and of
// the security e-mails, and deleting it (the password once more; the
// organisation's last administrator cannot; the mail addresses stay).
import { useSignal } from "@preact/signals";
import { api, ApiError } from "../../lib/api";
import { askConfirm } from "../../state/ask";
import { savePrefs, user } from "../../state/session";
import { lang, setLang } from "../../i18n";
import type { Lang } from "../../lib/prefs";
import { tc } from "../i18n";
import { errorText, Field, FormError, LoadState, Page, Section, submit, useForm, useLoad } from "../ui";
import { getMe, patchSecurity, type Me } from "./me";
import { Said } from "./parts";

function roleText(role: string): string {
  if (role === "admin") return tc("account.role.admin");
  if (role === "legal") return tc("account.role.legal");
  return tc("account.role.member");
}

export function AccountScreen() {
  const loaded = useLoad(getMe, []);
  const deleted = useSignal("");
  if (deleted.value)
    return (
      <Page title={tc("account.deleted.title")}>
        <p class="notice" role="status">{tc("account.deleted.text", { login: deleted.value })}</p>
        <p><a href="/">{tc("account.deleted.start")}</a></p>
      </Page>
    );
  return (
    <Page title={tc("account.title")}>
      <LoadState loaded={loaded}>
        {(me) => (
          <>
            <Profile me={me} onSaved={(m) => (loaded.data.value = { ...me, ...m })} />
            <Password />
            <Language />
            <Delete me={me} onDeleted={() => (deleted.value = me.login)} />
          </>
        )}
      </LoadState>
    </Page>
  );
}

function Profile(props: { me: Me; onSaved: (m: Partial<Me>) => void }) {
  const form = useForm();
  const said = useSignal("");
  return (
    <Section title={tc("account.profile.title")}>
      <dl class="facts">
        <dt>{tc("account.profile.login")}</dt>
        <dd>{props.me.login}</dd>
        <dt>{tc("account.profile.role")}</dt>
        <dd>{roleText(props.me.role)}</dd>
      </dl>
      <form noValidate onSubmit={(e) => {
        e.preventDefault();
        const name = ((e.currentTarget as HTMLFormElement).elements.namedItem("display_name") as HTMLInputElement).value.trim();
        said.value = "";
        void submit(form, async () => {
          const u = await api<{ display_name: string }>("PATCH", "/users/" + encodeURIComponent(props.me.login), { display_name: name });
          if (user.value) user.value = { ...user.value, display_name: u.display_name };
          props.onSaved({ display_name: u.display_name });
          said.value = tc("account.saved");
        });
      }}>
        <Field label={tc("account.profile.name")} name="display_name" form={form} help={tc("account.profile.nameHelp")}>
          {(a11y) => <input {...a11y} autocomplete="name" maxLength={200} defaultValue={props.me.display_name} />}
        </Field>
        <FormError form={form} />
        <button type="submit" class="primary" disabled={form.busy.value}>{tc("account.save")}</button>
        <Said text={said.value} />
      </form>
    </Section>
  );
}

function Password() {
  const form = useForm();
  const said = useSignal("");
  return (
    <Section title={tc("account.password.title")}>
      <p class="muted">{tc("account.password.about")}</p>
      <form noValidate onSubmit={(e) => {
        e.preventDefault();
        const el = e.currentTarget as HTMLFormElement;
        const v = (n: string) => (el.elements.namedItem(n) as HTMLInputElement).value;
        said.value = "";
        if (v("new_password") !== v("confirm_password")) {
          form.error.value = "";
          form.fields.value = { confirm_password: tc("account.password.mismatch") };
          return;
        }
        void submit(form, async () => {
          const r = await api<{ sessions_ended: number }>("POST", "/me/password", { current_password: v("current_password"), new_password: v("new_password") });
          el.reset();
          said.value = r.sessions_ended > 0 ? tc("account.password.changedEnded", { n: r.sessions_ended }) : tc("account.password.changed");
        });
      }}>
        <input type="text" name="username" autocomplete="username" value={user.value?.login ?? ""} hidden readOnly />
        <Field label={tc("account.password.current")} name="current_password" form={form}>
          {(a11y) => <input {...a11y} type="password" autocomplete="current-password" required />}
        </Field>
        <Field label={tc("account.password.new")} name="new_password" form={form} help={tc("account.password.newHelp")}>
          {(a11y) => <input {...a11y} type="password" autocomplete="new-password" required />}
        </Field>
        <Field label={tc("account.password.confirm")} name="confirm_password" form={form}>
          {(a11y) => <input {...a11y} type="password" autocomplete="new-password" required />}
        </Field>
        <FormError form={form} />
        <button type="submit" class="primary" disabled={form.busy.value}>{tc("account.password.change")}</button>
        <Said text={said.value} />
      </form>
    </Section>
  );
}

function Language() {
  const said = useSignal("");
  const failed = useSignal("");
  const change = async (l: Lang) => {
    said.value = "";
    failed.value = "";
    setLang(l);
    // The app's own setting, and the language of the security e-mails (login alerts).
    const [, server] = await Promise.allSettled([savePrefs({ language: l }), patchSecurity({ language: l })]);
    if (server.status === "rejected") failed.value = tc("console.error", { message: errorText(server.reason) });
    else said.value = tc("account.language.changed");
  };
  return (
    <Section title={tc("account.language.title")}>
      <div class="field">
        <label for="account-language">{tc("account.language.label")}</label>
        <select id="account-language" name="language" value={lang.value} aria-describedby="account-language-help" onChange={(e) => void change(e.currentTarget.value as Lang)}>
          <option value="es" lang="es">Español</option>
          <option value="en" lang="en">English</option>
        </select>
        <span class="muted small" id="account-language-help">{tc("account.language.help")}</span>
      </div>
      <Said text={said.value} />
      {failed.value && <p class="error" role="alert">{failed.value}</p>}
    </Section>
  );
}

function Delete(props: { me: Me; onDeleted: () => void }) {
  const form = useForm();
  return (
    <Section title={tc("account.delete.title")}>
      <p>{tc("account.delete.about")}</p>
      <ul>
        <li>{tc("account.delete.addresses")}</li>
        <li>{tc("account.delete.lastAdmin")}</li>
      </ul>
      <form noValidate onSubmit={async (e) => {
        e.preventDefault();
        const password = ((e.currentTarget as HTMLFormElement).elements.namedItem("password") as HTMLInputElement).value;
        const ok = await askConfirm({ title: tc("account.delete.title"), text: tc("account.delete.confirm", { login: props.me.login }), action: tc("account.delete.action"), danger: true });
        if (!ok) return;
        const deleted = await submit(form, async () => {
          try {
            await api("DELETE", "/me", { password });
          } catch (e) {
            // A refusal for the account as a whole (the last administrator): what was not done, then the server's why.
            if (e instanceof ApiError && !e.field) throw new ApiError(e.status, e.code, tc("account.delete.refused", { message: errorText(e) }));
            throw e;
          }
        });
        if (deleted) props.onDeleted();
      }}>
        <Field label={tc("account.delete.password")} name="password" form={form}>
          {(a11y) => <input {...a11y} type="password" autocomplete="current-password" required />}
        </Field>
        <div data-testid="delete-error"><FormError form={form} /></div>
        <button type="submit" class="danger" disabled={form.busy.value}>{tc("account.delete.action")}</button>
      </form>
    </Section>
  );
}
