/**
 * The arithmetic of a windowed (virtualised) list: which rows of a long list of equal
 * height rows must be in the DOM for a scroll position, so a directory of tens of
 * thousands of entries costs the DOM only the rows on screen.
 */

/** The rows to render: `start` inclusive, `end` exclusive. */
export interface IRowRange {
  start: number;
  end: number;
}

/**
 * The rows visible in a viewport, plus `overscan` rows either side so a short scroll shows
 * no gap before the next render.
 *
 * @param scrollTop The scroll container's scrollTop, in px.
 * @param viewport The container's height in px; 0 (not laid out yet) counts as one screen
 *   of `fallbackRows` rows.
 * @param rowHeight Every row's height in px.
 * @param count The number of rows.
 */
export function visibleRows(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan = 10,
  fallbackRows = 40
): IRowRange {
  if (count <= 0 || rowHeight <= 0) {
    return { start: 0, end: 0 };
  }
  const height = viewport > 0 ? viewport : fallbackRows * rowHeight;
  const first = Math.floor(Math.max(0, scrollTop) / rowHeight);
  const last = Math.ceil((Math.max(0, scrollTop) + height) / rowHeight);
  const start = Math.max(0, Math.min(first - overscan, count - 1));
  const end = Math.min(count, Math.max(last + overscan, start + 1));
  return { start, end };
}

/** The scrollTop that brings row `index` into view (unchanged when it already is). */
export function scrollToRow(
  index: number,
  scrollTop: number,
  viewport: number,
  rowHeight: number
): number {
  const top = index * rowHeight;
  if (top < scrollTop) {
    return top;
  }
  if (top + rowHeight > scrollTop + viewport) {
    return Math.max(0, top + rowHeight - viewport);
  }
  return scrollTop;
}
