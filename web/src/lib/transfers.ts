// Transfer links (DESIGN §2.5): files over the message's 25 MB go to the
// server piece by piece and travel as a download link, which the
// recipients open until it expires. The server keeps only a hash of the
// link: the message carrying it is where the sender finds it again.

import { api, ApiError, csrf, sessionGone } from "./api";

/** Bytes one upload request carries (the server takes up to 8 MiB). */
export const PIECE = 4 * 1024 * 1024;
const ATTEMPTS = 4;

interface Created {
  id: number;
  path: string;
  expires: number;
  files: { id: number; name: string; size: number }[];
}

export interface TransferLink {
  url: string;
  expires: number; // Unix seconds
  files: { name: string; size: number }[];
}

/** Where a file's upload stands after a piece was sent to `url` (or refused as out of step). */
async function putPiece(url: string, piece: Blob, signal?: AbortSignal): Promise<number> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "PUT",
      headers: { "Content-Type": "application/octet-stream", "X-CSRF-Token": csrf(), Accept: "application/json" },
      body: piece,
      credentials: "same-origin",
      signal,
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, "network", String(e));
  }
  let data: { received?: number; error?: { code?: string; message?: string } } | null = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401) sessionGone();
  // Out of step (an answer lost on the way): the server says where it stands.
  if (res.status === 409 && typeof data?.received === "number") return data.received;
  // Busy: an earlier attempt of this piece is still being written, or too
  // many bodies at once. Worth another try, as a network error is.
  if (res.status === 409 || res.status === 429) throw new ApiError(0, "busy", data?.error?.message ?? res.statusText);
  if (!res.ok || typeof data?.received !== "number")
    throw new ApiError(res.status, data?.error?.code ?? "http_" + res.status, data?.error?.message ?? res.statusText);
  return data.received;
}

/**
 * Sends `file` piece by piece, each to `url(offset)`, from where the server
 * says the upload stands; `progress` hears the bytes each piece added. A
 * piece that fails for the network or a busy server is sent again a few
 * times; other refusals are thrown.
 */
export async function uploadPieces(url: (offset: number) => string, file: Blob, progress: (added: number) => void, signal?: AbortSignal): Promise<void> {
  let offset = 0;
  let failures = 0;
  while (offset < file.size) {
    signal?.throwIfAborted();
    try {
      const received = await putPiece(url(offset), file.slice(offset, offset + PIECE), signal);
      progress(received - offset);
      offset = received;
      failures = 0;
    } catch (e) {
      if (!(e instanceof ApiError) || (e.status !== 0 && e.status < 500) || ++failures >= ATTEMPTS) throw e;
      await new Promise((r) => setTimeout(r, 500 * failures));
    }
  }
}

/**
 * Uploads `files` as one transfer and answers its link. `progress` hears the
 * bytes stored so far. A piece that fails for the network is sent again a
 * few times; when the upload cannot go on (or is aborted), the transfer is
 * deleted and the error thrown.
 */
export async function sendAsTransfer(files: File[], progress: (sent: number, total: number) => void, signal?: AbortSignal): Promise<TransferLink> {
  const made = await api<Created>("POST", "/transfers", { files: files.map((f) => ({ name: f.name, type: f.type, size: f.size })) });
  const total = files.reduce((s, f) => s + f.size, 0);
  let done = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const id = made.files[i].id;
      await uploadPieces((offset) => `/api/v1/transfers/${made.id}/files/${id}?offset=${offset}`, files[i], (n) => progress((done += n), total), signal);
    }
    await api("POST", `/transfers/${made.id}/complete`);
  } catch (e) {
    // Gone for good, so that it holds no room; a piece still being written may delay that a little.
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        await api("DELETE", `/transfers/${made.id}`);
        break;
      } catch (d) {
        if (!(d instanceof ApiError) || (d.status !== 409 && d.status !== 0)) break;
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
    throw e;
  }
  return { url: location.origin + made.path, expires: made.expires, files: made.files.map((f) => ({ name: f.name, size: f.size })) };
}
