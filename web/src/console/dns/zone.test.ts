import { describe, expect, it } from "vitest";
import { absoluteName, describeRecord, isSpf, relativeName, replaceSpf, sortRecords, spfByName, termRows, txtText, type DnsRecord } from "./zone";

const apex = "demo.example";
const rec = (id: number, name: string, type: string, data: string, ttl = 3600): DnsRecord => ({ id, name, type, ttl, data });

describe("record names", () => {
  it("are written relative to the zone", () => {
    expect(relativeName("demo.example", apex)).toBe("@");
    expect(relativeName("www.demo.example", apex)).toBe("www");
    expect(relativeName("_dmarc.Demo.Example", apex)).toBe("_dmarc");
    expect(relativeName("xdemo.example", apex)).toBe("xdemo.example.");
    expect(relativeName("mail.other.example", apex)).toBe("mail.other.example.");
  });
  it("are made absolute as the server does", () => {
    expect(absoluteName("@", apex)).toBe(apex);
    expect(absoluteName(" _SPF ", apex)).toBe("_spf.demo.example");
    expect(absoluteName("www.demo.example", apex)).toBe("www.demo.example");
    expect(absoluteName("host.elsewhere.", apex)).toBe("host.elsewhere");
  });
});

describe("TXT text", () => {
  it("joins quoted strings and decodes escapes", () => {
    expect(txtText('"v=spf1 include:a.example -all"')).toBe("v=spf1 include:a.example -all");
    expect(txtText('"v=DKIM1; k=rsa; p=AB" "CD"')).toBe("v=DKIM1; k=rsa; p=ABCD");
    expect(txtText('"say \\"hi\\" \\\\ \\233"')).toBe('say "hi" \\ é');
    expect(txtText("plain text")).toBe("plain text");
  });
  it("knows an SPF record", () => {
    expect(isSpf("v=spf1 -all")).toBe(true);
    expect(isSpf("V=SPF1")).toBe(true);
    expect(isSpf("v=spf10 -all")).toBe(false);
    expect(isSpf("v=DMARC1; p=none")).toBe(false);
  });
});

describe("SPF records by name", () => {
  it("groups them, the apex first, and leaves other TXT out", () => {
    const records = [
      rec(5, "_spf.demo.example", "TXT", '"v=spf1 ip4:192.0.2.1 -all"'),
      rec(3, "demo.example", "TXT", '"v=spf1 include:b.example ~all"'),
      rec(2, "demo.example", "TXT", '"v=spf1 include:a.example -all"'),
      rec(4, "demo.example", "TXT", '"google-site-verification=x"'),
      rec(6, "_dmarc.demo.example", "TXT", '"v=DMARC1; p=none"'),
    ];
    const groups = spfByName(records, apex);
    expect(groups.map((g) => [g.name, g.records.map((r) => r.id)])).toEqual([
      ["demo.example", [2, 3]],
      ["_spf.demo.example", [5]],
    ]);
  });
});

describe("sorting and describing", () => {
  it("lists the apex first, SOA before the rest", () => {
    const sorted = sortRecords([rec(1, "www.demo.example", "A", "192.0.2.1"), rec(2, "demo.example", "MX", "10 mail"), rec(3, "demo.example", "SOA", "ns. h. 1 2 3 4 5")], apex);
    expect(sorted.map((r) => r.id)).toEqual([3, 2, 1]);
  });
  it("names a record with its text", () => {
    expect(describeRecord(rec(1, "demo.example", "TXT", '"v=spf1 -all"'), apex)).toBe("@ TXT v=spf1 -all");
    expect(describeRecord(rec(1, "www.demo.example", "A", "192.0.2.1"), apex)).toBe("www A 192.0.2.1");
  });
  it("flattens nested terms with their depth", () => {
    expect(termRows([{ term: "include:a", lookups: 3, nested: [{ term: "mx", lookups: 1, nested: [] }, { term: "a", lookups: 1, nested: [] }] }, { term: "mx", lookups: 1, nested: [] }])).toEqual([
      { term: "include:a", lookups: 3, depth: 0, parent: "" },
      { term: "mx", lookups: 1, depth: 1, parent: "include:a" },
      { term: "a", lookups: 1, depth: 1, parent: "include:a" },
      { term: "mx", lookups: 1, depth: 0, parent: "" },
    ]);
  });
});

describe("replacing a name's SPF records", () => {
  function recorder(failOn?: string) {
    const calls: string[] = [];
    const call = async <T,>(method: string, path: string, body?: unknown): Promise<T> => {
      calls.push(`${method} ${path}${body ? " " + JSON.stringify(body) : ""}`);
      if (failOn && `${method} ${path}`.startsWith(failOn)) throw new Error("refused");
      return undefined as T;
    };
    return { calls, call };
  }
  const two = [rec(2, "demo.example", "TXT", '"v=spf1 include:a.example -all"'), rec(3, "demo.example", "TXT", '"v=spf1 include:b.example ~all"', 300)];

  it("deletes the others first, then changes the first", async () => {
    const r = recorder();
    await replaceSpf(apex, "demo.example", two, "v=spf1 include:a.example include:b.example -all", r.call);
    expect(r.calls).toEqual([
      "DELETE /zones/demo.example/records/3",
      'PATCH /zones/demo.example/records/2 {"name":"demo.example","type":"TXT","ttl":3600,"data":"v=spf1 include:a.example include:b.example -all"}',
    ]);
  });
  it("adds one where there was none", async () => {
    const r = recorder();
    await replaceSpf(apex, "@", [], "v=spf1 -all", r.call);
    expect(r.calls).toEqual(['POST /zones/demo.example/records {"name":"@","type":"TXT","data":"v=spf1 -all"}']);
  });
  it("puts the deleted records back when the change is refused", async () => {
    const r = recorder("PATCH");
    await expect(replaceSpf(apex, "demo.example", two, "v=spf1 bad", r.call)).rejects.toThrow("refused");
    expect(r.calls[2]).toBe('POST /zones/demo.example/records {"name":"demo.example","type":"TXT","ttl":300,"data":"\\"v=spf1 include:b.example ~all\\""}');
  });
});
