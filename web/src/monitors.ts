// The monitors page (`#/monitors`): every service monitor with its state, latest
// delay, who runs it and its last error, and a chart of the last hour's delays
// with failed probes marked. Polls `/api/v1/monitors`; each chart reads
// `/api/v1/monitors/{id}/history`.

import { ApiError, AuthRequired, getJson, isAbort } from "./api";
import { TimeChart } from "./charts";
import type { ConnectionIndicator } from "./connection";
import { h, setText } from "./dom";
import { ago, duration, milliseconds, percent } from "./format";
import { align } from "./host/series";
import { Poller } from "./poll";
import { hostHref, type View } from "./router";
import type { HostRef, Monitor, MonitorHistory, MonitorsDocument } from "./types";

const HISTORY = { range: "1h", points: 120 } as const;
/** A chart with this many points or more is refreshed every HISTORY_REFRESH_MS; a younger one with each probe. */
const YOUNG_POINTS = 10;
const HISTORY_REFRESH_MS = 30_000;
const CHART_HEIGHT = 150;
/** A monitor younger than the range is charted over what it has, but at least this many seconds. */
const MIN_SPAN_S = 300;

type MonitorState = "up" | "down" | "pending" | "paused";

function stateOf(monitor: Monitor): MonitorState {
  if (!monitor.enabled) return "paused";
  if (monitor.up === null) return "pending";
  return monitor.up ? "up" : "down";
}

/** What is probed: `10.0.0.5:5432`, `[::1]:22`, a URL or a host. */
function targetOf(monitor: Monitor): string {
  if (monitor.kind !== "tcp") return monitor.target;
  return monitor.target.includes(":") ? `[${monitor.target}]:${monitor.port}` : `${monitor.target}:${monitor.port}`;
}

/** A share of probes up (0-1), rounded down so anything short of every probe never reads 100 %. */
function availability(share: number | null): string {
  if (share === null) return "–";
  return share >= 1 ? "100 %" : percent(Math.floor(share * 1000) / 10);
}

function hostLink(host: HostRef): Node {
  const name = host.name || `host ${host.id}`;
  // Host 0 is the hub itself on a hub without a local host: it has no page.
  return host.id > 0 ? h("a", { href: hostHref(host.id) }, name) : document.createTextNode(name);
}

/** A `dt`/`dd` pair whose value is updated in place. */
function figure(list: HTMLElement, label: string): HTMLElement {
  const value = h("dd");
  list.appendChild(h("div", null, h("dt", null, label), value));
  return value;
}

/** One monitor: its figures are updated in place, and its chart lives as long as the monitor. */
class MonitorCard {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly state: HTMLElement;
  private readonly spec: HTMLElement;
  private readonly delay: HTMLElement;
  private readonly checked: HTMLElement;
  private readonly uptime: HTMLElement;
  private readonly runBy: HTMLElement;
  private readonly problem: HTMLElement;
  private readonly results: HTMLElement;
  private readonly chart: TimeChart;
  private controller: AbortController | null = null;
  private monitor: Monitor;
  private historyAt = 0;
  private historyPoints = 0;
  private keys = { runBy: "", results: "" };

  constructor(monitor: Monitor) {
    this.monitor = monitor;
    const id = monitor.id;
    this.title = h("h2", { id: `monitor-${id}-title` });
    this.state = h("span", { class: "monitor-state" });
    this.spec = h("p", { class: "note monitor-spec" });
    const figures = h("dl", { class: "monitor-figures" });
    this.delay = figure(figures, "Delay");
    this.checked = figure(figures, "Checked");
    this.uptime = figure(figures, "Up, last hour");
    this.runBy = figure(figures, "Run by");
    this.problem = h("p", { class: "monitor-error" });
    this.results = h("ul", { class: "monitor-results" });
    this.chart = new TimeChart({
      id: `monitor-${id}`,
      title: "Delay, failed probes in red",
      unit: "ms",
      height: CHART_HEIGHT,
      sparsePoints: true,
      series: [{ label: "delay", color: "var(--c1)" }],
    });
    this.element = h(
      "article",
      { class: "panel monitor", "data-monitor-id": id, "aria-labelledby": `monitor-${id}-title` },
      h("div", { class: "panel-head" }, this.title, this.state),
      this.spec,
      figures,
      this.problem,
      this.results,
      this.chart.element,
    );
    this.update(monitor);
  }

