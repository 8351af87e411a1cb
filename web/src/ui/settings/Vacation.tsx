// The vacation reply of the address in use (VacationResponse, RFC 8621 §8).
import { useSignal, useSignalEffect } from "@preact/signals";
import { route } from "../../state/route";
import { accountName, jmap, showError, toast } from "../../state/session";
import { t } from "../../i18n";

interface VacationResponse {
  isEnabled: boolean;
  fromDate: string | null;
  toDate: string | null;
  subject: string | null;
  textBody: string | null;
}

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "");
const toIso = (d: string, end: boolean) => (d ? new Date(d + (end ? "T23:59:59" : "T00:00:00")).toISOString().replace(/\.\d+Z$/, "Z") : null);

export function Vacation() {
  const accountId = route.value.accountId ?? "";
  const v = useSignal<VacationResponse | null>(null);
  useSignalEffect(() => {
    void jmap.value!.call("VacationResponse/get", { accountId, ids: ["singleton"] }).then((r) => (v.value = r.list[0]), showError);
  });
  if (!v.value) return <p role="status">{t("app.loading")}</p>;
  const x = v.value;
  const set = (patch: Partial<VacationResponse>) => (v.value = { ...x, ...patch });
  return (
    <form
      class="settings-form"
      onSubmit={async (e) => {
        e.preventDefault();
        try {
          const r = await jmap.value!.call("VacationResponse/set", { accountId, update: { singleton: { isEnabled: x.isEnabled, fromDate: x.fromDate, toDate: x.toDate, subject: x.subject, textBody: x.textBody } } });
          const err = r.notUpdated?.singleton;
          if (err) toast(t("settings.vacationRefused", { reason: err.description ?? err.type }), "error");
          else toast(t("settings.vacationSaved"));
        } catch (err) {
          showError(err);
        }
      }}
    >
      <p>{t("settings.vacationFor", { address: accountName(accountId) })}</p>
      <label class="inline"><input type="checkbox" name="enabled" checked={x.isEnabled} onChange={(e) => set({ isEnabled: e.currentTarget.checked })} />{t("settings.vacationOn")}</label>
      <div class="row">
        <label>{t("search.after")}<input type="date" name="from" value={day(x.fromDate)} onInput={(e) => set({ fromDate: toIso(e.currentTarget.value, false) })} /></label>
        <label>{t("search.before")}<input type="date" name="to" value={day(x.toDate)} onInput={(e) => set({ toDate: toIso(e.currentTarget.value, true) })} /></label>
      </div>
      <label>{t("field.subject")}<input name="subject" value={x.subject ?? ""} onInput={(e) => set({ subject: e.currentTarget.value || null })} /></label>
      <label>{t("settings.vacationText")}<textarea name="text" rows={6} value={x.textBody ?? ""} onInput={(e) => set({ textBody: e.currentTarget.value || null })} /></label>
      <button type="submit" class="primary">{t("action.save")}</button>
    </form>
  );
}
