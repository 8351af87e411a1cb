import { describe, expect, it } from "vitest";
import { formatAddress, parseAddressList, uniqueAddresses } from "./address";

describe("address lists", () => {
  it("parses names, quotes, commas and semicolons", () => {
    const r = parseAddressList(`Ana <ana@x.example>, "Pérez, Luis" <luis@x.example>; bob@x.example`);
    expect(r.invalid).toEqual([]);
    expect(r.addresses).toEqual([
      { name: "Ana", email: "ana@x.example" },
      { name: "Pérez, Luis", email: "luis@x.example" },
      { name: null, email: "bob@x.example" },
    ]);
  });
  it("reports what is not an address", () => {
    const r = parseAddressList("ana@x.example, not an address, <broken>, @x.example");
    expect(r.addresses.map((a) => a.email)).toEqual(["ana@x.example"]);
    expect(r.invalid).toEqual(["not an address", "<broken>", "@x.example"]);
  });
  it("formats back what it parses", () => {
    for (const text of [`"Pérez, Luis" <luis@x.example>`, "Ana <ana@x.example>", "bob@x.example"]) {
      const [a] = parseAddressList(text).addresses;
      expect(formatAddress(a)).toBe(text);
    }
  });
  it("dedupes case-insensitively", () => {
    expect(uniqueAddresses([{ name: null, email: "A@x" }, { name: "a", email: "a@x" }, { name: null, email: "b@x" }], ["B@x"])).toEqual([{ name: null, email: "A@x" }]);
  });
});
