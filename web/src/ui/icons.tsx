// The few icons the app draws itself (no icon font, no emoji: a system
// without an emoji font would show empty boxes).
const common = { width: 14, height: 14, viewBox: "0 0 24 24", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linecap": "round", "stroke-linejoin": "round", "aria-hidden": "true" } as const;

export const Paperclip = () => (
  <svg {...common}><path d="M21 11.5l-8.5 8.5a5 5 0 01-7-7l9-9a3.5 3.5 0 015 5l-9 9a2 2 0 01-3-3l8-8" /></svg>
);
export const LinkIcon = () => (
  <svg {...common}><path d="M10 14a4 4 0 005.7 0l3-3a4 4 0 00-5.7-5.7l-1 1" /><path d="M14 10a4 4 0 00-5.7 0l-3 3a4 4 0 005.7 5.7l1-1" /></svg>
);
export const ImageIcon = () => (
  <svg {...common}><rect x="3" y="4" width="18" height="16" rx="2" /><circle cx="9" cy="10" r="2" /><path d="M21 17l-5-5-8 8" /></svg>
);
export const FolderIcon = () => (
  <svg {...common}><path d="M3 6a1 1 0 011-1h5l2 2h9a1 1 0 011 1v10a1 1 0 01-1 1H4a1 1 0 01-1-1z" /></svg>
);
export const MailIcon = () => (
  <svg {...common}><rect x="3" y="5" width="18" height="14" rx="2" /><path d="M3 7l9 6 9-6" /></svg>
);
export const DriveIcon = () => (
  <svg {...common}><path d="M4 15l4-10h8l4 10" /><rect x="3" y="15" width="18" height="5" rx="1" /><path d="M7 17.5h.01" /></svg>
);
