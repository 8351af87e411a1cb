// Which composer is open (the composer itself is loaded on first use).
import { signal } from "@preact/signals";
import type { ComposeMode, Original } from "../lib/compose";

export interface ComposeRequest {
  key: number;
  mode: ComposeMode;
  accountId: string;
  original?: Original;
  /** A saved draft to continue (its id), or the state of a cancelled send. */
  draftId?: string;
  restore?: unknown;
}

export const composeRequest = signal<ComposeRequest | null>(null);
let seq = 0;

export function compose(r: Omit<ComposeRequest, "key">): void {
  composeRequest.value = { ...r, key: ++seq };
}

export const settingsOpen = signal<string | null>(null);
