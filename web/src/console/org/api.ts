// What the org area's screens ask the account API (/api/v1, manage.cpp's
// routes), typed; and the pure helpers the screens share: how full a quota
// is, the mail client settings the server publishes, the trace's start time.
// The server decides who may do what: these only ask.
import { api, ApiError, csrf } from "../../lib/api";

export interface Organisation {
  id: number;
  name: string;
}

export interface Member {
  id: number;
  login: string;
  display_name: string;
  role: Role;
  created: number;
}

export type Role = "admin" | "legal" | "member";
export const ROLES: Role[] = ["admin", "legal", "member"];

export interface Service {
  id: number;
  name: string;
  locked: boolean;
  created: number;
}

export interface Domain {
  id: number;
  name: string;
  service_id: number;
  verified: boolean;
  created: number;
}

export interface Address {
  id: number;
  address: string;
  service_id: number;
  quota_bytes: number | null;
  quota_messages: number | null;
  save_sent: boolean;
  used_bytes: number;
  used_messages: number;
  created: number;
}

export interface AccessUser {
  login: string;
  display_name: string;
  may_change_special_folders: boolean;
  devices: number;
  since: number;
}

export interface Device {
  id: number;
  label: string;
  login: string;
  address: string;
  created: number;
  last_used: number | null;
  last_ip: string;
  revoked: boolean;
}

export interface TraceEntry {
  id: number;
  time: number;
  queue_id: string;
  direction: "in" | "out";
  sender: string;
  recipient: string;
  status: "accepted" | "queued" | "delivered" | "deferred" | "bounced" | "rejected";
  remote_host: string;
  reply: string;
}

const at = (address: string) => "/addresses/" + encodeURIComponent(address);

/** Everything the organisation screen shows; refused (403) to members: the addresses with usage are for admins. */
export async function loadOrganisation(): Promise<{ org: Organisation | null; members: Member[]; services: Service[]; domains: Domain[]; addresses: Address[] }> {
  const [orgs, users, services, domains, addresses] = await Promise.all([
    api<{ organisations: Organisation[] }>("GET", "/organisations"),
    api<{ users: Member[] }>("GET", "/users"),
    api<{ services: Service[] }>("GET", "/services"),
    api<{ domains: Domain[] }>("GET", "/domains"),
    api<{ addresses: Address[] }>("GET", "/addresses?usage=1"),
  ]);
  return { org: orgs.organisations[0] ?? null, members: users.users, services: services.services, domains: domains.domains, addresses: addresses.addresses };
}

export const createMember = (m: { login: string; display_name: string; role: Role; password: string }) => api<Member>("POST", "/users", m);
export const setRole = (login: string, role: Role) => api<Member>("PATCH", "/users/" + encodeURIComponent(login), { role });
export const removeMember = (login: string) => api("DELETE", "/users/" + encodeURIComponent(login));
export const lockService = (name: string, locked: boolean) => api("POST", "/services/" + encodeURIComponent(name) + (locked ? "/lock" : "/unlock"));

export const deleteAddress = (address: string) => api("DELETE", at(address));
export const createAddress = (address: string) => api<Address>("POST", "/addresses", { address });
export const updateAddress = (address: string, change: { quota_bytes: number | null; quota_messages: number | null; save_sent: boolean }) =>
  api<Address>("PATCH", at(address), change);

/** The DNS record that proves a domain is the organisation's (until it is published and verified). */
export interface Verification {
  name: string;
  type: string;
  value: string;
}
export const addDomain = (service: string, name: string) => api<Domain & { verification?: Verification }>("POST", "/domains", { service, name });
export const removeDomain = (name: string) => api("DELETE", "/domains/" + encodeURIComponent(name));

export const showAddress = (address: string) => api<Address>("GET", at(address));
export const listAccess = (address: string) => api<{ users: AccessUser[] }>("GET", at(address) + "/users").then((r) => r.users);
export const listServices = () => api<{ services: Service[] }>("GET", "/services").then((r) => r.services);
export const listMembers = () => api<{ users: Member[] }>("GET", "/users").then((r) => r.users);
export const grantAccess = (address: string, login: string, special: boolean) => api("POST", at(address) + "/users", { login, may_change_special_folders: special });
export const setSpecialFolders = (address: string, login: string, special: boolean) => api("PATCH", at(address) + "/users/" + encodeURIComponent(login), { may_change_special_folders: special });
export const disconnectDevices = (address: string, login: string) => api<{ revoked_devices: number }>("POST", at(address) + "/users/" + encodeURIComponent(login) + "/disconnect");
export const removeAccess = (address: string, login: string) => api("DELETE", at(address) + "/users/" + encodeURIComponent(login));

