// A modal dialog on the native <dialog> element: focus kept inside, Escape
// closes, labelled by its title.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { t } from "../i18n";

let seq = 0;

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; wide?: boolean; class?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const id = useRef("dlg-" + ++seq);
  useEffect(() => {
    const d = ref.current!;
    if (!d.open) d.showModal();
    const onCancel = (e: Event) => {
      e.preventDefault();
      props.onClose();
    };
    d.addEventListener("cancel", onCancel);
    return () => d.removeEventListener("cancel", onCancel);
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
