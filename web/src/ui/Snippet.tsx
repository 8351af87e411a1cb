// A search snippet (SearchSnippet/get): text with <mark> around the
// matches. Only the marks are kept; everything else is text.
export function Snippet(props: { html: string }) {
  const parts = props.html.split(/(<mark>|<\/mark>)/);
  const out = [];
  let marked = false;
  const decode = (s: string) =>
    s.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i];
    if (p === "<mark>") marked = true;
    else if (p === "</mark>") marked = false;
    else if (p) out.push(marked ? <mark key={i}>{decode(p)}</mark> : decode(p));
  }
  return <span class="snippet">{out}</span>;
}
