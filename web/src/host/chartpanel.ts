// The host page's charts and their range picker: live (the last five minutes
// of `/ws` snapshots) or a range read from the history API. Without a history
// API (404) the picker keeps to live and says why.

import { ApiError, AuthRequired, getJson, isAbort } from "../api";
import { TimeChart } from "../charts";
import { h, setText } from "../dom";
import { duration } from "../format";
import type { HistoryDocument, Snapshot } from "../types";
import { chartSpecs, type ChartSpec, type MetricSpec } from "./metrics";
import { align, LiveWindow } from "./series";

const RANGES = [
  { key: "live", label: "Live" },
  { key: "1h", label: "1 h" },
  { key: "24h", label: "24 h" },
  { key: "7d", label: "7 d" },
  { key: "30d", label: "30 d" },
] as const;

type RangeKey = (typeof RANGES)[number]["key"];

const LIVE_WINDOW_S = 300;
const HISTORY_POINTS = 600;

export class ChartPanel {
  readonly element: HTMLElement;
  private readonly grid: HTMLElement;
  private readonly note: HTMLElement;
  private readonly buttons = new Map<RangeKey, HTMLButtonElement>();
  private specs: ChartSpec[] = [];
  private charts: TimeChart[] = [];
  private metrics: MetricSpec[] = [];
  private live: LiveWindow | null = null;
  private range: RangeKey = "live";
  private historyMissing = false;
  private controller: AbortController | null = null;
  private refreshTimer: number | undefined;

  constructor(private readonly host: string) {
    const picker = h("div", { class: "ranges", role: "group", "aria-label": "Chart range" });
    for (const range of RANGES) {
      const button = h("button", { type: "button", "data-range": range.key, onClick: () => this.select(range.key) }, range.label);
      this.buttons.set(range.key, button);
      picker.appendChild(button);
    }
    this.note = h("p", { class: "note range-note", "aria-live": "polite" });
    this.grid = h("div", { class: "charts" }, h("p", { class: "note" }, "Waiting for the first figures…"));
    this.element = h(
      "section",
      { class: "panel chart-panel", "aria-labelledby": "charts-title" },
      h("div", { class: "panel-head" }, h("h2", { id: "charts-title" }, "Charts"), picker),
      this.note,
      this.grid,
    );
    this.renderPicker();
  }

  /** Feeds a live snapshot: builds the charts on the first, draws it in live mode. */
  onSnapshot(snapshot: Snapshot): void {
    const cores = snapshot.cpu.per_core.length;
    if (!this.live || this.specs.find((s) => s.id === "cores")?.metrics.length !== cores) {
      this.build(cores);
      void this.prefill();
    }
    if (this.live?.push(snapshot) && this.range === "live") this.drawLive();
  }

  /** Redraws every chart: after the page was hidden, or with new theme colours. */
  refresh(rebuild: boolean): void {
    for (const chart of this.charts) chart.refresh(rebuild);
  }

  destroy(): void {
    this.controller?.abort();
    window.clearTimeout(this.refreshTimer);
    for (const chart of this.charts) chart.destroy();
  }

  private build(cores: number): void {
    for (const chart of this.charts) chart.destroy();
    this.specs = chartSpecs(cores);
    this.metrics = this.specs.flatMap((spec) => spec.metrics);
    this.live = new LiveWindow(this.metrics, LIVE_WINDOW_S);
    this.charts = this.specs.map(
      (spec) => new TimeChart({ ...spec, series: spec.metrics.map((m) => ({ label: m.label, color: m.color })) }),
    );
    this.grid.replaceChildren(...this.charts.map((chart) => chart.element));
  }

  private select(range: RangeKey): void {
    if (range !== "live" && this.historyMissing) return;
    this.range = range;
    this.renderPicker();
    window.clearTimeout(this.refreshTimer);
    this.controller?.abort();
    if (range === "live") {
      setText(this.note, "");
      this.drawLive();
    } else {
      void this.loadHistory(range);
    }
  }

  private renderPicker(): void {
    for (const [key, button] of this.buttons) {
      button.setAttribute("aria-pressed", String(key === this.range));
      button.disabled = key !== "live" && this.historyMissing;
      button.title = button.disabled ? "This hub keeps no history" : "";
    }
  }

  private drawLive(): void {
    const live = this.live;
    if (!live) return;
    const newest = live.times[live.times.length - 1] ?? 0;
    // Until five minutes have come in, the chart spans what there is rather than a mostly empty window.
    const oldest = Math.max(live.times[0] ?? newest, newest - LIVE_WINDOW_S);
    const range: [number, number] = [Math.min(oldest, newest - 1), newest];
    let offset = 0;
    this.specs.forEach((spec, i) => {
      const columns = live.columns.slice(offset, offset + spec.metrics.length);
      offset += spec.metrics.length;
      this.charts[i]?.setData(live.times, columns, range);
    });
  }

  private async fetchHistory(query: Record<string, string | number>): Promise<HistoryDocument | null> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    try {
      return await getJson<HistoryDocument>(
        "/api/v1/history",
        { host: this.host, metric: this.metrics.map((m) => m.metric).join(","), points: HISTORY_POINTS, ...query },
        controller.signal,
      );
    } catch (error) {
      if (isAbort(error) || error instanceof AuthRequired) return null;
      if (error instanceof ApiError && error.status === 404) {
        this.historyMissing = true;
        this.range = "live";
        this.renderPicker();
        setText(this.note, "This hub keeps no history: the charts show live figures only.");
        this.drawLive();
        return null;
      }
      setText(this.note, `History could not be read: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
  }

  /** Fills the live window's past from the recent history, when the hub keeps one. */
  private async prefill(): Promise<void> {
    if (this.historyMissing) return;
    const document = await this.fetchHistory({ range: "5m" });
    if (!document || !this.live) return;
    const byName = new Map(document.series.map((s) => [s.metric, s]));
    this.live.prefill(align(this.metrics.map((m) => byName.get(m.metric)), document.step));
    if (this.range === "live") this.drawLive();
  }

  private async loadHistory(range: Exclude<RangeKey, "live">): Promise<void> {
    setText(this.note, "Loading history…");
    const document = await this.fetchHistory({ range });
    if (!document || this.range !== range) return;
    const byName = new Map(document.series.map((s) => [s.metric, s]));
    this.specs.forEach((spec, i) => {
      const aligned = align(spec.metrics.map((m) => byName.get(m.metric)), document.step);
      this.charts[i]?.setData(aligned.times, aligned.columns, [document.from, document.to]);
    });
    const points = document.series.reduce((sum, s) => sum + s.times.length, 0);
    setText(
      this.note,
      points ? `${document.tier} data, one point per ${duration(document.step)}` : "No history recorded in this range yet.",
    );
    this.refreshTimer = window.setTimeout(() => void this.loadHistory(range), Math.max(30, document.step) * 1000);
  }
}
