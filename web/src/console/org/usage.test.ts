import { afterEach, describe, expect, it } from "vitest";
import { lang } from "../../i18n";
import { usageText } from "./Organisation";
import type { Address } from "./api";

const address = (a: Partial<Address>): Address => ({
  id: 1, address: "box@demo.example", service_id: 1, quota_bytes: null, quota_messages: null, save_sent: true, used_bytes: 0, used_messages: 0, created: 0, ...a,
});

afterEach(() => {
  lang.value = "es";
});

describe("an address's quota and usage", () => {
  it("says what is used against each limit", () => {
    lang.value = "en";
    const t = usageText(address({ quota_bytes: 1024 ** 3, used_bytes: 512 * 1024 ** 2, quota_messages: 1000, used_messages: 40 }));
    expect(t).toMatch(/^512 MB of 1(\.0)? GB · 40 of 1,000 messages$/);
  });
  it("says when there is no limit, and one message in the singular", () => {
    lang.value = "en";
    expect(usageText(address({ used_bytes: 0, used_messages: 1 }))).toMatch(/^0 B · 1 message \(no limit\)$/);
    lang.value = "es";
    expect(usageText(address({ used_messages: 3 }))).toMatch(/^0 B · 3 mensajes \(sin límite\)$/);
  });
  it("a limit of messages only is still a limit", () => {
    lang.value = "es";
    expect(usageText(address({ quota_messages: 10, used_messages: 10 }))).toMatch(/· 10 de 10 mensajes$/);
  });
});
