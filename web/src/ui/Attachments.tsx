// A message's attachments: name, type and size; preview (images and PDF
// in the browser's own viewer), download one, download all as a zip, and
// open an attached message (.eml) as a message; save them all into the drive.
import { jmap } from "../state/session";
import type { BodyPart } from "../state/reader";
import { SaveToDrive } from "./drive/SaveToDrive";
import { fmtSize, t } from "../i18n";

export function isMessage(p: BodyPart): boolean {
  return p.type === "message/rfc822" || (p.name ?? "").toLowerCase().endsWith(".eml");
}

// The server shows pictures and PDF in the browser's own viewer when asked
// (a download otherwise).
function inline(url: string): string {
  return url + (url.includes("?") ? "&" : "?") + "disposition=inline";
}

function previewable(p: BodyPart): boolean {
  return p.type.startsWith("image/") || p.type === "application/pdf" || p.type.startsWith("text/plain");
}

export function Attachments(props: { accountId: string; emailId: string; subject: string | null; parts: BodyPart[]; onOpenMessage: (p: BodyPart) => void }) {
  const j = jmap.value!;
  if (props.parts.length === 0) return null;
  const total = props.parts.reduce((s, p) => s + p.size, 0);
  return (
    <section class="attachments" aria-label={t("reader.attachments")}>
      <h3>{t("reader.attachmentsCount", { n: props.parts.length, size: fmtSize(total) })}</h3>
      <ul>
        {props.parts.map((p, i) => {
          const name = p.name || t("reader.unnamed", { n: i + 1 });
          const blob = p.blobId!;
          return (
            <li key={blob + i} class="attachment">
              <span class="att-name">{name}</span>
              <span class="muted small">{p.type} · {fmtSize(p.size)}</span>
              <span class="att-actions">
                {previewable(p) && (
                  <a href={inline(j.downloadUrl(props.accountId, blob, name, p.type))} target="_blank" rel="noopener noreferrer">{t("reader.preview")}</a>
                )}
                {isMessage(p) && (
                  <button type="button" class="link" onClick={() => props.onOpenMessage(p)}>{t("reader.openMessage")}</button>
                )}
                <a href={j.downloadUrl(props.accountId, blob, name, "application/octet-stream")} download={name}>{t("reader.download")}</a>
              </span>
            </li>
          );
        })}
      </ul>
      <div class="att-all">
        {props.emailId && props.parts.length > 1 && (
          <a class="button" href={j.zipUrl(props.accountId, props.emailId, (props.subject || "attachments").slice(0, 60) + ".zip")} download>
            {t("reader.downloadZip")}
          </a>
        )}
        {props.emailId && (
          <SaveToDrive
            accountId={props.accountId}
            label={props.parts.length > 1 ? t("drive.saveAll") : t("drive.saveOne")}
            blobs={() => props.parts.map((p, i) => ({ blobId: p.blobId!, name: p.name || t("reader.unnamed", { n: i + 1 }), type: p.type }))}
          />
        )}
      </div>
    </section>
  );
}
