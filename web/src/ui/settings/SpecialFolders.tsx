// Which folder is Drafts, Sent, Archive, Spam, Trash (Mailbox/set role).
// An access without the permission is told so by the server; its answer
// is shown as it is, beside the folder it was about.
import { useSignal } from "@preact/signals";
import { route } from "../../state/route";
import { accountName, mayChangeSpecialFolders, showError } from "../../state/session";
import { byRole, displayName, mailboxes, setRole, type Role } from "../../state/mailboxes";
import { t, type Key } from "../../i18n";

const CHOOSABLE: Role[] = ["drafts", "sent", "archive", "junk", "trash"];

export function SpecialFolders() {
  const accountId = route.value.accountId ?? "";
  const message = useSignal<{ role: Role; text: string; error: boolean } | null>(null);
  const list = (mailboxes.value[accountId] ?? []).filter((m) => m.role !== "inbox");
  const allowed = mayChangeSpecialFolders(accountId);
  return (
    <form class="settings-form" onSubmit={(e) => e.preventDefault()}>
      <p>{t("settings.foldersFor", { address: accountName(accountId) })}</p>
      {!allowed && <p class="muted">{t("settings.foldersNoPermission")}</p>}
      {CHOOSABLE.map((role) => {
        const current = byRole(accountId, role);
        return (
          <div key={role}>
            <label>
              {t(("role." + role) as Key)}
              <select
                name={"role-" + role}
                value={current?.id ?? ""}
                onChange={async (e) => {
                  const id = e.currentTarget.value;
                  message.value = null;
                  try {
                    const refused = await setRole(accountId, role, id);
                    message.value = refused ? { role, text: t("settings.foldersRefused", { reason: refused }), error: true } : { role, text: t("settings.foldersSaved"), error: false };
                  } catch (err) {
                    showError(err);
                  }
                }}
              >
                {!current && <option value="">{t("settings.none")}</option>}
                {list.map((m) => (
                  <option key={m.id} value={m.id}>{m.role ? `${m.name} (${displayName(m)})` : m.name}</option>
                ))}
              </select>
            </label>
            {message.value?.role === role && (
              <p class={message.value.error ? "error" : "ok"} role={message.value.error ? "alert" : "status"}>{message.value.text}</p>
            )}
          </div>
        );
      })}
    </form>
  );
}