  update(monitor: Monitor): void {
    const previous = this.monitor;
    this.monitor = monitor;
    const state = stateOf(monitor);
    this.element.dataset.state = state;
    setText(this.title, monitor.name || targetOf(monitor));
    setText(this.state, state === "pending" ? "waiting for the first probe" : state);
    const fallback = monitor.results.some((r) => r.fallback) ? " (by TCP connect: ICMP is not allowed here)" : "";
    setText(this.spec, `${monitor.kind}${fallback} · ${targetOf(monitor)} · every ${duration(monitor.interval)} · ${monitor.read_only ? "from the config file" : "added through the API"}`);
    setText(this.delay, monitor.up ? milliseconds(monitor.delay_ms) : "–");
    setText(this.checked, monitor.checked_at ? ago(monitor.checked_at) : "not yet");
    this.renderRunBy(monitor.run_by);
    this.renderProblem(monitor);
    this.renderResults(monitor);

    const probed = monitor.checked_at !== previous.checked_at || monitor.up !== previous.up;
    const due = Date.now() - this.historyAt >= HISTORY_REFRESH_MS;
    if (this.historyAt === 0 || (probed && (due || this.historyPoints < YOUNG_POINTS || monitor.up !== previous.up))) {
      void this.loadHistory();
    }
  }

  destroy(): void {
    this.controller?.abort();
    this.chart.destroy();
  }

  private renderRunBy(hosts: HostRef[]): void {
    const key = JSON.stringify(hosts);
    if (key === this.keys.runBy) return;
    this.keys.runBy = key;
    const links: Node[] = [];
    hosts.forEach((host, i) => links.push(...(i ? [document.createTextNode(", ")] : []), hostLink(host)));
    this.runBy.replaceChildren(...(links.length ? links : [document.createTextNode("nobody: no host it names is known")]));
  }

  private renderProblem(monitor: Monitor): void {
    const last = monitor.last_error;
    if (monitor.enabled && monitor.up === false) {
      this.problem.className = "monitor-error error";
      setText(this.problem, monitor.error || "the last probe failed");
    } else if (last) {
      this.problem.className = "monitor-error note";
      setText(this.problem, `Last failure ${ago(last.time)}: ${last.error}`);
    } else {
      this.problem.className = "monitor-error note";
      setText(this.problem, "");
    }
  }

  /** Each host's own result, when more than one host runs the monitor. */
  private renderResults(monitor: Monitor): void {
    const results = monitor.results.length > 1 ? monitor.results : [];
    const key = JSON.stringify(results.map((r) => [r.host, r.up, r.delay_ms, r.error]));
    if (key === this.keys.results) return;
    this.keys.results = key;
    this.results.replaceChildren(
      ...results.map((r) =>
        h(
          "li",
          { "data-state": r.up ? "up" : "down" },
          hostLink(r.host),
          `: ${r.up ? `up, ${milliseconds(r.delay_ms)}` : `down, ${r.error || "failed"}`}`,
        ),
      ),
    );
  }

  private async loadHistory(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.historyAt = Date.now();
    try {
      const document = await getJson<MonitorHistory>(`/api/v1/monitors/${this.monitor.id}/history`, HISTORY, controller.signal);
      this.draw(document);
    } catch (error) {
      if (isAbort(error) || error instanceof AuthRequired) return;
      setText(this.uptime, "–");
      this.chart.element.dataset.error = error instanceof Error ? error.message : String(error);
    }
  }

