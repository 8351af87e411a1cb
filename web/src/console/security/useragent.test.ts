import { describe, expect, it } from "vitest";
import { describeAgent, parseAgent } from "./useragent";

describe("user agents as people read them", () => {
  const cases: [string, string][] = [
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.7000.1 Safari/537.36", "Chrome 156 · Linux"],
    ["Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36", "Chrome (headless) 156 · Linux"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70", "Edge 131 · Windows"],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 14.7; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox 133 · macOS"],
    ["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari 18 · iOS 18"],
    ["Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", "Safari 17 · macOS"],
    ["Mozilla/5.0 (Linux; Android 15; Pixel 9) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome 131 · Android 15"],
    ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0", "Opera 106 · Windows"],
    ["imap (ana.box@demo.example, Phone)", "IMAP · Phone"],
    ["curl/8.5.0", "curl 8"],
    ["python-requests/2.31.0", "python-requests 2"],
    ["Node.js", "Node.js"],
  ];
  for (const [ua, want] of cases) it(want, () => expect(describeAgent(ua, "?")).toBe(want));
  it("says so when it knows nothing", () => {
    expect(describeAgent("", "Unknown")).toBe("Unknown");
    expect(describeAgent("   ", "Unknown")).toBe("Unknown");
    expect(parseAgent("")).toEqual({ client: "", system: "" });
  });
});
