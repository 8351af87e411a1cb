// A dialog over the drive (lib/drive.ts): choose a folder (where to save
// mail or move an item to; a new folder can be made there) or files (to
// attach, or to send as a link). It opens at the top and goes down and up
// the folders; what it answers is the folder it shows.
import { useSignal, useSignalEffect } from "@preact/signals";
import { listFolder, makeFolder, type DriveItem, type DriveListing } from "../../lib/drive";
import { askText } from "../../state/ask";
import { showError } from "../../state/session";
import { Dialog } from "../Dialog";
import { FolderIcon } from "../icons";
import { fmtSize, t } from "../../i18n";

export interface Picked {
  folder: number | null;
  folderName: string; // as shown ("Drive" at the top)
  files: DriveItem[]; // "files" mode: those ticked, in the folder's order
}

export function DrivePicker(props: {
  mode: "folder" | "files";
  title: string;
  action: string;
  /** A second way to use the files ("files" mode): send them as a link. */
  secondAction?: string;
  /** A folder that cannot be chosen nor entered (the one being moved). */
  exclude?: number;
  onPick: (picked: Picked, second: boolean) => void;
  onClose: () => void;
}) {
  const at = useSignal<number | null>(null);
  const listing = useSignal<DriveListing | null>(null);
  const error = useSignal("");
  const ticked = useSignal<Set<number>>(new Set());
  const reload = useSignal(0);

  useSignalEffect(() => {
    const folder = at.value;
    void reload.value;
    let alive = true;
    listFolder(folder)
      .then((l) => {
        if (!alive) return;
        listing.value = l;
        error.value = "";
      })
      .catch((e) => alive && (error.value = e instanceof Error ? e.message : String(e)));
    return () => {
      alive = false;
    };
  });

  const l = listing.value;
  const here = l?.path.length ? l.path[l.path.length - 1].name : t("drive.title");
  const enter = (folder: number | null) => {
    ticked.value = new Set();
    at.value = folder;
  };
  const newFolder = async () => {
    const name = await askText({ title: t("drive.newFolder"), text: t("drive.newFolderText"), label: t("drive.name"), action: t("drive.create") });
    if (!name) return;
    try {
      const made = await makeFolder(at.value, name);
      enter(made.id);
    } catch (e) {
      showError(e);
    }
  };
  const toggle = (id: number) => {
    const s = new Set(ticked.value);
    if (!s.delete(id)) s.add(id);
    ticked.value = s;
  };
  const pick = (second: boolean) =>
    props.onPick({ folder: at.value, folderName: here, files: (l?.items ?? []).filter((i) => ticked.value.has(i.id)) }, second);
  const files = props.mode === "files";
  const chosen = ticked.value.size;

  return (
    <Dialog title={props.title} wide onClose={props.onClose} class="drive-picker">
      <nav class="breadcrumbs" aria-label={t("drive.where")}>
        <ol>
          <li><button type="button" class="link" onClick={() => enter(null)}>{t("drive.title")}</button></li>
          {l?.path.map((p) => (
            <li key={p.id}><button type="button" class="link" onClick={() => enter(p.id)}>{p.name}</button></li>
          ))}
        </ol>
      </nav>
      {error.value && <p class="error" role="alert">{error.value}</p>}
      {!l && !error.value && <p class="muted" role="status">{t("app.loading")}</p>}
      {l && (
        <ul class="picker-items" aria-label={t("drive.contents", { folder: here })}>
          {l.items.length === 0 && <li class="muted">{t("drive.empty")}</li>}
          {l.items.map((i) =>
            i.folder ? (
              <li key={i.id}>
                <button type="button" class="link folder-link" disabled={i.id === props.exclude} onClick={() => enter(i.id)}>
                  <FolderIcon /> {i.name}
                </button>
              </li>
            ) : files ? (
              <li key={i.id}>
                <label class="inline">
                  <input type="checkbox" checked={ticked.value.has(i.id)} disabled={!i.ready} onChange={() => toggle(i.id)} />
                  {i.name} <span class="muted small">{fmtSize(i.size ?? 0)}</span>
                </label>
              </li>
            ) : (
              <li key={i.id} class="muted">{i.name}</li>
            ),
          )}
        </ul>
      )}
      <div class="dialog-actions">
        {!files && <button type="button" onClick={newFolder}>{t("drive.newFolder")}</button>}
        <button type="button" class="primary" disabled={!l || (files && chosen === 0)} onClick={() => pick(false)}>
          {files ? `${props.action} (${chosen})` : props.action}
        </button>
        {files && props.secondAction && (
          <button type="button" disabled={chosen === 0} onClick={() => pick(true)}>{props.secondAction}</button>
        )}
        <button type="button" onClick={props.onClose}>{t("action.cancel")}</button>
      </div>
    </Dialog>
  );
}