  private draw(document: MonitorHistory): void {
    // Raw points come one per probe: a gap is more than two probe intervals without one.
    const step = Math.max(document.step, this.monitor.interval);
    const series = (name: string, s: MonitorHistory["delay"]) => ({ metric: name, unit: "", times: s.times, values: s.values });
    // Aligning the delays with the up shares puts a break in the line where probes failed (no delay).
    const aligned = align([series("delay", document.delay), series("up", document.up)], step);
    this.historyPoints = document.up.times.length;
    this.chart.setMarks({ times: document.failures, width: step });
    // Until the monitor has an hour of probes, the chart spans what there is rather than a mostly empty hour.
    const oldest = aligned.times[0] ?? document.to;
    const from = Math.max(document.from, Math.min(oldest - step, document.to - MIN_SPAN_S));
    this.chart.setData(aligned.times, aligned.columns.slice(0, 1), [from, document.to]);
    setText(this.uptime, availability(document.availability));
  }
}

export class MonitorsPage implements View {
  readonly element: HTMLElement;
  readonly title = "Monitors";
  private readonly cards = new Map<number, MonitorCard>();
  private readonly list: HTMLElement;
  private readonly counter: HTMLElement;
  private readonly empty = h("p", { class: "note empty-note" });
  private readonly poller: Poller<MonitorsDocument | null>;
  private monitors: Monitor[] = [];
  private missing = false;

  constructor(connection: ConnectionIndicator) {
    this.counter = h("span", { class: "note", "aria-live": "polite" });
    this.list = h("div", { class: "monitors" }, h("p", { class: "note" }, "Waiting for the hub…"));
    this.element = h(
      "section",
      { class: "monitors-page", "aria-labelledby": "monitors-title" },
      h("div", { class: "toolbar" }, h("h1", { id: "monitors-title" }, "Monitors"), this.counter),
      this.list,
    );
    this.poller = new Poller<MonitorsDocument | null>({
      fetch: async (signal) => {
        try {
          return await getJson<MonitorsDocument>("/api/v1/monitors", {}, signal);
        } catch (error) {
          // A hub that runs no monitors answers 404: that is an answer, not an outage.
          if (error instanceof ApiError && error.status === 404) return null;
          throw error;
        }
      },
      onData: (document) => this.render(document),
      onState: (link) => connection.set(link),
      intervalMs: () => {
        if (this.missing) return 30_000;
        const fastest = Math.min(...this.monitors.filter((m) => m.enabled).map((m) => m.interval), 10);
        return Math.min(Math.max(fastest, 2), 10) * 1000;
      },
    });
    this.poller.start();
  }

  destroy(): void {
    this.poller.stop();
    for (const card of this.cards.values()) card.destroy();
  }

  private render(document: MonitorsDocument | null): void {
    this.missing = document === null;
    this.monitors = document?.monitors ?? [];
    const known = new Set(this.monitors.map((m) => m.id));
    for (const [id, card] of this.cards) {
      if (!known.has(id)) {
        card.destroy();
        this.cards.delete(id);
      }
    }
    const wanted: HTMLElement[] = [];
    for (const monitor of this.monitors) {
      let card = this.cards.get(monitor.id);
      if (card) card.update(monitor);
      else {
        card = new MonitorCard(monitor);
        this.cards.set(monitor.id, card);
      }
      wanted.push(card.element);
    }
    if (!wanted.length) {
      this.renderEmpty(document === null);
      wanted.push(this.empty);
    }
    const current = Array.from(this.list.children);
    if (current.length !== wanted.length || current.some((element, i) => element !== wanted[i])) {
      this.list.replaceChildren(...wanted);
    }
    const down = this.monitors.filter((m) => stateOf(m) === "down").length;
    const total = `${this.monitors.length} monitor${this.monitors.length === 1 ? "" : "s"}`;
    setText(this.counter, document === null ? "" : down ? `${total}, ${down} down` : total);
    this.counter.dataset.down = String(down);
  }

  private renderEmpty(missing: boolean): void {
    const kind = missing ? "missing" : "none";
    if (this.empty.dataset.kind === kind) return;
    this.empty.dataset.kind = kind;
    if (missing) {
      this.empty.replaceChildren("This hub runs no service monitors.");
    } else {
      this.empty.replaceChildren("No monitors yet — add ", h("code", null, "[[monitors]]"), " to the config or ", h("code", null, "POST /api/v1/monitors"), ".");
    }
  }
}
