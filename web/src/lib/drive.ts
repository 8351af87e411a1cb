// The drives (DESIGN §2.5): the user's own, and the organisation's that all
// its users share, each with folders and files. Files go up piece by piece
// (as transfer links' do); attachments and whole messages are saved into a
// drive by the server from the mail itself, and its files go back into mail
// as attachments (an upload of the account), as a link, or, for an .eml,
// opened as a message (Email/parse).

import { api } from "./api";
import { uploadPieces, type TransferLink } from "./transfers";

/** Which drive: the user's own ("mine") or the organisation's ("org"). */
export type DriveSpace = "mine" | "org";

/** The drive's routes under /api/v1. */
const base = (space: DriveSpace) => (space === "org" ? "/org-drive" : "/drive");

export interface DriveItem {
  id: number;
  parent: number | null;
  folder: boolean;
  name: string;
  created: number; // Unix seconds
  modified: number;
  // Files only:
  type?: string;
  size?: number;
  received?: number;
  ready?: boolean;
}

export interface DriveListing {
  folder: DriveItem | null; // null at the top
  path: { id: number; name: string }[]; // from the top down to the folder itself
  items: DriveItem[]; // folders first, then by name
  usage?: { bytes: number; items: number }; // at the top only
  limits?: { max_drive_bytes: number; max_file_bytes: number; max_depth: number };
}

export function listFolder(space: DriveSpace, folder: number | null): Promise<DriveListing> {
  return api<DriveListing>("GET", folder ? `${base(space)}/folders/${folder}` : base(space));
}

export function makeFolder(space: DriveSpace, parent: number | null, name: string): Promise<DriveItem> {
  return api<DriveItem>("POST", `${base(space)}/folders`, { parent, name });
}

/**
 * Uploads `file` into the folder; the file as the server keeps it (a taken
 * name gets a number). When the upload cannot finish, what went up is
 * deleted and the error thrown.
 */
export async function uploadFile(space: DriveSpace, parent: number | null, file: File, progress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<DriveItem> {
  const made = await api<DriveItem>("POST", `${base(space)}/files`, { parent, name: file.name, type: file.type, size: file.size });
  let sent = 0;
  try {
    await uploadPieces((offset) => `/api/v1${base(space)}/files/${made.id}?offset=${offset}`, file, (n) => progress((sent += n), file.size), signal);
  } catch (e) {
    await api("DELETE", `${base(space)}/items/${made.id}`).catch(() => {});
    throw e;
  }
  return { ...made, received: file.size, ready: true };
}

export function renameItem(space: DriveSpace, id: number, name: string): Promise<DriveItem> {
  return api<DriveItem>("PATCH", `${base(space)}/items/${id}`, { name });
}

export function moveItem(space: DriveSpace, id: number, parent: number | null): Promise<DriveItem> {
  return api<DriveItem>("PATCH", `${base(space)}/items/${id}`, { parent });
}

export function deleteItem(space: DriveSpace, id: number): Promise<void> {
  return api<void>("DELETE", `${base(space)}/items/${id}`);
}

/** Where the browser downloads a file (an attachment, whatever it holds). */
export function contentUrl(space: DriveSpace, id: number): string {
  return `/api/v1${base(space)}/files/${id}/content`;
}

export function isEml(item: DriveItem): boolean {
  return !item.folder && (item.type === "message/rfc822" || item.name.toLowerCase().endsWith(".eml"));
}

export interface SaveResult {
  saved: DriveItem[];
  failed: { blobId: string; message: string }[];
}

/** Blobs of the mail account (attachments, a whole message) saved into the drive's folder by the server. */
export function saveToDrive(accountId: string, space: DriveSpace, folder: number | null, blobs: { blobId: string; name: string; type?: string }[]): Promise<SaveResult> {
  return api<SaveResult>("POST", `/jmap/drive/${encodeURIComponent(accountId)}/save`, { folder, blobs, org_drive: space === "org" });
}

/** A file of the drive made an upload of the mail account: to attach it, or to parse it as a message. */
export function driveBlob(accountId: string, space: DriveSpace, file: number): Promise<{ blobId: string; type: string; size: number; name: string }> {
  return api("POST", `/jmap/drive/${encodeURIComponent(accountId)}/blob`, { file, org_drive: space === "org" });
}

/** Files of the drive sent as one download link (complete at once: their bytes are on the server). */
export async function shareAsLink(space: DriveSpace, files: number[]): Promise<TransferLink> {
  const made = await api<{ path: string; expires: number; files: { name: string; size: number }[] }>("POST", "/transfers", { drive: files, org_drive: space === "org" });
  return { url: location.origin + made.path, expires: made.expires, files: made.files.map((f) => ({ name: f.name, size: f.size })) };
}
