// A QR code drawn as SVG from the modules qrcode-generator computes (no
// HTML strings, nothing fetched): for a second factor's otpauth:// URI or
// a device's settings.
import qrcode from "qrcode-generator";
import { tc } from "./i18n";

/** The SVG path of the dark modules of `text`'s QR code (error correction M), and its size in modules. */
export function qrPath(text: string): { d: string; size: number } {
  const q = qrcode(0, "M");
  q.addData(text, "Byte");
  q.make();
  const n = q.getModuleCount();
  let d = "";
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (q.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
  }
  return { d, size: n + 8 }; // a quiet zone of 4 modules on each side
}

export function Qr(props: { text: string; what: string; px?: number }) {
  const { d, size } = qrPath(props.text);
  const px = props.px ?? 200;
  return (
    <svg class="qr" role="img" aria-label={tc("console.qr", { what: props.what })} width={px} height={px} viewBox={`0 0 ${size} ${size}`} shape-rendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
