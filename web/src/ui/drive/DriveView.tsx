// A drive (lib/drive.ts: the user's own or the organisation's, as the route
// says) in place of the mail panes: where the folder is, what it holds
// (folders first), files uploaded by button or dropped here with their
// progress, new folders, download, rename, move and delete, and an .eml
// opened as a message. The account of the route is the one an .eml is read
// with.
import { useSignal, useSignalEffect } from "@preact/signals";
import { ApiError } from "../../lib/api";
import { contentUrl, deleteItem, driveBlob, isEml, listFolder, makeFolder, moveItem, renameItem, uploadFile, type DriveItem, type DriveListing, type DriveSpace } from "../../lib/drive";
import { parseAttached, type FullEmail } from "../../state/reader";
import { askConfirm, askText } from "../../state/ask";
import { route, routeHash } from "../../state/route";
import { toast } from "../../state/session";
import { MessageView } from "../MessageView";
import { Dialog } from "../Dialog";
import { DrivePicker, driveName } from "./DrivePicker";
import { FolderIcon, MailIcon } from "../icons";
import { fmtFullDate, fmtSize, t, type Key } from "../../i18n";

interface Upload {
  key: string;
  name: string;
  sent: number;
  total: number;
  error: string | null;
  abort: AbortController;
}

/** What went wrong, in the user's language where the code says enough. */
export function driveError(e: unknown): string {
  const known: Record<string, Key> = { over_quota: "drive.full", exists: "drive.nameTaken", try_again: "drive.tryAgain" };
  if (e instanceof ApiError && known[e.code]) return t(known[e.code]);
  return t("error.generic", { message: e instanceof Error ? e.message : String(e) });
}

const date = (unix: number) => fmtFullDate(new Date(unix * 1000).toISOString());

