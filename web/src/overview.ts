// The overview: every host the hub knows as a row (a card on a phone), with
// search, a tag filter and sorting by any column. Polls `/api/v1/hosts`.

import { getJson } from "./api";
import type { ConnectionIndicator } from "./connection";
import { h, setText, setUsage, usageBar } from "./dom";
import { ago, bitRate, bytesRate, duration, fixed, percent } from "./format";
import { Poller } from "./poll";
import { hostHref, type View } from "./router";
import type { Host, HostsDocument } from "./types";

type SortKey = "name" | "status" | "health" | "cpu" | "memory" | "disk" | "network" | "diskio" | "load" | "uptime";

interface Column {
  key: SortKey;
  label: string;
  /** The value rows are ordered by; hosts without figures sort last. */
  value: (host: Host) => number | string | null;
}

const COLUMNS: Column[] = [
  { key: "name", label: "Host", value: (host) => host.name.toLowerCase() },
  { key: "status", label: "Status", value: (host) => (host.online ? 1 : 0) },
  { key: "health", label: "Health", value: (host) => (host.summary ? host.health : null) },
  { key: "cpu", label: "CPU", value: (host) => host.summary?.cpu ?? null },
  { key: "memory", label: "Memory", value: (host) => host.summary?.memory ?? null },
  { key: "disk", label: "Disk", value: (host) => host.summary?.disk ?? null },
  {
    key: "network",
    label: "Network",
    value: (host) => (host.summary ? host.summary.net_recv_rate + host.summary.net_sent_rate : null),
  },
  {
    key: "diskio",
    label: "Disk I/O",
    value: (host) => (host.summary ? host.summary.disk_read_rate + host.summary.disk_write_rate : null),
  },
  { key: "load", label: "Load", value: (host) => host.summary?.load1 ?? null },
  { key: "uptime", label: "Uptime", value: (host) => host.summary?.uptime ?? null },
];

interface OverviewState {
  query: string;
  tag: string;
  sort: SortKey;
  descending: boolean;
}

// Kept while the tab is open, so coming back from a host page restores the view.
const state: OverviewState = { query: "", tag: "", sort: "name", descending: false };

function compare(column: Column, descending: boolean): (a: Host, b: Host) => number {
  return (a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    const order = x < y ? -1 : x > y ? 1 : 0;
    return (descending ? -order : order) || a.id - b.id;
  };
}

function matches(host: Host, query: string, tag: string): boolean {
  if (tag && !host.tags.includes(tag)) return false;
  if (!query) return true;
  const needle = query.toLowerCase();
  return [host.name, host.address, host.agent_id, ...host.tags].some((text) => text.toLowerCase().includes(needle));
}

/** One host's row; its cells are updated in place so focus and selection survive updates. */
class HostRow {
  readonly element: HTMLTableRowElement;
  private readonly name: HTMLAnchorElement;
  private readonly tags: HTMLElement;
  private readonly status: HTMLElement;
  private readonly seen: HTMLElement;
  private readonly health: HTMLElement;
  private readonly figures: Record<"cpu" | "memory" | "disk", { text: HTMLElement; bar: HTMLElement; note: HTMLElement }>;
  private readonly netIn: HTMLElement;
  private readonly netOut: HTMLElement;
  private readonly diskRead: HTMLElement;
  private readonly diskWrite: HTMLElement;
  private readonly load: HTMLElement;
  private readonly uptime: HTMLElement;
  private tagKey = "";

