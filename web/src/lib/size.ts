// Sizes and the composer's limits (DESIGN §2.5: 25 MB of attachments per
// message; inline images over 10 MB go as attachments).

export const MB = 1024 * 1024;
export const MAX_MESSAGE_ATTACHMENTS = 25 * MB;
export const MAX_INLINE_IMAGE = 10 * MB;

export type AttachmentVerdict = "ok" | "too_large";

/** Whether files of `adding` bytes fit beside `current` bytes already attached. */
export function attachmentFits(current: number, adding: number, limit = MAX_MESSAGE_ATTACHMENTS): AttachmentVerdict {
  return current + adding <= limit ? "ok" : "too_large";
}

/** An image goes inline only up to 10 MB; larger ones are plain attachments. */
export function inlineOrAttach(type: string, size: number): "inline" | "attachment" {
  return type.startsWith("image/") && size <= MAX_INLINE_IMAGE ? "inline" : "attachment";
}

/** Files over the per-message limit go as one download link (lib/transfers.ts), up to this much (the server's limit). */
export const MAX_TRANSFER = 3 * 1024 * MB;

/** 1536 → "1,5 KB" in the given locale (binary multiples, as mail clients show them). */
export function formatSize(bytes: number, locale: string): string {
  const units = ["B", "KB", "MB", "GB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const digits = i === 0 || v >= 100 ? 0 : 1;
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v) + " " + units[i];
}
