// A message's HTML in a sandboxed frame: no scripts, an opaque origin (no
// allow-same-origin), its own CSP; links open in a new tab, outside the
// sandbox. Nothing of the mail's CSS can reach the app's page.
import { useMemo } from "preact/hooks";
import { frameDocument, sanitizeMail } from "../lib/sanitize";
import { isDark } from "../state/session";
import { t } from "../i18n";

export function MessageFrame(props: { html: string; allowRemote: boolean; cidUrls: Map<string, string>; onBlocked: (n: number) => void }) {
  const doc = useMemo(() => {
    const clean = sanitizeMail(props.html, { allowRemote: props.allowRemote, cidUrls: props.cidUrls });
    queueMicrotask(() => props.onBlocked(clean.blockedRemote));
    return frameDocument(clean.html, props.allowRemote, isDark());
  }, [props.html, props.allowRemote, props.cidUrls]);
  return (
    <iframe
      class="message-frame"
      title={t("reader.body")}
      sandbox="allow-popups allow-popups-to-escape-sandbox"
      referrerpolicy="no-referrer"
      srcdoc={doc}
    />
  );
}
