import { dismissToast, toasts } from "../state/session";
import { t } from "../i18n";

export function Toasts() {
  return (
    <div class="toasts" role="status" aria-live="polite">
      {toasts.value.map((x) => (
        <div key={x.id} class={"toast " + x.kind} role={x.kind === "error" ? "alert" : undefined}>
          <span>{x.text}</span>
          {x.action && (
            <button type="button" class="link" onClick={() => { x.action!.run(); dismissToast(x.id); }}>
              {x.action.label}
            </button>
          )}
          <button type="button" class="icon" aria-label={t("action.close")} onClick={() => dismissToast(x.id)}>×</button>
        </div>
      ))}
    </div>
  );
}