  constructor(host: Host) {
    this.name = h("a", { href: hostHref(host.id), class: "host-link" }, host.name);
    this.tags = h("span", { class: "tags" });
    this.status = h("span", { class: "status" });
    this.seen = h("small", { class: "note" });
    this.health = h("span", { class: "score" });
    const figure = (label: string) => ({
      text: h("span", { class: "figure" }),
      bar: usageBar(0, label),
      note: h("small", { class: "note" }),
    });
    this.figures = { cpu: figure("CPU"), memory: figure("Memory"), disk: figure("Fullest file system") };
    this.netIn = h("span", { class: "figure" });
    this.netOut = h("span", { class: "figure" });
    this.diskRead = h("span", { class: "figure" });
    this.diskWrite = h("span", { class: "figure" });
    this.load = h("span", { class: "figure" });
    this.uptime = h("span", { class: "figure" });
    const cell = (key: SortKey, ...children: Node[]) =>
      h("td", { "data-label": COLUMNS.find((c) => c.key === key)?.label, "data-col": key }, ...children);
    const usage = (key: "cpu" | "memory" | "disk") => {
      const f = this.figures[key];
      return cell(key, f.text, f.bar, f.note);
    };
    this.element = h(
      "tr",
      { "data-host-id": host.id },
      h("th", { scope: "row", "data-col": "name" }, this.name, h("span", { class: "note local", hidden: !host.local }, "this hub"), this.tags),
      cell("status", this.status, this.seen),
      cell("health", this.health),
      usage("cpu"),
      usage("memory"),
      usage("disk"),
      cell("network", h("span", { class: "pair" }, "↓ ", this.netIn), h("span", { class: "pair" }, "↑ ", this.netOut)),
      cell("diskio", h("span", { class: "pair" }, "R ", this.diskRead), h("span", { class: "pair" }, "W ", this.diskWrite)),
      cell("load", this.load),
      cell("uptime", this.uptime),
    );
    this.update(host);
  }

  update(host: Host): void {
    const summary = host.summary;
    this.element.classList.toggle("offline", !host.online);
    this.element.dataset.time = String(summary?.time ?? 0);
    setText(this.name, host.name);
    const tagKey = host.tags.join("\u0000");
    if (tagKey !== this.tagKey) {
      this.tagKey = tagKey;
      this.tags.replaceChildren(...host.tags.map((tag) => h("span", { class: "tag" }, tag)));
    }
    setText(this.status, host.online ? "online" : "offline");
    this.status.dataset.online = String(host.online);
    setText(this.seen, host.online ? "" : `last seen ${ago(host.last_seen)}`);
    setText(this.health, summary ? String(host.health) : "–");
    this.health.dataset.level = host.health >= 90 ? "ok" : host.health >= 70 ? "warning" : "critical";
    const usage = (key: "cpu" | "memory" | "disk", value: number | undefined, note: string) => {
      const f = this.figures[key];
      setText(f.text, percent(value));
      setUsage(f.bar, value ?? 0);
      setText(f.note, note);
    };
    usage("cpu", summary?.cpu, summary ? `${summary.cores} cores` : "");
    usage("memory", summary?.memory, summary ? `swap ${percent(summary.swap)}` : "");
    usage("disk", summary?.disk, summary ? "fullest" : "");
    setText(this.netIn, bitRate(summary?.net_recv_rate));
    setText(this.netOut, bitRate(summary?.net_sent_rate));
    setText(this.diskRead, bytesRate(summary?.disk_read_rate));
    setText(this.diskWrite, bytesRate(summary?.disk_write_rate));
    setText(this.load, fixed(summary?.load1));
    setText(this.uptime, duration(summary?.uptime));
  }
}

export class OverviewPage implements View {
  readonly element: HTMLElement;
  readonly title = "Hosts";
  private hosts: Host[] = [];
  private readonly rows = new Map<number, HostRow>();
  private readonly body: HTMLTableSectionElement;
  private readonly empty: HTMLTableRowElement;
  private readonly headers = new Map<SortKey, HTMLTableCellElement>();
  private readonly tagSelect: HTMLSelectElement;
  private readonly sortSelect: HTMLSelectElement;
  private readonly counter: HTMLElement;
  private readonly poller: Poller<HostsDocument>;

