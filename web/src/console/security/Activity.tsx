// The activity log: who did what, when and from where (a member sees
// their own actions, an organisation's administrators the whole
// organisation's), filtered by dates, product and kind of action, a page
// at a time, and exported as CSV with the same filters.
import { useSignal } from "@preact/signals";
import { fmtDateTime, tc, type CKey } from "../i18n";
import { download, errorText, Field, FormError, LoadState, Page, Pager, submit, useForm, useLoad } from "../ui";
import { activityCsv, activityFileName } from "./csv";
import { serverText } from "../server-messages";
import { allActivity, getActivity, NO_FILTER, type ActivityFilter } from "./me";
import { dayEnd, dayStart, useCursor } from "./parts";

const PAGE = 25;
/** The most entries one export fetches (ten requests of 1,000). */
export const EXPORT_MAX = 10000;

/** The products the server writes into the log. */
const PRODUCTS: [string, CKey][] = [
  ["security", "security.product.security"],
  ["console", "security.product.console"],
  ["mail", "security.product.mail"],
  ["imap", "security.product.imap"],
  ["pop3", "security.product.pop3"],
  ["smtp", "security.product.smtp"],
  ["jmap", "security.product.jmap"],
  ["cli", "security.product.cli"],
  ["server", "security.product.server"],
  ["quickstart", "security.product.quickstart"],
];

/** Kinds of action: the start of the action names they cover. */
const ACTIONS: [string, CKey][] = [
  ["security.login", "security.action.logins"],
  ["security.login_failed", "security.action.loginFailed"],
  ["security.logout", "security.action.logout"],
  ["security.password", "security.action.password"],
  ["security.2fa", "security.action.tfa"],
  ["security.emergency_codes", "security.action.codes"],
  ["security.session", "security.action.sessions"],
  ["security.connection", "security.action.connections"],
  ["security.settings", "security.action.settings"],
  ["security.token", "security.action.tokens"],
  ["security.lock", "security.action.locked"],
  ["security.unlock", "security.action.unlock"],
  ["security.recover", "security.action.recovery"],
  ["security.policy", "security.action.policy"],
  ["mail.", "security.action.mail"],
  ["user.", "security.action.users"],
  ["address.", "security.action.addresses"],
  ["access.", "security.action.access"],
  ["device_password.", "security.action.devices"],
  ["domain.", "security.action.domains"],
  ["service.", "security.action.services"],
  ["dns.", "security.action.dns"],
  ["org.", "security.action.orgs"],
];

function productText(p: string): string {
  const known = PRODUCTS.find(([v]) => v === p);
  return known ? tc(known[1]) : p;
}

