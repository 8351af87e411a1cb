// The pieces every console screen is made of: the page with its title,
// loading what a screen shows, forms whose errors the server gives by
// field, paged tables, copying, downloads, and the dialog of a value shown
// once (a device password, emergency codes).
import type { ComponentChildren } from "preact";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { useSignal, type Signal } from "@preact/signals";
import { ApiError } from "../lib/api";
import { toast } from "../state/session";
import { route } from "../state/route";
import { Dialog } from "../ui/Dialog";
import { tc } from "./i18n";
import { serverText } from "./server-messages";

let seq = 0;
/** An id unique in the page, stable for the component's life. */
export function useId(prefix: string): string {
  const id = useRef(prefix + "-" + ++seq);
  return id.current;
}

/** A console page: its title as the page's heading (focused when the page opens, for screen readers). */
export function Page(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const where = route.value.console ? [route.value.console.screen, ...route.value.console.args].join("/") : "";
  // The heading takes the focus when another page opens, not when its text changes (a new language);
  // in the same commit as the page's content, so nothing reads the new page before its focus.
  useLayoutEffect(() => {
    ref.current?.focus();
  }, [where]);
  useEffect(() => {
    document.title = props.title + " · " + tc("console.title");
  }, [props.title]);
  return (
    <section class="console-page" aria-labelledby="console-page-title">
      <div class="page-head">
        <h1 id="console-page-title" tabIndex={-1} ref={ref}>{props.title}</h1>
        {props.actions && <div class="page-actions">{props.actions}</div>}
      </div>
      {props.children}
    </section>
  );
}

/** A part of a page with its own heading. */
export function Section(props: { title: string; children: ComponentChildren; id?: string }) {
  const id = useId("section");
  return (
    <section class="console-section" aria-labelledby={id} id={props.id}>
      <h2 id={id}>{props.title}</h2>
      {props.children}
    </section>
  );
}

/** The message of an error as a person reads it (the server's own message for API errors, in the app's language). */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) return serverText(e.message);
  return e instanceof Error ? e.message : String(e);
}

export interface Loaded<T> {
  data: Signal<T | null>;
  error: Signal<unknown>;
  loading: Signal<boolean>;
  reload: () => Promise<void>;
}

/** Loads what a screen shows, again whenever `deps` change or reload() is called. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const data = useSignal<T | null>(null);
  const error = useSignal<unknown>(null);
  const loading = useSignal(true);
  const generation = useRef(0);
  const reload = async () => {
    const mine = ++generation.current;
    loading.value = true;
    try {
      const v = await load();
      if (mine !== generation.current) return;
      data.value = v;
      error.value = null;
    } catch (e) {
      if (mine !== generation.current) return;
      error.value = e;
    } finally {
      if (mine === generation.current) loading.value = false;
    }
  };
  useEffect(() => {
    void reload();
  }, deps);
  return { data, error, loading, reload };
}

/** What a load shows while it is not ready: loading, or its error with "try again" (403: not for this user). */
export function LoadState<T>(props: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  const { data, error, loading, reload } = props.loaded;
  if (error.value) {
    const e = error.value;
    if (e instanceof ApiError && (e.status === 403 || e.status === 404))
      return <p class="notice" role="alert">{e.status === 403 ? tc("console.forbidden") : errorText(e)}</p>;
    return (
      <p class="error" role="alert">
        {tc("console.error", { message: errorText(e) })} <button type="button" class="link" onClick={() => void reload()}>{tc("console.retry")}</button>
      </p>
    );
  }
  if (data.value === null) return <p class="muted" role="status">{loading.value ? tc("console.loading") : ""}</p>;
  return <>{props.children(data.value)}</>;
}

/**
 * Runs what a page's button does (after its confirmation): `run` returns
 * what to say when it worked; the page reloads, then that is said in a
 * toast, so the toast never arrives before the screen shows what it says.
 * What went wrong is said instead. True when it worked.
 */
export async function act(run: () => Promise<string>, reload?: () => Promise<void>): Promise<boolean> {
  try {
    const said = await run();
    if (reload) await reload();
    toast(said);
    return true;
  } catch (e) {
    toast(tc("console.error", { message: errorText(e) }), "error");
    return false;
  }
}

/** A form's state: busy, the server's message by field, and one for the whole form. */
export interface FormState {
  busy: Signal<boolean>;
  fields: Signal<Record<string, string>>;
  error: Signal<string>;
}

export function useForm(): FormState {
  return { busy: useSignal(false), fields: useSignal({}), error: useSignal("") };
}

