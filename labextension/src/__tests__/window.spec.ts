import { scrollToRow, visibleRows } from '../window';

describe('visibleRows', () => {
  it('renders the rows on screen plus the overscan', () => {
    // 24 px rows, a 240 px viewport scrolled to row 100
    expect(visibleRows(2400, 240, 24, 20000, 5)).toEqual({
      start: 95,
      end: 115
    });
  });

  it('clamps at the top and at the end of the list', () => {
    expect(visibleRows(0, 240, 24, 20000, 5)).toEqual({ start: 0, end: 15 });
    // scrolled to the end: scrollTop is the content's height less the viewport's
    expect(visibleRows(24 * 20000 - 240, 240, 24, 20000, 5)).toEqual({
      start: 19985,
      end: 20000
    });
  });

  it('stays small however long the list is', () => {
    const { start, end } = visibleRows(123456, 600, 24, 1_000_000);
    expect(end - start).toBeLessThan(60);
  });

  it('renders one screen before the container is laid out', () => {
    expect(visibleRows(0, 0, 24, 1000, 0, 40)).toEqual({ start: 0, end: 40 });
  });

  it('keeps a row when scrolled past the end (the list just shrank)', () => {
    expect(visibleRows(24 * 50000, 240, 24, 20000, 5)).toEqual({
      start: 19999,
      end: 20000
    });
  });

  it('renders nothing for an empty list', () => {
    expect(visibleRows(0, 240, 24, 0)).toEqual({ start: 0, end: 0 });
  });

  it('never renders past a list shorter than the screen', () => {
    expect(visibleRows(0, 2400, 24, 3)).toEqual({ start: 0, end: 3 });
  });
});

describe('scrollToRow', () => {
  it('scrolls just enough to show a row', () => {
    expect(scrollToRow(5, 0, 240, 24)).toBe(0);
    expect(scrollToRow(20, 0, 240, 24)).toBe(21 * 24 - 240);
    expect(scrollToRow(2, 480, 240, 24)).toBe(48);
  });
});
