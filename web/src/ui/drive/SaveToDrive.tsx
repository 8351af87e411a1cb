// "Save to the drive" for mail: a whole message (as .eml) or a message's
// attachments, saved by the server into the folder the user picks (in
// their own drive or the organisation's); a toast
// says while it works and when it is done, with a way to that folder.
import { useSignal } from "@preact/signals";
import { saveToDrive } from "../../lib/drive";
import { go } from "../../state/route";
import { dismissToast, showError, toast } from "../../state/session";
import { DrivePicker, type Picked } from "./DrivePicker";
import { t } from "../../i18n";

export function SaveToDrive(props: { accountId: string; label: string; blobs: () => { blobId: string; name: string; type?: string }[]; class?: string }) {
  const picking = useSignal(false);
  const busy = useSignal(false);

  const save = async (p: Picked) => {
    picking.value = false;
    busy.value = true;
    const working = toast(t("drive.saving", { folder: p.folderName }), "info", undefined, 0);
    try {
      const r = await saveToDrive(props.accountId, p.space, p.folder, props.blobs());
      dismissToast(working);
      const open = { label: t("drive.openFolder"), run: () => go({ accountId: props.accountId, drive: { space: p.space, folder: p.folder } }) };
      if (r.failed.length) toast(t("drive.savedSome", { n: r.saved.length, failed: r.failed.length, message: r.failed[0].message }), "error", open);
      else toast(t("drive.saved", { n: r.saved.length, folder: p.folderName }), "info", open);
    } catch (e) {
      dismissToast(working);
      showError(e);
    } finally {
      busy.value = false;
    }
  };

  return (
    <>
      <button type="button" class={props.class} disabled={busy.value} onClick={() => (picking.value = true)}>{props.label}</button>
      {picking.value && (
        <DrivePicker mode="folder" title={t("drive.saveTitle")} action={t("drive.saveHere")} onPick={(p) => void save(p)} onClose={() => (picking.value = false)} />
      )}
    </>
  );
}
