/**
 * Sets of instants as sorted, disjoint, half-open intervals [start, end) of epoch ms; ±Infinity for open
 * ends. Spans are merged when they overlap or touch, which is what keeps `08:00-12:00, 12:00-18:00` from
 * reporting a change at 12:00.
 */
export type Interval = readonly [startMs: number, endMs: number];
export type IntervalSet = readonly Interval[];

export const EVERYTHING: IntervalSet = [[-Infinity, Infinity]];
export const NOTHING: IntervalSet = [];

/** Any intervals (unsorted, overlapping, empty) → a normalized set. */
export function normalize(intervals: readonly Interval[]): IntervalSet {
  const sorted = intervals
    .filter(([start, end]) => start < end)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // not a[0] - b[0]: -Infinity - -Infinity is NaN
  const merged: [number, number][] = [];
  for (const [start, end] of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

export function complement(set: IntervalSet): IntervalSet {
  const out: Interval[] = [];
  let from = -Infinity;
  for (const [start, end] of set) {
    if (start > from) out.push([from, start]);
    from = end;
  }
  if (from < Infinity) out.push([from, Infinity]);
  return out;
}

export function intersect(a: IntervalSet, b: IntervalSet): IntervalSet {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const [aStart, aEnd] = a[i]!;
    const [bStart, bEnd] = b[j]!;
    const start = Math.max(aStart, bStart);
    const end = Math.min(aEnd, bEnd);
    if (start < end) out.push([start, end]);
    if (aEnd < bEnd) i++;
    else j++;
  }
  return out;
}

export function contains(set: IntervalSet, epochMs: number): boolean {
  return set.some(([start, end]) => start <= epochMs && epochMs < end);
}

/** The first instant strictly after `epochMs` where membership changes, or null if none up to `limitMs`. */
export function nextEdge(set: IntervalSet, epochMs: number, limitMs: number): number | null {
  for (const [start, end] of set) {
    // Inside an interval the next change is its end; before one, its start.
    const edge = start > epochMs ? start : end > epochMs ? end : undefined;
    if (edge !== undefined) return edge <= limitMs ? edge : null;
  }
  return null;
}
