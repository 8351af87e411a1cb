// A modal dialog on the native <dialog> element: focus kept inside, Escape
// closes, labelled by its title; the focus goes back where it was.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";

let seq = 0;

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean; class?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useRef("dlg-" + ++seq);
  useEffect(() => {
    const d = ref.current!;
    // What had the focus gets it back when the dialog goes (it is removed, not closed, so the browser does not).
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (!d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      props.onClose();
    };
    d.addEventListener("cancel", onCancel);
    return () => {
      d.removeEventListener("cancel", onCancel);
      // Unless the app has put it somewhere on purpose meanwhile.
      queueMicrotask(() => {
        const now = document.activeElement;
        const lost = !now || now === document.body || !now.isConnected || d.contains(now);
        if (lost && before?.isConnected && !d.contains(before)) before.focus();
      });
    };
  }, []);
  return (
    <dialog ref={ref} class={"dialog" + (props.wide ? " wide" : "") + (props.class ? " " + props.class : "")} aria-labelledby={id.current}>
      <header class="dialog-head">
        <h2 id={id.current}>{props.title}</h2>
        <button type="button" class="icon" aria-label={t("action.close")} onClick={props.onClose}>×</button>
      </header>
      <div class="dialog-body">{props.children}</div>
    </dialog>
  );
}
