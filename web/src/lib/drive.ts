// The user's drive (DESIGN §2.5): folders and files of their own. Files go
// up piece by piece (as transfer links' do); attachments and whole messages
// are saved into it by the server from the mail itself, and its files go
// back into mail as attachments (an upload of the account), as a link, or,
// for an .eml, opened as a message (Email/parse).

import { api } from "./api";
import { uploadPieces, type TransferLink } from "./transfers";

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
  limits?: { max_user_bytes: number; max_file_bytes: number; max_depth: number };
}

export function listFolder(folder: number | null): Promise<DriveListing> {
  return api<DriveListing>("GET", folder ? `/drive/folders/${folder}` : "/drive");
}

export function makeFolder(parent: number | null, name: string): Promise<DriveItem> {
  return api<DriveItem>("POST", "/drive/folders", { parent, name });
}

/**
 * Uploads `file` into the folder; the file as the server keeps it (a taken
 * name gets a number). When the upload cannot finish, what went up is
 * deleted and the error thrown.
 */
export async function uploadFile(parent: number | null, file: File, progress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<DriveItem> {
  const made = await api<DriveItem>("POST", "/drive/files", { parent, name: file.name, type: file.type, size: file.size });
  let sent = 0;
  try {
    await uploadPieces((offset) => `/api/v1/drive/files/${made.id}?offset=${offset}`, file, (n) => progress((sent += n), file.size), signal);
  } catch (e) {
    await api("DELETE", `/drive/items/${made.id}`).catch(() => {});
    throw e;
  }
  return { ...made, received: file.size, ready: true };
}

export function renameItem(id: number, name: string): Promise<DriveItem> {
  return api<DriveItem>("PATCH", `/drive/items/${id}`, { name });
}

export function moveItem(id: number, parent: number | null): Promise<DriveItem> {
  return api<DriveItem>("PATCH", `/drive/items/${id}`, { parent });
}

export function deleteItem(id: number): Promise<void> {
  return api<void>("DELETE", `/drive/items/${id}`);
}

/** Where the browser downloads a file (an attachment, whatever it holds). */
export function contentUrl(id: number): string {
  return `/api/v1/drive/files/${id}/content`;
}

export function isEml(item: DriveItem): boolean {
  return !item.folder && (item.type === "message/rfc822" || item.name.toLowerCase().endsWith(".eml"));
}

export interface SaveResult {
  saved: DriveItem[];
  failed: { blobId: string; message: string }[];
}

/** Blobs of the mail account (attachments, a whole message) saved into the folder by the server. */
export function saveToDrive(accountId: string, folder: number | null, blobs: { blobId: string; name: string; type?: string }[]): Promise<SaveResult> {
  return api<SaveResult>("POST", `/jmap/drive/${encodeURIComponent(accountId)}/save`, { folder, blobs });
}

/** A file of the drive made an upload of the mail account: to attach it, or to parse it as a message. */
export function driveBlob(accountId: string, file: number): Promise<{ blobId: string; type: string; size: number; name: string }> {
  return api("POST", `/jmap/drive/${encodeURIComponent(accountId)}/blob`, { file });
}

/** Files of the drive sent as one download link (complete at once: their bytes are on the server). */
export async function shareAsLink(files: number[]): Promise<TransferLink> {
  const made = await api<{ path: string; expires: number; files: { name: string; size: number }[] }>("POST", "/transfers", { drive: files });
  return { url: location.origin + made.path, expires: made.expires, files: made.files.map((f) => ({ name: f.name, size: f.size })) };
}
