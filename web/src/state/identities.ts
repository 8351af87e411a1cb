// Identities of each account (RFC 8621 §6): display name, address and
// signatures of the sender.
import { signal } from "@preact/signals";
import { accountName, jmap } from "./session";

export interface Identity {
  id: string;
  name: string;
  email: string;
  replyTo: { name: string | null; email: string }[] | null;
  bcc: { name: string | null; email: string }[] | null;
  textSignature: string;
  htmlSignature: string;
  mayDelete: boolean;
}

export const identities = signal<Record<string, Identity[]>>({});

export async function loadIdentities(accountId: string, force = false): Promise<Identity[]> {
  if (!force && identities.value[accountId]) return identities.value[accountId];
  const r = await jmap.value!.call("Identity/get", { accountId });
  const list = (r.list as Identity[]).sort((a, b) => a.email.localeCompare(b.email));
  identities.value = { ...identities.value, [accountId]: list };
  return list;
}

/** The identity that is the account's own address, else the first one. */
export async function defaultIdentity(accountId: string): Promise<Identity | undefined> {
  const list = await loadIdentities(accountId);
  const own = accountName(accountId).toLowerCase();
  return list.find((i) => i.email.toLowerCase() === own) ?? list[0];
}

export async function updateIdentity(accountId: string, id: string, patch: Partial<Identity>): Promise<string | null> {
  const r = await jmap.value!.call("Identity/set", { accountId, update: { [id]: patch } });
  await loadIdentities(accountId, true);
  const e = r.notUpdated?.[id];
  return e ? e.description ?? e.type : null;
}
