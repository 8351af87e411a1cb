// The account's download links (lib/transfers.ts): what each holds, until
// when, how often it was downloaded; deleting one ends the link at once.
// The links themselves are in the messages that carried them: the server
// keeps only their hashes.
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../../lib/api";
import { askConfirm } from "../../state/ask";
import { showError } from "../../state/session";
import { fmtFullDate, fmtSize, t } from "../../i18n";

interface Transfer {
  id: number;
  created: number;
  expires: number;
  complete: boolean;
  downloads: number;
  size: number;
  files: { id: number; name: string; size: number }[];
}

interface Listing {
  transfers: Transfer[];
  limits: { max_user_bytes: number };
}

const date = (unix: number) => fmtFullDate(new Date(unix * 1000).toISOString());

export function Transfers() {
  const listing = useSignal<Listing | null>(null);
  const load = () => api<Listing>("GET", "/transfers").then((l) => (listing.value = l), showError);
  useEffect(() => void load(), []);
  if (!listing.value) return <p class="muted">{t("app.loading")}</p>;
  const { transfers, limits } = listing.value;
  const used = transfers.reduce((s, x) => s + x.size, 0);

  async function remove(x: Transfer) {
    const sure = await askConfirm({
      title: t("settings.transferDeleteTitle"),
      text: t("settings.transferDeleteText", { names: x.files.map((f) => f.name).join(", ") }),
      action: t("settings.transferDelete"),
      danger: true,
    });
    if (!sure) return;
    try {
      await api("DELETE", `/transfers/${x.id}`);
    } catch (e) {
      showError(e);
    }
    await load();
  }

  return (
    <div class="settings-form">
      <p>{t("settings.transfersIntro")}</p>
      <p class="muted small">{t("settings.transfersUsed", { used: fmtSize(used), limit: fmtSize(limits.max_user_bytes) })}</p>
      {transfers.length === 0 ? (
        <p class="muted">{t("settings.transfersNone")}</p>
      ) : (
        <ul class="transfer-list">
          {transfers.map((x) => (
            <li key={x.id}>
              <div>
                <strong>{x.files.map((f) => f.name).join(", ")}</strong> <span class="muted small">{fmtSize(x.size)}</span>
              </div>
              <div class="muted small">
                {x.complete ? t("settings.transferUntil", { date: date(x.expires), count: String(x.downloads) }) : t("settings.transferIncomplete")}
              </div>
              <button type="button" class="danger" onClick={() => void remove(x)}>{t("settings.transferDelete")}</button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
