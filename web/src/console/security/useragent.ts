// A user agent string as a person reads it: the browser (or mail program)
// and its major version, and the system ("Chrome 156", "Linux"). Only the
// common ones are told apart; anything else keeps its first product token.
// Mail logins are recorded by the server as "imap (address, device)".

export interface Agent {
  /** "Firefox 133", "Safari 18", "IMAP"; "" when nothing is known. */
  client: string;
  /** "Windows", "macOS", "Android 15", "iOS 18"; "" when not said. */
  system: string;
}

const BROWSERS: [RegExp, string][] = [
  [/\bEdg(?:e|A|iOS)?\/(\d+)/, "Edge"],
  [/\bOPR\/(\d+)/, "Opera"],
  [/\bSamsungBrowser\/(\d+)/, "Samsung Internet"],
  [/\bFirefox\/(\d+)/, "Firefox"],
  [/\bFxiOS\/(\d+)/, "Firefox"],
  [/\bThunderbird\/(\d+)/, "Thunderbird"],
  [/\bHeadlessChrome\/(\d+)/, "Chrome (headless)"],
  [/\bCriOS\/(\d+)/, "Chrome"],
  [/\bChromium\/(\d+)/, "Chromium"],
  [/\bChrome\/(\d+)/, "Chrome"],
  [/\bVersion\/(\d+)(?:[.\d]*)? (?:Mobile\/\S+ )?Safari\//, "Safari"],
  [/\bcurl\/(\d+)/, "curl"],
];

const MAIL = /^(imap|pop3|smtp|jmap) \(([^,]*), (.*)\)$/;

function system(ua: string): string {
  let m: RegExpExecArray | null;
  if ((m = /\bAndroid (\d+)/.exec(ua))) return "Android " + m[1];
  if ((m = /\biPhone OS (\d+)/.exec(ua))) return "iOS " + m[1];
  if ((m = /\biPad;.*? OS (\d+)/.exec(ua))) return "iPadOS " + m[1];
  if (/\bCrOS\b/.test(ua)) return "ChromeOS";
  if (/\bWindows NT 10\.0\b/.test(ua)) return "Windows";
  if ((m = /\bWindows NT (\d+\.\d+)/.exec(ua))) return "Windows NT " + m[1];
  if (/\bMac OS X\b|\bMacintosh\b/.test(ua)) return "macOS";
  if (/\bLinux\b|\bX11\b/.test(ua)) return "Linux";
  return "";
}

export function parseAgent(ua: string): Agent {
  const s = ua.trim();
  if (!s) return { client: "", system: "" };
  const mail = MAIL.exec(s);
  if (mail) return { client: mail[1].toUpperCase() + (mail[3] ? " · " + mail[3] : ""), system: "" };
  for (const [re, name] of BROWSERS) {
    const m = re.exec(s);
    if (m) return { client: name + " " + m[1], system: system(s) };
  }
  // Something else ("python-requests/2.31", "MyApp/1.0 (…)"): its first token.
  const first = /^([^\s/(]+)(?:\/([\w.]+))?/.exec(s);
  return { client: first ? first[1] + (first[2] ? " " + first[2].split(".")[0] : "") : s.slice(0, 40), system: system(s) };
}

/** "Chrome 156 · Linux", or `unknown` when the agent says nothing usable. */
export function describeAgent(ua: string, unknown: string): string {
  const a = parseAgent(ua);
  return [a.client, a.system].filter(Boolean).join(" · ") || unknown;
}
