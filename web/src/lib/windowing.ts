// The message list's windowing: which rows of a fixed-height list are
// drawn, and which pages of the query to ask for (Email/query by position).

export interface RowWindow {
  start: number; // first row drawn
  end: number; // one past the last row drawn
}

/** The rows visible at `scrollTop` in a viewport of `height`, with `overscan` extra rows each side. */
export function visibleRows(scrollTop: number, height: number, rowHeight: number, total: number, overscan = 8): RowWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0 };
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const count = Math.ceil(Math.max(0, height) / rowHeight) + 1;
  const start = Math.max(0, Math.min(total, first - overscan));
  const end = Math.max(start, Math.min(total, first + count + overscan));
  return { start, end };
}

/** The page numbers (of `pageSize` rows) that cover [start, end). */
export function pagesFor(w: RowWindow, pageSize: number): number[] {
  if (w.end <= w.start) return [];
  const out: number[] = [];
  for (let p = Math.floor(w.start / pageSize); p * pageSize < w.end; p++) out.push(p);
  return out;
}

/** The scrollTop that brings row `index` into view, moving as little as possible. */
export function scrollToRow(index: number, scrollTop: number, height: number, rowHeight: number): number {
  const top = index * rowHeight;
  const bottom = top + rowHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + height) return Math.max(0, bottom - height);
  return scrollTop;
}

/**
 * Browsers cap an element's height (Chromium near 33.5 million px); a list
 * taller than `maxPx` is drawn scaled: scroll positions map linearly to
 * rows. Returns the pixel height to give the spacer and the factor from
 * scrollTop to list pixels.
 */
export function scaledHeight(total: number, rowHeight: number, maxPx = 15_000_000): { height: number; factor: number } {
  const real = total * rowHeight;
  if (real <= maxPx) return { height: real, factor: 1 };
  return { height: maxPx, factor: real / maxPx };
}