  constructor(connection: ConnectionIndicator) {
    const search = h("input", {
      type: "search",
      id: "host-search",
      placeholder: "Search name, tag, address",
      "aria-label": "Search hosts",
      value: state.query,
      onInput: (event: Event) => {
        state.query = (event.target as HTMLInputElement).value.trim();
        this.render();
      },
    });
    this.tagSelect = h("select", {
      id: "tag-filter",
      "aria-label": "Filter by tag",
      onChange: () => {
        state.tag = this.tagSelect.value;
        this.render();
      },
    });
    this.sortSelect = h(
      "select",
      {
        id: "host-sort",
        class: "narrow-only",
        "aria-label": "Sort hosts by",
        onChange: () => this.sortBy(this.sortSelect.value as SortKey, false),
      },
      ...COLUMNS.map((c) => h("option", { value: c.key }, `Sort: ${c.label}`)),
    );
    this.counter = h("span", { class: "note", "aria-live": "polite" });
    const headRow = h("tr");
    for (const column of COLUMNS) {
      const button = h("button", { type: "button", class: "sort", onClick: () => this.sortBy(column.key, true) }, column.label);
      const th = h("th", { scope: "col", "data-col": column.key }, button);
      this.headers.set(column.key, th);
      headRow.appendChild(th);
    }
    this.body = h("tbody");
    this.empty = h("tr", { class: "empty" }, h("td", { colspan: COLUMNS.length }, "Waiting for the hub…"));
    this.body.appendChild(this.empty);
    this.element = h(
      "section",
      { class: "overview", "aria-labelledby": "overview-title" },
      h("div", { class: "toolbar" }, h("h1", { id: "overview-title" }, "Hosts"), search, this.tagSelect, this.sortSelect, this.counter),
      h("table", { class: "hosts" }, h("thead", null, headRow), this.body),
    );
    this.renderTags();
    this.poller = new Poller<HostsDocument>({
      fetch: (signal) => getJson<HostsDocument>("/api/v1/hosts", {}, signal),
      onData: (document) => {
        this.hosts = document.hosts;
        this.render();
      },
      onState: (link) => connection.set(link),
      intervalMs: () => {
        const fastest = Math.min(...this.hosts.map((host) => host.interval), 2);
        return Math.min(Math.max(fastest, 1), 5) * 1000;
      },
    });
    this.poller.start();
  }

  destroy(): void {
    this.poller.stop();
  }

  private sortBy(key: SortKey, toggle: boolean): void {
    if (toggle && state.sort === key) {
      state.descending = !state.descending;
    } else {
      state.sort = key;
      // Names read best A-Z; figures are most useful busiest first.
      state.descending = key !== "name";
    }
    this.render();
  }

  private renderTags(): void {
    const tags = [...new Set(this.hosts.flatMap((host) => host.tags))].sort();
    const key = tags.join("\u0000");
    if (this.tagSelect.dataset.key === key) return;
    this.tagSelect.dataset.key = key;
    this.tagSelect.replaceChildren(h("option", { value: "" }, "All tags"), ...tags.map((tag) => h("option", { value: tag }, tag)));
    this.tagSelect.value = tags.includes(state.tag) ? state.tag : "";
    this.tagSelect.disabled = tags.length === 0;
  }

  private render(): void {
    this.renderTags();
    for (const [key, th] of this.headers) {
      if (key === state.sort) th.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
    this.sortSelect.value = state.sort;
    const column = COLUMNS.find((c) => c.key === state.sort) ?? COLUMNS[0]!;
    const shown = this.hosts.filter((host) => matches(host, state.query, state.tag)).sort(compare(column, state.descending));
    const known = new Set(this.hosts.map((host) => host.id));
    for (const [id, row] of this.rows) {
      if (!known.has(id)) {
        row.element.remove();
        this.rows.delete(id);
      }
    }
    const wanted: HTMLTableRowElement[] = [];
    for (const host of shown) {
      let row = this.rows.get(host.id);
      if (row) row.update(host);
      else {
        row = new HostRow(host);
        this.rows.set(host.id, row);
      }
      wanted.push(row.element);
    }
    if (wanted.length === 0) {
      setText(this.empty.firstElementChild!, this.hosts.length ? "No host matches the search." : "No host has reported yet.");
      wanted.push(this.empty);
    }
    // Move rows only when the order changed: moving a row would take the keyboard focus out of it.
    const current = Array.from(this.body.children);
    if (current.length !== wanted.length || current.some((row, index) => row !== wanted[index])) {
      this.body.replaceChildren(...wanted);
    }
    setText(this.counter, `${shown.length} of ${this.hosts.length} host${this.hosts.length === 1 ? "" : "s"}`);
  }
}