export const myAddresses = () => api<{ addresses: { address: string }[] }>("GET", "/me/addresses").then((r) => r.addresses.map((a) => a.address));
export const listDevices = (address: string, login: string) => api<{ devices: Device[] }>("GET", at(address) + "/devices?login=" + encodeURIComponent(login)).then((r) => r.devices);
export const createDevice = (address: string, label: string) => api<Device & { password: string }>("POST", at(address) + "/devices", { label });
export const revokeDevice = (id: number) => api("DELETE", "/devices/" + id);

/** The .mobileconfig of `address` with a new device password labelled `label` inside (the file's text; nothing kept). */
export async function appleProfile(address: string, label: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch("/api/v1" + at(address) + "/profile", {
      method: "POST",
      headers: { Accept: "application/x-apple-aspen-config, application/json", "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: JSON.stringify({ device: label }),
      credentials: "same-origin",
    });
  } catch (e) {
    throw new ApiError(0, "network", String(e));
  }
  const text = await res.text();
  if (!res.ok) {
    let err: { code?: string; message?: string; field?: string } | undefined;
    try {
      err = JSON.parse(text).error;
    } catch {
      err = undefined;
    }
    throw new ApiError(res.status, err?.code ?? "http_" + res.status, err?.message ?? res.statusText, err?.field ?? null);
  }
  return text;
}

export const trace = (address: string, since: number | string, limit: number) =>
  api<{ entries: TraceEntry[] }>("GET", at(address) + "/trace?since=" + encodeURIComponent(String(since)) + "&limit=" + limit).then((r) => r.entries);

// --- pure helpers

/** How full an address is, from 0 to 1 (the larger of octets and messages), or null without a limit. */
export function quotaFraction(a: Pick<Address, "quota_bytes" | "quota_messages" | "used_bytes" | "used_messages">): number | null {
  const parts: number[] = [];
  if (a.quota_bytes !== null) parts.push(a.quota_bytes === 0 ? 1 : a.used_bytes / a.quota_bytes);
  if (a.quota_messages !== null) parts.push(a.quota_messages === 0 ? 1 : a.used_messages / a.quota_messages);
  return parts.length ? Math.min(1, Math.max(...parts)) : null;
}

export interface MailServer {
  host: string;
  port: number;
  /** "SSL" (TLS from the start) or "STARTTLS". */
  socket: string;
}

export interface ClientSettings {
  imap: MailServer;
  smtp: MailServer[];
  /** Whether these came from the server (its autoconfig), not guessed from the page's host. */
  fromServer: boolean;
}

/** The settings a mail program needs when nothing is known but the page's host: the server's fixed ports. */
export function defaultSettings(host: string): ClientSettings {
  return {
    imap: { host, port: 993, socket: "SSL" },
    smtp: [{ host, port: 587, socket: "STARTTLS" }, { host, port: 465, socket: "SSL" }],
    fromServer: false,
  };
}

/**
 * The IMAP and SMTP servers of a Thunderbird autoconfig document (the
 * server's /.well-known/autoconfig/mail/config-v1.1.xml), or null when it
 * has none. `parse` turns XML text into a Document (DOMParser in a browser).
 */
export function parseAutoconfig(xml: string, parse: (xml: string) => Document): ClientSettings | null {
  let doc: Document;
  try {
    doc = parse(xml);
  } catch {
    return null;
  }
  const server = (el: Element): MailServer | null => {
    const text = (name: string) => el.getElementsByTagName(name)[0]?.textContent?.trim() ?? "";
    const port = Number(text("port"));
    const host = text("hostname");
    if (!host || !Number.isInteger(port) || port <= 0 || port > 65535) return null;
    return { host, port, socket: text("socketType") || "SSL" };
  };
  const of = (tag: string, type: string) =>
    [...doc.getElementsByTagName(tag)].filter((e) => e.getAttribute("type") === type).map(server).filter((s): s is MailServer => s !== null);
  const imap = of("incomingServer", "imap")[0];
  const smtp = of("outgoingServer", "smtp");
  if (!imap || smtp.length === 0) return null;
  return { imap, smtp, fromServer: true };
}

/** The mail client settings of `address` as the server publishes them; the page's host and the usual ports otherwise. */
export async function clientSettings(address: string): Promise<ClientSettings> {
  try {
    const res = await fetch("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=" + encodeURIComponent(address), { credentials: "same-origin" });
    if (res.ok) {
      const parsed = parseAutoconfig(await res.text(), (x) => new DOMParser().parseFromString(x, "application/xml"));
      if (parsed) return parsed;
    }
  } catch {
    // The page's host below.
  }
  return defaultSettings(location.hostname);
}

/** A `<input type="datetime-local">` value for a time in Unix seconds, in the browser's time zone. */
export function toLocalInput(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Unix seconds of a `<input type="datetime-local">` value (the browser's time zone), or null when it is not one. */
export function fromLocalInput(value: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (isNaN(d.getTime()) || d.getMonth() !== Number(m[2]) - 1) return null;
  return Math.floor(d.getTime() / 1000);
}
