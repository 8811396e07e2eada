// Time-series charts on uPlot: sized to their container, themed from CSS variables.

import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

import { h } from "./dom";
import { bitRate, bytesRate, fixed, milliseconds } from "./format";
import { cssVar } from "./theme";

/** How a chart's values read: each picks its axis labels and y range. */
export type Unit = "percent" | "bitRate" | "bytesRate" | "load" | "ms";

export interface SeriesStyle {
  label: string;
  /** A CSS colour, or `var(--name)` to follow the theme. */
  color: string;
}

export interface ChartOptions {
  id: string;
  title: string;
  unit: Unit;
  series: SeriesStyle[];
  /** Many series (a core each) make a legend longer than the chart: hide it then. */
  legend?: boolean;
  /** Pixels; 170 by default. */
  height?: number;
  /** Dots on the points where they are few and far apart (uPlot's own rule), so a lone point shows. */
  sparsePoints?: boolean;
}

/** Times to mark with a red band across the plot (a failed probe), each `width` seconds wide. */
export interface Marks {
  times: number[];
  width: number;
}

const HEIGHT = 170;

/** Formats one value of a chart's unit; `short` trims axis labels. */
export function formatValue(unit: Unit, value: number | null | undefined, short = false): string {
  if (value === null || value === undefined) return "–";
  switch (unit) {
    case "percent":
      return short ? `${Math.round(value)}%` : `${value.toFixed(1)} %`;
    case "bitRate":
      // Network values are charted in bytes/s and shown in bit/s.
      return bitRate(value);
    case "bytesRate":
      return bytesRate(value);
    case "load":
      return fixed(value, short ? 1 : 2);
    case "ms":
      return milliseconds(value);
  }
}

function resolveColor(color: string): string {
  const match = /^var\((--[\w-]+)\)$/.exec(color);
  return match?.[1] ? cssVar(match[1]) : color;
}

/** Room for the longest tick label, as uPlot's own demos measure it. */
function axisSize(u: uPlot, values: string[] | null, axisIdx: number, cycleNum: number): number {
  const axis = u.axes[axisIdx]!;
  const current = (axis as { _size?: number })._size;
  if (cycleNum > 1 && current !== undefined) return current;
  let size = (axis.ticks?.size ?? 10) + (axis.gap ?? 5);
  const longest = (values ?? []).reduce((a, b) => (b.length > a.length ? b : a), "");
  if (longest) {
    // After init uPlot keeps the axis font as [font, size]: the first is the CSS shorthand.
    const font = (axis.font as unknown as [string, number] | undefined)?.[0];
    if (font) u.ctx.font = font;
    size += u.ctx.measureText(longest).width / window.devicePixelRatio;
  }
  return Math.ceil(size);
}

/** Without a pointer over the chart, its legend shows the newest values rather than dashes. */
function showLatest(u: uPlot): void {
  const hovering = u.cursor.left !== undefined && u.cursor.left >= 0;
  const last = u.data[0].length - 1;
  if (!hovering && last >= 0) u.setLegend({ idx: last }, false);
}

function yRange(unit: Unit): uPlot.Scale.Range {
  if (unit === "percent") return [0, 100];
  return (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1];
}

export class TimeChart {
  readonly element: HTMLElement;
  private readonly plotArea: HTMLElement;
  private plot: uPlot | null = null;
  private data: uPlot.AlignedData;
  private readonly observer: ResizeObserver;
  private width = 0;
  private xRange: [number, number] | null = null;
  private marks: Marks = { times: [], width: 0 };

