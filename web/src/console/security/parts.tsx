// Pieces the security and account screens share: paging of lists the
// server pages by "the last id seen", the location column (there is no
// geolocation database), a live line that announces what a form did, and
// printing a text (the emergency codes) without keeping it in the page.
import { useSignal } from "@preact/signals";
import { tc } from "../i18n";

/**
 * Pages of a cursor-paged list: the `before` of each page seen so far, so
 * that "previous" goes back without the server paging backwards.
 */
export function useCursor() {
  const cursors = useSignal<(number | null)[]>([null]);
  const page = cursors.value.length - 1;
  return {
    page,
    before: cursors.value[page],
    /** To page `to` (one step either way); `next` is the current page's cursor onwards. */
    go(to: number, next: number | null) {
      if (to > page && next !== null) cursors.value = [...cursors.value, next];
      else if (to < page) cursors.value = cursors.value.slice(0, to + 1);
    },
    reset() {
      cursors.value = [null];
    },
  };
}

/** The location of an IP address: not known here, and said so to screen readers. */
export function NoLocation() {
  return (
    <span title={tc("security.location.none")}>
      <span aria-hidden="true">—</span>
      <span class="sr-only">{tc("security.location.none")}</span>
    </span>
  );
}

/** A polite live line: what a form just did ("Saved."), read out by screen readers. */
export function Said(props: { text: string; id?: string }) {
  return (
    <p class="said ok" role="status" aria-live="polite" id={props.id}>
      {props.text}
    </p>
  );
}

/**
 * Prints `text` from a frame made for it and removed afterwards: the
 * page itself never holds it, and the print shows only it.
 */
let printing: HTMLIFrameElement | null = null;

export function printText(title: string, text: string): void {
  forgetPrint();
  const frame = document.createElement("iframe");
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  frame.style.cssText = "position:fixed;width:0;height:0;border:0;left:-10px;top:-10px";
  document.body.appendChild(frame);
  const doc = frame.contentDocument!;
  doc.title = title;
  const pre = doc.createElement("pre");
  pre.style.cssText = "font: 14pt monospace; white-space: pre-wrap";
  pre.textContent = text;
  doc.body.appendChild(pre);
  const w = frame.contentWindow!;
  printing = frame;
  const done = () => {
    frame.remove();
    if (printing === frame) printing = null;
  };
  w.addEventListener("afterprint", () => setTimeout(done, 0));
  w.focus();
  w.print();
  // Browsers that print without blocking or without afterprint: gone within a minute anyway.
  setTimeout(done, 60000);
}

/** Removes what printText() left (when the window that showed the text closes). */
export function forgetPrint(): void {
  printing?.remove();
  printing = null;
}

/** Unix seconds of the start of a local calendar day ("2026-12-04"); null for none. */
export function dayStart(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  return Math.floor(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime() / 1000);
}

/** Unix seconds of the start of the day after `day` (an exclusive end); null for none. */
export function dayEnd(day: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  return Math.floor(new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + 1).getTime() / 1000);
}
