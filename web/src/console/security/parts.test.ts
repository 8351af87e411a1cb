import { describe, expect, it } from "vitest";
import { dayEnd, dayStart } from "./parts";
import { activityQuery, NO_FILTER } from "./me";
import { groupSecret } from "./Security";

describe("the activity log's dates", () => {
  it("a day runs from its local midnight to the next one (the end exclusive)", () => {
    const start = dayStart("2026-12-04")!;
    const end = dayEnd("2026-12-04")!;
    const s = new Date(start * 1000);
    expect([s.getFullYear(), s.getMonth(), s.getDate(), s.getHours(), s.getMinutes()]).toEqual([2026, 11, 4, 0, 0]);
    expect(new Date(end * 1000).getDate()).toBe(5);
    expect(end).toBeGreaterThan(start);
    expect(dayStart("2026-12-31")! < dayEnd("2026-12-31")!).toBe(true);
    expect(new Date(dayEnd("2026-12-31")! * 1000).getFullYear()).toBe(2027);
  });
  it("an empty or malformed day is no limit", () => {
    expect(dayStart("")).toBeNull();
    expect(dayEnd("04/12/2026")).toBeNull();
  });
  it("the query names only the filters that are set", () => {
    expect(activityQuery(NO_FILTER, null, 25)).toBe("limit=25");
    expect(activityQuery({ since: 10, until: 20, product: "mail", action: "security.2fa", text: " a&b " }, 77, 1000)).toBe(
      "since=10&until=20&product=mail&action=security.2fa&q=a%26b&before=77&limit=1000",
    );
  });
});

describe("the second factor's key", () => {
  it("is shown in groups of four", () => {
    expect(groupSecret("27FYQ22R3ZTRK5R45G336QJN5BSSA55Q")).toBe("27FY Q22R 3ZTR K5R4 5G33 6QJN 5BSS A55Q");
    expect(groupSecret("ABCDE")).toBe("ABCD E");
  });
});
