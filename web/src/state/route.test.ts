import { describe, expect, it } from "vitest";
import { parseRoute, route, routeHash } from "./route";

describe("routes", () => {
  it("tells the user's drive from the organisation's, at the top and in a folder", () => {
    expect(parseRoute("#/a1/drive").drive).toEqual({ space: "mine", folder: null });
    expect(parseRoute("#/a1/drive/12").drive).toEqual({ space: "mine", folder: 12 });
    expect(parseRoute("#/a1/org-drive").drive).toEqual({ space: "org", folder: null });
    expect(parseRoute("#/a1/org-drive/7").drive).toEqual({ space: "org", folder: 7 });
    expect(parseRoute("#/a1/org-drive/-3").drive).toEqual({ space: "org", folder: null });
    expect(parseRoute("#/a1/org-drive/x").drive).toEqual({ space: "org", folder: null });
    expect(parseRoute("#/a1/m2/e3").drive).toBeUndefined();
  });

  it("writes each drive's hash back as it reads it", () => {
    route.value = parseRoute("#/a1/m2");
    for (const hash of ["#/a1/drive", "#/a1/drive/12", "#/a1/org-drive", "#/a1/org-drive/7"])
      expect(routeHash({ mailboxId: null, drive: parseRoute(hash).drive })).toBe(hash);
    expect(routeHash({ drive: null, mailboxId: "m2" })).toBe("#/a1/m2");
  });
});
