// The app's own question dialog (state/ask.ts): a modal <dialog> labelled
// by its title and described by the text of what will happen; a text field
// when a name or an address is asked; Escape or Cancel answers nothing.
import { useSignal } from "@preact/signals";
import { question, type Question } from "../state/ask";
import { Dialog } from "./Dialog";
import { t } from "../i18n";

export function Ask() {
  const q = question.value;
  if (!q) return null;
  return <AskDialog key={q.title + q.text + (q.value ?? "")} q={q} />;
}

let seq = 0;

function AskDialog({ q }: { q: Question }) {
  const value = useSignal(q.value ?? "");
  const id = useSignal("ask-" + ++seq).value;
  const ok = q.kind === "confirm" || (value.value.trim() !== "" && (!q.valid || q.valid(value.value.trim())));
  return (
    <Dialog title={q.title} onClose={() => q.answer(null)} class="ask">
      <form
        method="dialog"
        aria-describedby={id + "-text"}
        onSubmit={(e) => {
          e.preventDefault();
          if (ok) q.answer(q.kind === "text" ? value.value : "yes");
        }}
      >
        <p id={id + "-text"}>{q.text}</p>
        {q.kind === "text" && (
          <label class="field">
            {q.label}
            <input name="answer" value={value.value} autoFocus onInput={(e) => (value.value = e.currentTarget.value)} onFocus={(e) => e.currentTarget.select()} />
          </label>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={() => q.answer(null)}>{t("action.cancel")}</button>
          <button type="submit" class={q.danger ? "danger" : "primary"} disabled={!ok} autoFocus={q.kind === "confirm" && !q.danger}>{q.action}</button>
        </div>
      </form>
    </Dialog>
  );
}