/**
 * Runs a form's action: errors the server gives for a field go beside that
 * field (ApiError.field; in a form of one field, `onlyField` takes those it
 * names no field for), others above the button. True when it worked.
 */
export async function submit(form: FormState, action: () => Promise<unknown>, onlyField?: string): Promise<boolean> {
  form.busy.value = true;
  form.fields.value = {};
  form.error.value = "";
  try {
    await action();
    return true;
  } catch (e) {
    // A form of one field (onlyField) shows there what the server refuses without naming a field.
    const field = e instanceof ApiError ? e.field ?? onlyField : null;
    if (field) form.fields.value = { [field]: errorText(e) };
    else form.error.value = errorText(e);
    return false;
  } finally {
    form.busy.value = false;
  }
}

/** A labelled form field with its help and the server's message for it (announced, and tied to the input). */
export function Field(props: { label: string; name: string; form?: FormState; help?: string; children: (a11y: { id: string; "aria-describedby"?: string; "aria-invalid"?: boolean; name: string }) => ComponentChildren }) {
  const id = useId("f-" + props.name);
  const message = props.form?.fields.value[props.name];
  const described = [props.help ? id + "-help" : "", message ? id + "-error" : ""].filter(Boolean).join(" ");
  return (
    <div class={"field" + (message ? " invalid" : "")}>
      <label for={id}>{props.label}</label>
      {props.children({ id, name: props.name, "aria-describedby": described || undefined, "aria-invalid": message ? true : undefined })}
      {props.help && <span class="muted small" id={id + "-help"}>{props.help}</span>}
      {message && <span class="field-error" id={id + "-error"} role="alert">{message}</span>}
    </div>
  );
}

/** The form-wide error, when there is one. */
export function FormError(props: { form: FormState }) {
  return props.form.error.value ? <p class="error" role="alert">{props.form.error.value}</p> : null;
}

/** Page links for a list: previous and next (the API says whether there is more), and which rows these are. */
export function Pager(props: { page: number; pageSize: number; shown: number; total?: number | null; hasMore: boolean; onPage: (page: number) => void }) {
  const from = props.shown === 0 ? 0 : props.page * props.pageSize + 1;
  const to = props.page * props.pageSize + props.shown;
  return (
    <nav class="pager" aria-label={tc("console.pager")}>
      <button type="button" disabled={props.page === 0} onClick={() => props.onPage(props.page - 1)}>{tc("console.previous")}</button>
      <span aria-live="polite">
        {props.total !== undefined && props.total !== null ? tc("console.rows", { from, to, total: props.total }) : tc("console.pageOf", { page: props.page + 1 })}
      </span>
      <button type="button" disabled={!props.hasMore} onClick={() => props.onPage(props.page + 1)}>{tc("console.next")}</button>
    </nav>
  );
}

/** Rows of `items` one page at a time (for lists the API gives whole). */
export function pageOf<T>(items: T[], page: number, pageSize: number): { rows: T[]; hasMore: boolean } {
  return { rows: items.slice(page * pageSize, (page + 1) * pageSize), hasMore: (page + 1) * pageSize < items.length };
}

/** Copies `text`, saying in a toast whether it worked. */
export async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    toast(tc("console.copied"));
  } catch {
    toast(tc("console.copyFailed"), "error");
  }
}

/** Saves `content` as a file named `name`. */
export function download(name: string, type: string, content: BlobPart): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/**
 * A value the server shows once (a device password, emergency codes): the
 * value with a copy button, what else the caller adds (a QR code, a
 * download), and the warning that it will not be shown again. The caller
 * keeps the value only while this is open: onClose must drop it.
 */
export function ShownOnce(props: { title: string; value: string; label: string; onClose: () => void; children?: ComponentChildren; multiline?: boolean }) {
  const id = useId("secret");
  return (
    <Dialog title={props.title} onClose={props.onClose} class="shown-once">
      <p class="warning" role="alert">{tc("console.shownOnce")}</p>
      <label for={id}>{props.label}</label>
      {props.multiline ? (
        <textarea id={id} class="secret" readOnly rows={props.value.split("\n").length} value={props.value} data-testid="shown-once-value" />
      ) : (
        <input id={id} class="secret" readOnly value={props.value} data-testid="shown-once-value" onFocus={(e) => e.currentTarget.select()} />
      )}
      <div class="row-actions">
        <button type="button" onClick={() => void copyText(props.value)}>{tc("console.copy")}</button>
      </div>
      {props.children}
      <div class="dialog-actions">
        <button type="button" class="primary" onClick={props.onClose}>{tc("console.shownOnceDone")}</button>
      </div>
    </Dialog>
  );
}
