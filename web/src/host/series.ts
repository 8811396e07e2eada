// Chart data: a rolling window of live snapshots, and history documents aligned
// onto one time axis per chart, with nulls where the line must break.

import type { HistorySeries, Snapshot } from "../types";
import type { MetricSpec } from "./metrics";

export interface Aligned {
  times: number[];
  /** One column per metric, in the order asked for. */
  columns: (number | null)[][];
}

/**
 * Puts `series` (each with its own times) on the union of their times. Buckets
 * the history API left out are absent; where two neighbours are more than two
 * steps apart a null point is inserted so the chart shows a gap, not a slope.
 */
export function align(series: (HistorySeries | undefined)[], step: number): Aligned {
  const union = new Set<number>();
  for (const s of series) for (const t of s?.times ?? []) union.add(t);
  const sorted = [...union].sort((a, b) => a - b);
  const lookups = series.map((s) => {
    const byTime = new Map<number, number | null>();
    s?.times.forEach((t, i) => byTime.set(t, s.values[i] ?? null));
    return byTime;
  });
  const times: number[] = [];
  const columns: (number | null)[][] = series.map(() => []);
  sorted.forEach((t, i) => {
    const previous = sorted[i - 1];
    if (previous !== undefined && step > 0 && t - previous > 2 * step) {
      times.push(previous + step);
      for (const column of columns) column.push(null);
    }
    times.push(t);
    lookups.forEach((byTime, k) => columns[k]!.push(byTime.get(t) ?? null));
  });
  return { times, columns };
}

/** The last `windowSeconds` of live figures, one column per metric. */
export class LiveWindow {
  readonly times: number[] = [];
  readonly columns: (number | null)[][];

  constructor(
    private readonly metrics: MetricSpec[],
    private readonly windowSeconds: number,
  ) {
    this.columns = metrics.map(() => []);
  }

  /** Adds a snapshot's figures; a pause longer than two intervals becomes a gap. False if it is not newer. */
  push(snapshot: Snapshot): boolean {
    const last = this.times[this.times.length - 1];
    if (last !== undefined && snapshot.time <= last) return false;
    const interval = snapshot.interval > 0 ? snapshot.interval : 1;
    if (last !== undefined && snapshot.time - last > 2 * interval) this.append(last + interval, null);
    this.append(snapshot.time, snapshot);
    this.trim(snapshot.time - this.windowSeconds);
    return true;
  }

  /** Puts history before the live points (those it overlaps are dropped). */
  prefill(history: Aligned): void {
    const first = this.times[0] ?? Number.POSITIVE_INFINITY;
    let keep = 0;
    while (keep < history.times.length && history.times[keep]! < first) keep += 1;
    this.times.unshift(...history.times.slice(0, keep));
    this.columns.forEach((column, k) => column.unshift(...(history.columns[k] ?? []).slice(0, keep)));
    const newest = this.times[this.times.length - 1];
    if (newest !== undefined) this.trim(newest - this.windowSeconds);
  }

  private append(time: number, snapshot: Snapshot | null): void {
    this.times.push(time);
    this.metrics.forEach((spec, k) => this.columns[k]!.push(snapshot ? spec.live(snapshot) : null));
  }

  private trim(oldest: number): void {
    let drop = 0;
    while (drop < this.times.length && this.times[drop]! < oldest) drop += 1;
    if (drop === 0) return;
    this.times.splice(0, drop);
    for (const column of this.columns) column.splice(0, drop);
  }
}