  constructor(private readonly options: ChartOptions) {
    this.plotArea = h("div", { class: "plot" });
    if (options.height) this.plotArea.style.minHeight = `${options.height}px`;
    this.element = h(
      "figure",
      { class: "chart", id: `chart-${options.id}`, "data-points": 0 },
      h("figcaption", null, options.title),
      this.plotArea,
    );
    this.data = [[], ...options.series.map(() => [])];
    this.observer = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== this.width) {
        this.width = width;
        if (this.plot) this.plot.setSize({ width, height: this.height });
        else this.build();
      }
    });
    this.observer.observe(this.plotArea);
  }

  /**
   * Replaces the chart's data: x in Unix seconds, one column of values per
   * series (null breaks the line), drawn over `xRange` (the whole range asked
   * for, even where the data covers less of it).
   */
  setData(times: number[], columns: (number | null)[][], xRange: [number, number]): void {
    this.data = [times, ...columns] as uPlot.AlignedData;
    this.xRange = xRange;
    this.element.dataset.points = String(times.length);
    if (this.plot && !document.hidden) this.plot.setData(this.data);
  }

  /** Sets the times to mark; they are drawn with the next `setData`. */
  setMarks(marks: Marks): void {
    this.marks = marks;
    this.element.dataset.marks = String(marks.times.length);
  }

  /** Draws again with the data it has: after the page was hidden, or in a new theme. */
  refresh(rebuild = false): void {
    if (rebuild && this.plot) {
      this.plot.destroy();
      this.plot = null;
    }
    if (this.plot) this.plot.setData(this.data);
    else if (this.width > 0) this.build();
  }

  destroy(): void {
    this.observer.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private get height(): number {
    return this.options.height ?? HEIGHT;
  }

  /** Red bands over the marked times, under the lines; at least 3 px wide, so one failure in an hour still shows. */
  private drawMarks(u: uPlot): void {
    const { times, width } = this.marks;
    if (!times.length) return;
    const { ctx, bbox } = u;
    const dpr = window.devicePixelRatio;
    ctx.save();
    ctx.beginPath();
    ctx.rect(bbox.left, bbox.top, bbox.width, bbox.height);
    ctx.clip();
    ctx.fillStyle = cssVar("--bad");
    for (const t of times) {
      const start = u.valToPos(t - width / 2, "x", true);
      const span = Math.max(u.valToPos(t + width / 2, "x", true) - start, 3 * dpr);
      // The newest failure sits on the right edge: keep its whole mark inside the plot.
      const left = Math.max(Math.min(start, bbox.left + bbox.width - span), bbox.left);
      ctx.globalAlpha = 0.25;
      ctx.fillRect(left, bbox.top, span, bbox.height);
      // A solid tick along the bottom, so a mark reads even where the band is one pixel wide.
      ctx.globalAlpha = 1;
      ctx.fillRect(left, bbox.top + bbox.height - 5 * dpr, span, 5 * dpr);
    }
    ctx.restore();
  }

  private build(): void {
    const { unit, series } = this.options;
    const axisColor = cssVar("--muted");
    const gridColor = cssVar("--grid");
    const axis = (values?: uPlot.Axis["values"]): uPlot.Axis => ({
      stroke: axisColor,
      grid: { stroke: gridColor, width: 1 },
      ticks: { stroke: gridColor, width: 1 },
      // Time labels such as "12:05pm" need about 60 px each, or they run into each other on a phone.
      ...(values ? { values, size: axisSize } : { space: 70 }),
    });
    const options: uPlot.Options = {
      width: this.width,
      height: this.height,
      legend: { show: this.options.legend ?? true, live: true },
      cursor: { points: { size: 6 }, drag: { x: false, y: false } },
      scales: { x: { time: true, range: (_u, min, max) => this.xRange ?? [min, max] }, y: { range: yRange(unit) } },
      hooks: { setData: [showLatest], setCursor: [showLatest], drawAxes: [(u) => this.drawMarks(u)] },
      axes: [
        axis(),
        axis((_u, splits) => splits.map((v) => formatValue(unit, v, true))),
      ],
      series: [
        {},
        ...series.map(
          (style): uPlot.Series => ({
            label: style.label,
            stroke: resolveColor(style.color),
            width: 1.5,
            // Without `show`, uPlot draws dots only where the points are few enough to stand apart.
            points: this.options.sparsePoints ? { size: 5 } : { show: false },
            spanGaps: false,
            value: (_u, v) => formatValue(unit, v),
          }),
        ),
      ],
    };
    this.plot = new uPlot(options, this.data, this.plotArea);
  }
}
