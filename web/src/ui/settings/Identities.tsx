// Identities of the address in use: the display name and the signature
// that every user of the address shares (Identity/set), and the user's own
// signatures for it (several, one the default; kept in the settings).
import { useSignal, useSignalEffect } from "@preact/signals";
import { useRef } from "preact/hooks";
import { route } from "../../state/route";
import { prefs, savePrefs, showError, toast } from "../../state/session";
import { identities, loadIdentities, updateIdentity } from "../../state/identities";
import { sanitizePasted } from "../../lib/sanitize";
import { askText } from "../../state/ask";
import { t } from "../../i18n";

function RichField(props: { label: string; html: string; name: string; onSave: (html: string) => void }) {
  const ref = useRef<HTMLDivElement>(null);
  return (
    <div class="rich-field">
      <span id={"lbl-" + props.name}>{props.label}</span>
      <div ref={ref} class="editor small" contentEditable role="textbox" aria-multiline="true" aria-labelledby={"lbl-" + props.name} data-name={props.name} dangerouslySetInnerHTML={{ __html: sanitizePasted(props.html) }} />
      <button type="button" onClick={() => props.onSave(sanitizePasted(ref.current?.innerHTML ?? ""))}>{t("action.save")}</button>
    </div>
  );
}

export function Identities() {
  const accountId = route.value.accountId ?? "";
  const chosen = useSignal("");
  useSignalEffect(() => {
    void loadIdentities(accountId).then((l) => (chosen.value = chosen.value || l[0]?.id || ""), showError);
  });
  const list = identities.value[accountId] ?? [];
  const id = list.find((i) => i.id === chosen.value);
  const name = useSignal("");
  useSignalEffect(() => {
    name.value = list.find((i) => i.id === chosen.value)?.name ?? "";
  });
  if (!id) return <p role="status">{t("app.loading")}</p>;
  const mine = prefs.value.signatures[id.id] ?? { list: [], defaultId: null };
  const saveMine = (next: typeof mine) => savePrefs({ signatures: { ...prefs.value.signatures, [id.id]: next } });

  return (
    <div class="settings-form">
      <label>
        {t("settings.identity")}
        <select name="identity" value={chosen.value} onChange={(e) => (chosen.value = e.currentTarget.value)}>
          {list.map((i) => <option key={i.id} value={i.id}>{i.email}</option>)}
        </select>
      </label>
      <form
        class="row"
        onSubmit={async (e) => {
          e.preventDefault();
          const err = await updateIdentity(accountId, id.id, { name: name.value }).catch((x) => String(x));
          toast(err ? t("settings.identityRefused", { reason: err }) : t("settings.identitySaved"), err ? "error" : "info");
        }}
      >
        <label>{t("settings.displayName")}<input name="displayName" value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} /></label>
        <button type="submit">{t("action.save")}</button>
      </form>
      <RichField
        label={t("settings.sharedSignature")}
        name="shared-signature"
        html={id.htmlSignature || ""}
        onSave={async (html) => {
          const err = await updateIdentity(accountId, id.id, { htmlSignature: html }).catch((x) => String(x));
          toast(err ? t("settings.identityRefused", { reason: err }) : t("settings.identitySaved"), err ? "error" : "info");
        }}
      />
      <h3>{t("settings.mySignatures")}</h3>
      <fieldset>
        <legend>{t("settings.defaultSignature")}</legend>
        <label class="inline">
          <input type="radio" name="default-signature" checked={!mine.defaultId} onChange={() => saveMine({ ...mine, defaultId: null })} />
          {t("settings.useShared")}
        </label>
        {mine.list.map((s) => (
          <div key={s.id} class="signature-item">
            <label class="inline">
              <input type="radio" name="default-signature" checked={mine.defaultId === s.id} onChange={() => saveMine({ ...mine, defaultId: s.id })} />
              {s.name}
            </label>
            <RichField label={t("settings.signatureText", { name: s.name })} name={"sig-" + s.id} html={s.html} onSave={(html) => saveMine({ ...mine, list: mine.list.map((x) => (x.id === s.id ? { ...x, html } : x)) })} />
            <button type="button" onClick={() => saveMine({ list: mine.list.filter((x) => x.id !== s.id), defaultId: mine.defaultId === s.id ? null : mine.defaultId })}>{t("action.delete")}</button>
          </div>
        ))}
      </fieldset>
      <button
        type="button"
        onClick={async () => {
          const label = await askText({ title: t("settings.signatureNew"), text: t("settings.signatureHelp"), label: t("settings.signatureName"), action: t("settings.signatureAdd") });
          if (!label) return;
          const sid = Math.random().toString(36).slice(2, 10);
          void saveMine({ list: [...mine.list, { id: sid, name: label, html: "" }], defaultId: mine.defaultId ?? sid });
        }}
      >
        {t("settings.addSignature")}
      </button>
    </div>
  );
}