export function DriveView() {
  const accountId = route.value.accountId ?? "";
  const space: DriveSpace = route.value.drive?.space ?? "mine";
  const folder = route.value.drive?.folder ?? null;
  const at = (id: number | null) => routeHash({ accountId, console: null, drive: { space, folder: id } });
  const listing = useSignal<DriveListing | null>(null);
  const usage = useSignal<DriveListing["usage"] | null>(null);
  const limit = useSignal(0);
  const error = useSignal("");
  const uploads = useSignal<Upload[]>([]);
  const reload = useSignal(0);
  const opened = useSignal<FullEmail | null>(null);
  const moving = useSignal<DriveItem | null>(null);
  const dropping = useSignal(false);

  useSignalEffect(() => {
    const sp = route.value.drive?.space ?? "mine";
    const f = route.value.drive?.folder ?? null;
    void reload.value;
    let alive = true;
    listFolder(sp, f)
      .then((l) => {
        if (!alive) return;
        listing.value = l;
        error.value = "";
        if (l.usage) usage.value = l.usage;
        if (l.limits) limit.value = l.limits.max_drive_bytes;
      })
      .catch((e) => {
        if (!alive) return;
        listing.value = null;
        error.value = e instanceof ApiError && e.status === 404 ? t("drive.noFolder") : driveError(e);
      });
    return () => {
      alive = false;
    };
  });

  const failed = (e: unknown) => toast(driveError(e), "error");

  async function newFolder() {
    const name = await askText({ title: t("drive.newFolder"), text: t("drive.newFolderText"), label: t("drive.name"), action: t("drive.create") });
    if (!name) return;
    try {
      await makeFolder(space, folder, name);
      reload.value++;
    } catch (e) {
      failed(e);
    }
  }

  async function upload(files: File[]) {
    // One after another, into the folder shown when they were chosen.
    const into = folder;
    const entries = files.map((f) => ({ key: Math.random().toString(36).slice(2), name: f.name, sent: 0, total: f.size, error: null, abort: new AbortController() }));
    uploads.value = [...uploads.value, ...entries];
    const update = (key: string, patch: Partial<Upload>) => (uploads.value = uploads.value.map((u) => (u.key === key ? { ...u, ...patch } : u)));
    for (let i = 0; i < files.length; i++) {
      const { key, abort } = entries[i];
      if (abort.signal.aborted) continue;
      try {
        await uploadFile(space, into, files[i], (sent, total) => update(key, { sent, total }), abort.signal);
        uploads.value = uploads.value.filter((u) => u.key !== key);
        reload.value++;
      } catch (e) {
        if (!abort.signal.aborted) update(key, { error: driveError(e) });
      }
    }
  }

  async function rename(item: DriveItem) {
    const name = await askText({ title: t("drive.rename"), text: t("drive.renameText", { name: item.name }), label: t("drive.name"), value: item.name, action: t("drive.rename") });
    if (!name || name === item.name) return;
    try {
      await renameItem(space, item.id, name);
      reload.value++;
    } catch (e) {
      failed(e);
    }
  }

  async function remove(item: DriveItem) {
    const ok = await askConfirm({
      title: item.folder ? t("drive.deleteFolder") : t("drive.deleteFile"),
      text: item.folder ? t("drive.deleteFolderText", { name: item.name }) : t("drive.deleteFileText", { name: item.name }),
      action: t("drive.delete"),
      danger: true,
    });
    if (!ok) return;
    try {
      await deleteItem(space, item.id);
      reload.value++;
    } catch (e) {
      failed(e);
    }
  }

  async function moveTo(item: DriveItem, to: number | null) {
    moving.value = null;
    try {
      await moveItem(space, item.id, to);
      reload.value++;
    } catch (e) {
      failed(e);
    }
  }

  async function openMessage(item: DriveItem) {
    try {
      const blob = await driveBlob(accountId, space, item.id);
      const parsed = await parseAttached(accountId, blob.blobId);
      if (!parsed) toast(t("reader.notParsable"), "error");
      opened.value = parsed;
    } catch (e) {
      failed(e);
    }
  }

  const l = listing.value;
  const here = l?.path.length ? l.path[l.path.length - 1].name : driveName(space);
  return (
    <section
      class={"drive" + (dropping.value ? " drop" : "")}
      aria-label={driveName(space)}
      onDragOver={(e) => {
        if (e.dataTransfer?.types.includes("Files")) {
          e.preventDefault();
          dropping.value = true;
        }
      }}
      onDragLeave={() => (dropping.value = false)}
      onDrop={(e) => {
        dropping.value = false;
        const files = Array.from(e.dataTransfer?.files ?? []);
        if (files.length === 0) return;
        e.preventDefault();
        void upload(files);
      }}
    >
      <nav class="breadcrumbs" aria-label={t("drive.where")}>
        <ol>
          <li><a href={at(null)} aria-current={l && !l.path.length ? "page" : undefined}>{driveName(space)}</a></li>
          {l?.path.map((p, i) => (
            <li key={p.id}>
              <a href={at(p.id)} aria-current={i === l.path.length - 1 ? "page" : undefined}>{p.name}</a>
            </li>
          ))}
        </ol>
      </nav>
      {space === "org" && <p class="muted small drive-note">{t("drive.orgShared")}</p>}
      <div class="drive-bar" role="toolbar" aria-label={t("drive.actions")}>
        <button type="button" onClick={newFolder} disabled={!l}>{t("drive.newFolder")}</button>
        <label class={"button" + (l ? "" : " disabled")}>
          {t("drive.upload")}
          <input type="file" multiple class="sr-only" disabled={!l} onChange={(e) => { const fl = Array.from(e.currentTarget.files ?? []); e.currentTarget.value = ""; void upload(fl); }} />
        </label>
        {usage.value && limit.value > 0 && (
          <span class="muted small">{t("drive.used", { used: fmtSize(usage.value.bytes), limit: fmtSize(limit.value) })}</span>
        )}
      </div>
      {uploads.value.length > 0 && (
        <ul class="drive-uploads" aria-label={t("drive.uploads")}>
          {uploads.value.map((u) => (
            <li key={u.key} class={u.error ? "error" : ""}>
              <span>{u.name}</span>
              {u.error ? (
                <>
                  <span role="alert">{u.error}</span>
                  <button type="button" class="icon" aria-label={t("drive.dismiss", { name: u.name })} onClick={() => (uploads.value = uploads.value.filter((x) => x.key !== u.key))}>×</button>
                </>
              ) : (
                <>
                  <progress max={u.total || 1} value={u.sent} aria-label={t("drive.uploading", { name: u.name })} />
                  <button type="button" class="link" onClick={() => { u.abort.abort(); uploads.value = uploads.value.filter((x) => x.key !== u.key); }}>
                    {t("drive.cancelUpload")}
                  </button>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {!l && !error.value && <p class="muted" role="status">{t("app.loading")}</p>}
      {l && l.items.length === 0 && <p class="muted">{t("drive.emptyHint")}</p>}
      {l && l.items.length > 0 && (
        <table class="drive-items" aria-label={t("drive.contents", { folder: here })}>
          <thead>
            <tr><th scope="col">{t("drive.name")}</th><th scope="col">{t("drive.size")}</th><th scope="col">{t("drive.modified")}</th><th scope="col"><span class="sr-only">{t("drive.actions")}</span></th></tr>
          </thead>
          <tbody>
            {l.items.map((i) => (
              <tr key={i.id} data-item={i.name}>
                <td>
                  {i.folder ? (
                    <a href={at(i.id)} class="folder-link"><FolderIcon /> {i.name}</a>
                  ) : isEml(i) && i.ready && accountId ? (
                    <button type="button" class="link" onClick={() => void openMessage(i)}><MailIcon /> {i.name}</button>
                  ) : i.ready ? (
                    <a href={contentUrl(space, i.id)} download={i.name}>{i.name}</a>
                  ) : (
                    <span>{i.name} <span class="muted small">{t("drive.incomplete")}</span></span>
                  )}
                </td>
                <td>{i.folder ? "" : fmtSize(i.size ?? 0)}</td>
                <td><time dateTime={new Date(i.modified * 1000).toISOString()}>{date(i.modified)}</time></td>
                <td class="row-actions">
                  {!i.folder && i.ready && <a href={contentUrl(space, i.id)} download={i.name}>{t("reader.download")}</a>}
                  <button type="button" class="link" onClick={() => void rename(i)}>{t("drive.rename")}</button>
                  <button type="button" class="link" onClick={() => (moving.value = i)}>{t("drive.move")}</button>
                  <button type="button" class="link" onClick={() => void remove(i)}>{t("drive.delete")}</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {opened.value && (
        <Dialog title={opened.value.subject || t("list.noSubject")} wide onClose={() => (opened.value = null)}>
          <MessageView accountId={accountId} email={opened.value} readOnly />
        </Dialog>
      )}
      {moving.value && (
        <DrivePicker
          mode="folder"
          space={space}
          title={t("drive.moveTitle", { name: moving.value.name })}
          action={t("drive.moveHere")}
          exclude={moving.value.folder ? moving.value.id : undefined}
          onPick={(p) => void moveTo(moving.value!, p.folder)}
          onClose={() => (moving.value = null)}
        />
      )}
    </section>
  );
}
