// Pieces the org area's screens share: a list shown one page at a time,
// loads whose "not found" names the object, a dialog (and confirmed
// actions) that give the focus back to what opened them, and the address
// picker of the devices and trace screens.
import type { ComponentChildren } from "preact";
import { useRef } from "preact/hooks";
import { useSignal } from "@preact/signals";
import { ApiError } from "../../lib/api";
import { Dialog } from "../../ui/Dialog";
import { consoleHash } from "../../state/route";
import { Page, Pager, pageOf, useId } from "../ui";
import { tc, type CKey } from "../i18n";

export const PAGE_SIZE = 10;

/** `items` one page at a time with its pager (the page kept in range when the list shrinks). */
export function usePaged<T>(items: T[], pageSize = PAGE_SIZE): { rows: T[]; pager: ComponentChildren } {
  const page = useSignal(0);
  const last = Math.max(0, Math.ceil(items.length / pageSize) - 1);
  const p = Math.min(page.value, last);
  const { rows, hasMore } = pageOf(items, p, pageSize);
  const pager = items.length > pageSize ? <Pager page={p} pageSize={pageSize} shown={rows.length} total={items.length} hasMore={hasMore} onPage={(n) => (page.value = n)} /> : null;
  return { rows, pager };
}

/** `load`, its 404 said in the screen's own words (the server's would name nothing the user typed). */
export function notFoundAs<T>(load: () => Promise<T>, text: () => string): () => Promise<T> {
  return async () => {
    try {
      return await load();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new ApiError(404, e.code, text(), e.field);
      throw e;
    }
  };
}

/** A dialog that, once closed, puts the focus back on what had it when it opened (the button that opened it). */
export function FocusDialog(props: { title: string; onClose: () => void; children: (close: () => void) => ComponentChildren }) {
  const opener = useRef<Element | null>(document.activeElement);
  const close = () => {
    const el = opener.current;
    props.onClose();
    if (el instanceof HTMLElement) setTimeout(() => el.isConnected && el.focus(), 0);
  };
  return (
    <Dialog title={props.title} onClose={close}>
      {props.children(close)}
    </Dialog>
  );
}

/** The address a screen is about, chosen among `addresses` (its label visible: several may be offered). */
export function AddressPicker(props: { addresses: string[]; value: string; onChange: (address: string) => void }) {
  const id = useId("address-picker");
  if (props.addresses.length < 2) return null;
  return (
    <div class="field org-picker">
      <label for={id}>{tc("org.pickAddress")}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.addresses.map((a) => (
          <option key={a} value={a}>{a}</option>
        ))}
      </select>
    </div>
  );
}

/** A screen opened without the object it is about (#/console/address with no address). */
export function MissingArgument(props: { title: CKey; text: CKey }) {
  return (
    <Page title={tc(props.title)}>
      <p class="notice" role="alert">
        {tc(props.text)} <a href={consoleHash("organisation", "addresses")}>{tc("org.access.back")}</a>
      </p>
    </Page>
  );
}

/**
 * Runs `action` (a confirmation, then the change), then gives the focus back
 * to what had it (the row's button), or to `fallback` (by id) or the page's
 * heading when that is gone: the question dialog is removed, not closed, so
 * the browser would leave the focus nowhere.
 */
export async function keepingFocus(action: () => Promise<void>, fallback?: string): Promise<void> {
  const el = document.activeElement;
  try {
    await action();
  } finally {
    setTimeout(() => {
      if (el instanceof HTMLElement && el.isConnected && !(el as HTMLButtonElement).disabled && el !== document.body) el.focus();
      else (document.getElementById(fallback ?? "") ?? document.getElementById("console-page-title"))?.focus();
    }, 0);
  }
}
