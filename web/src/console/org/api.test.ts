// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { defaultSettings, fromLocalInput, parseAutoconfig, quotaFraction, toLocalInput } from "./api";

const parse = (x: string) => new DOMParser().parseFromString(x, "application/xml");

// What the server sends (manage/autoconfig.cpp's thunderbird_config).
const AUTOCONFIG = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="demo.example">
    <domain>demo.example</domain>
    <incomingServer type="imap">
      <hostname>mail.demo.example</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <authentication>password-cleartext</authentication>
      <username>%EMAILADDRESS%</username>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>mail.demo.example</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>mail.demo.example</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>mail.demo.example</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
    </outgoingServer>
  </emailProvider>
</clientConfig>
`;

describe("client settings", () => {
  it("come from the server's autoconfig: IMAP (not POP3), both SMTP ports in its order", () => {
    expect(parseAutoconfig(AUTOCONFIG, parse)).toEqual({
      imap: { host: "mail.demo.example", port: 993, socket: "SSL" },
      smtp: [
        { host: "mail.demo.example", port: 587, socket: "STARTTLS" },
        { host: "mail.demo.example", port: 465, socket: "SSL" },
      ],
      fromServer: true,
    });
  });
  it("a document without IMAP or SMTP, or not XML, gives nothing (the page's host is used)", () => {
    expect(parseAutoconfig(AUTOCONFIG.replace(/type="imap"/, 'type="pop3"'), parse)).toBeNull();
    expect(parseAutoconfig(AUTOCONFIG.replace(/<outgoingServer[\s\S]*<\/outgoingServer>/, ""), parse)).toBeNull();
    expect(parseAutoconfig("no mail service for this domain\n", parse)).toBeNull();
    expect(parseAutoconfig(AUTOCONFIG.replace("<port>993</port>", "<port>99999</port>"), parse)).toBeNull();
  });
  it("without the server: the usual ports on the given host", () => {
    const d = defaultSettings("mail.example.org");
    expect(d.imap).toEqual({ host: "mail.example.org", port: 993, socket: "SSL" });
    expect(d.smtp.map((s) => [s.port, s.socket])).toEqual([[587, "STARTTLS"], [465, "SSL"]]);
    expect(d.fromServer).toBe(false);
  });
});

describe("quota", () => {
  const a = { quota_bytes: 1000, quota_messages: 10, used_bytes: 250, used_messages: 5 };
  it("is the fuller of octets and messages", () => {
    expect(quotaFraction(a)).toBe(0.5);
    expect(quotaFraction({ ...a, used_messages: 1 })).toBe(0.25);
  });
  it("without limits there is no fraction; over the limit it is full; a zero limit is full", () => {
    expect(quotaFraction({ ...a, quota_bytes: null, quota_messages: null })).toBeNull();
    expect(quotaFraction({ ...a, quota_messages: null, used_bytes: 5000 })).toBe(1);
    expect(quotaFraction({ ...a, quota_bytes: 0, quota_messages: null })).toBe(1);
  });
});

describe("the trace's start time", () => {
  it("goes to the input and back to the same minute", () => {
    const t = Math.floor(new Date(2026, 11, 4, 21, 57, 0).getTime() / 1000);
    expect(toLocalInput(t)).toBe("2026-12-04T21:57");
    expect(fromLocalInput("2026-12-04T21:57")).toBe(t);
    expect(fromLocalInput("2026-12-04T21:57:30")).toBe(t + 30);
  });
  it("refuses what is not a date and time", () => {
    expect(fromLocalInput("")).toBeNull();
    expect(fromLocalInput("yesterday")).toBeNull();
    expect(fromLocalInput("2026-02-30T10:00")).toBeNull();
  });
});