export function ActivityScreen() {
  const filter = useSignal<ActivityFilter>(NO_FILTER);
  const cursor = useCursor();
  const loaded = useLoad(() => getActivity(filter.value, cursor.before, PAGE), [filter.value, cursor.before]);
  const form = useForm();
  const exporting = useSignal(false);
  const exported = useSignal("");
  const exportError = useSignal("");

  const apply = (e: Event) => {
    e.preventDefault();
    const el = e.currentTarget as HTMLFormElement;
    const v = (n: string) => (el.elements.namedItem(n) as HTMLInputElement | HTMLSelectElement).value;
    const f: ActivityFilter = { since: dayStart(v("since")), until: dayEnd(v("until")), product: v("product"), action: v("action"), text: v("q") };
    if (f.since !== null && f.until !== null && f.since >= f.until) {
      form.error.value = "";
      form.fields.value = { until: tc("security.activity.badRange") };
      return;
    }
    // The server checks the filter (its message goes by the field) before the list follows it.
    void submit(form, async () => {
      await getActivity(f, null, 1);
      cursor.reset();
      filter.value = f;
    });
  };

  // A reset button: the browser empties the fields; the list goes back to everything.
  const clear = () => {
    form.fields.value = {};
    form.error.value = "";
    cursor.reset();
    filter.value = NO_FILTER;
  };

  const exportCsv = async () => {
    exporting.value = true;
    exported.value = "";
    exportError.value = "";
    try {
      const r = await allActivity(filter.value, EXPORT_MAX);
      download(activityFileName(new Date()), "text/csv;charset=utf-8", activityCsv(r.entries));
      exported.value = r.complete ? tc("security.activity.exported", { n: r.entries.length }) : tc("security.activity.exportedPart", { n: r.entries.length });
    } catch (e) {
      exportError.value = tc("console.error", { message: errorText(e) });
    } finally {
      exporting.value = false;
    }
  };

  return (
    <Page title={tc("security.activity.title")} actions={
      <button type="button" data-testid="export-csv" disabled={exporting.value} onClick={() => void exportCsv()}>
        {exporting.value ? tc("security.activity.exporting") : tc("security.activity.export")}
      </button>
    }>
      <p class="muted">{tc("security.activity.about")}</p>
      <p class="ok" role="status" aria-live="polite">{exported.value}</p>
      {exportError.value && <p class="error" role="alert">{exportError.value}</p>}
      <form class="filters" noValidate onSubmit={apply} aria-label={tc("security.activity.filters")}>
        <Field label={tc("security.activity.since")} name="since" form={form}>
          {(a11y) => <input {...a11y} type="date" />}
        </Field>
        <Field label={tc("security.activity.until")} name="until" form={form}>
          {(a11y) => <input {...a11y} type="date" />}
        </Field>
        <Field label={tc("security.activity.product")} name="product" form={form}>
          {(a11y) => (
            <select {...a11y}>
              <option value="">{tc("security.activity.any")}</option>
              {PRODUCTS.map(([v, k]) => <option key={v} value={v}>{tc(k)}</option>)}
            </select>
          )}
        </Field>
        <Field label={tc("security.activity.action")} name="action" form={form}>
          {(a11y) => (
            <select {...a11y}>
              <option value="">{tc("security.activity.any")}</option>
              {ACTIONS.map(([v, k]) => <option key={v} value={v}>{tc(k)}</option>)}
            </select>
          )}
        </Field>
        <Field label={tc("security.activity.text")} name="q" form={form}>
          {(a11y) => <input {...a11y} type="search" maxLength={200} />}
        </Field>
        <FormError form={form} />
        <div class="row-actions">
          <button type="submit" class="primary" disabled={form.busy.value}>{tc("security.activity.apply")}</button>
          <button type="reset" onClick={clear}>{tc("security.activity.clear")}</button>
        </div>
      </form>
      <LoadState loaded={loaded}>
        {(page) => (
          <>
            <p class="muted" role="status" aria-live="polite" data-testid="activity-count">
              {page.items.length === 0 ? tc("security.activity.empty") : page.items.length === 1 ? tc("security.activity.shownOne") : tc("security.activity.shown", { n: page.items.length })}
            </p>
            {page.items.length > 0 && (
              <div class="table-wrap">
                <table class="data stack" data-testid="activity">
                  <thead>
                    <tr>
                      <th scope="col">{tc("security.col.time")}</th>
                      <th scope="col">{tc("security.col.actor")}</th>
                      <th scope="col">{tc("security.col.action")}</th>
                      <th scope="col">{tc("security.col.target")}</th>
                      <th scope="col">{tc("security.col.product")}</th>
                      <th scope="col">{tc("security.col.ip")}</th>
                      <th scope="col">{tc("security.col.detail")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((e) => (
                      <tr key={e.id} data-action={e.action} data-product={e.product}>
                        <td data-label={tc("security.col.time")}>{fmtDateTime(e.time)}</td>
                        <td data-label={tc("security.col.actor")}>{e.actor}</td>
                        <td data-label={tc("security.col.action")}><code>{e.action}</code></td>
                        <td data-label={tc("security.col.target")}>{e.target}</td>
                        <td data-label={tc("security.col.product")}>{productText(e.product)}</td>
                        <td data-label={tc("security.col.ip")}>{e.ip || "—"}</td>
                        <td data-label={tc("security.col.detail")} class="detail">{serverText(e.detail)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <Pager page={cursor.page} pageSize={PAGE} shown={page.items.length} hasMore={page.next !== null} onPage={(p) => cursor.go(p, page.next)} />
          </>
        )}
      </LoadState>
    </Page>
  );
}
