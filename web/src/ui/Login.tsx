// Login: the account's login and password, then the second-factor code
// when the server asks for it (error second_factor_required).
import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { login, sessionEnded } from "../state/session";
import { ApiError } from "../lib/api";
import { lang, setLang, t } from "../i18n";

export function Login() {
  const name = useSignal("");
  const password = useSignal("");
  const code = useSignal("");
  const needCode = useSignal(false);
  const error = useSignal("");
  const busy = useSignal(false);
  const codeRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (needCode.value) codeRef.current?.focus();
  }, [needCode.value]);

  const submit = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    error.value = "";
    try {
      await login(name.value.trim(), password.value, needCode.value ? code.value.trim() : null);
    } catch (err) {
      if (err instanceof ApiError && err.code === "second_factor_required") {
        needCode.value = true;
      } else if (err instanceof ApiError && err.code === "invalid_second_factor") {
        error.value = t("login.badCode");
      } else if (err instanceof ApiError && err.code === "invalid_credentials") {
        error.value = t("login.badCredentials");
      } else if (err instanceof ApiError && err.code === "account_locked") {
        error.value = t("login.locked");
      } else if (err instanceof ApiError && err.code === "throttled") {
        error.value = t("login.throttled");
      } else {
        error.value = t("error.generic", { message: err instanceof Error ? err.message : String(err) });
      }
    } finally {
      busy.value = false;
    }
  };

  return (
    <main class="login">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t("app.title")}</h1>
        {sessionEnded.value && <p class="notice" role="status">{t("login.sessionEnded")}</p>}
        <p class="muted">{t("login.intro")}</p>
        {!needCode.value ? (
          <>
            <label>
              {t("login.login")}
              <input name="login" type="email" autocomplete="username" required value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} />
            </label>
            <label>
              {t("login.password")}
              <input name="password" type="password" autocomplete="current-password" required value={password.value} onInput={(e) => (password.value = e.currentTarget.value)} />
            </label>
          </>
        ) : (
          <label>
            {t("login.code")}
            <input ref={codeRef} name="code" inputMode="numeric" autocomplete="one-time-code" required value={code.value} onInput={(e) => (code.value = e.currentTarget.value)} />
            <span class="muted small">{t("login.codeHelp")}</span>
          </label>
        )}
        {error.value && <p class="error" role="alert">{error.value}</p>}
        <button type="submit" class="primary" disabled={busy.value}>{needCode.value ? t("login.verify") : t("login.submit")}</button>
        {needCode.value && (
          <button type="button" class="link" onClick={() => { needCode.value = false; code.value = ""; }}>{t("action.back")}</button>
        )}
        <label class="inline">
          {t("settings.language")}
          <select value={lang.value} onChange={(e) => setLang(e.currentTarget.value as "es" | "en")}>
            <option value="es">Español</option>
            <option value="en">English</option>
          </select>
        </label>
      </form>
    </main>
  );
}
