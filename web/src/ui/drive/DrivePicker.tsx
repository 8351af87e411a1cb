// A dialog over the drives (lib/drive.ts): choose a folder (where to save
// mail or move an item to; a new folder can be made there) or files (to
// attach, or to send as a link). It opens at the top of the user's own drive
// (or of the one it is given) and goes down and up the folders, and to the
// organisation's drive and back; what it answers is the folder it shows.
import { useSignal, useSignalEffect } from "@preact/signals";
import { listFolder, makeFolder, type DriveItem, type DriveListing, type DriveSpace } from "../../lib/drive";
import { askText } from "../../state/ask";
import { showError } from "../../state/session";
import { Dialog } from "../Dialog";
import { FolderIcon } from "../icons";
import { fmtSize, t } from "../../i18n";

/** A drive's name as shown. */
export const driveName = (space: DriveSpace) => t(space === "org" ? "drive.org" : "drive.title");

export interface Picked {
  space: DriveSpace;
  folder: number | null;
  folderName: string; // as shown (the drive's name at the top)
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
  /** The drive to stay in (a move stays in its drive); absent: either. */
  space?: DriveSpace;
  onPick: (picked: Picked, second: boolean) => void;
  onClose: () => void;
}) {
  const space = useSignal<DriveSpace>(props.space ?? "mine");
  const at = useSignal<number | null>(null);
  const listing = useSignal<DriveListing | null>(null);
  const error = useSignal("");
  const ticked = useSignal<Set<number>>(new Set());
  const reload = useSignal(0);

  useSignalEffect(() => {
    const sp = space.value;
    const folder = at.value;
    void reload.value;
    let alive = true;
    listing.value = null;
    listFolder(sp, folder)
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
  const top = driveName(space.value);
  const here = l?.path.length ? l.path[l.path.length - 1].name : top;
  const enter = (folder: number | null) => {
    ticked.value = new Set();
    at.value = folder;
  };
  const switchTo = (sp: DriveSpace) => {
    if (sp === space.value) return;
    ticked.value = new Set();
    at.value = null;
    space.value = sp;
  };
  const newFolder = async () => {
    const name = await askText({ title: t("drive.newFolder"), text: t("drive.newFolderText"), label: t("drive.name"), action: t("drive.create") });
    if (!name) return;
    try {
      const made = await makeFolder(space.value, at.value, name);
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
    props.onPick({ space: space.value, folder: at.value, folderName: here, files: (l?.items ?? []).filter((i) => ticked.value.has(i.id)) }, second);
  const files = props.mode === "files";
  const chosen = ticked.value.size;

  return (
    <Dialog title={props.title} wide onClose={props.onClose} class="drive-picker">
      {!props.space && (
        <div class="drive-spaces" role="group" aria-label={t("drive.which")}>
          {(["mine", "org"] as const).map((sp) => (
            <button key={sp} type="button" aria-pressed={space.value === sp} onClick={() => switchTo(sp)}>
              {driveName(sp)}
            </button>
          ))}
        </div>
      )}
      <nav class="breadcrumbs" aria-label={t("drive.where")}>
        <ol>
          <li><button type="button" class="link" onClick={() => enter(null)}>{top}</button></li>
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
