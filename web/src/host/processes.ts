// The process table: filter, sort and limit are the processes API's own
// (`/api/v1/processes?filter=&sort=&limit=`); it refreshes with the live stream.

import { AuthRequired, getJson, isAbort } from "../api";
import { h, setText } from "../dom";
import { bytes, duration, percent } from "../format";
import type { ProcessesDocument, ProcessRow } from "../types";

type ProcessSort = "cpu" | "mem" | "pid" | "name";

interface Column {
  label: string;
  sort?: ProcessSort;
  className?: string;
  cell: (row: ProcessRow) => string;
}

const COLUMNS: Column[] = [
  { label: "PID", sort: "pid", className: "num", cell: (r) => String(r.pid) },
  { label: "Name", sort: "name", className: "name", cell: (r) => r.name },
  { label: "User", className: "wide-only", cell: (r) => r.user },
  { label: "CPU", sort: "cpu", className: "num", cell: (r) => percent(r.cpu_percent) },
  { label: "Memory", sort: "mem", className: "num", cell: (r) => percent(r.mem_percent) },
  { label: "RSS", className: "num wide-only", cell: (r) => bytes(r.rss) },
  { label: "Threads", className: "num wide-only", cell: (r) => String(r.threads) },
  { label: "State", className: "wide-only", cell: (r) => r.status },
  { label: "Running", className: "num wide-only", cell: (r) => duration(r.uptime) },
  // On a phone the command line gives way to the figures; the name cell still offers it as a tooltip.
  { label: "Command", className: "command wide-only", cell: (r) => r.command },
];

const LIMITS = [10, 25, 50, 100, 0];
const REFRESH_MS = 2000;
const TYPING_MS = 200;

export class ProcessTable {
  readonly element: HTMLElement;
  private readonly body: HTMLTableSectionElement;
  private readonly summary: HTMLElement;
  private readonly headers = new Map<ProcessSort, HTMLTableCellElement>();
  private filter = "";
  private sort: ProcessSort = "cpu";
  private limit = 25;
  private controller: AbortController | null = null;
  private lastRequest = 0;
  private typingTimer: number | undefined;

  constructor(private readonly host: string) {
    const filter = h("input", {
      type: "search",
      id: "process-filter",
      placeholder: "Filter: PID, name, command",
      "aria-label": "Filter processes",
      onInput: (event: Event) => {
        this.filter = (event.target as HTMLInputElement).value.trim();
        window.clearTimeout(this.typingTimer);
        this.typingTimer = window.setTimeout(() => void this.request(), TYPING_MS);
      },
    });
    const limit = h(
      "select",
      {
        id: "process-limit",
        "aria-label": "Rows shown",
        onChange: (event: Event) => {
          this.limit = Number((event.target as HTMLSelectElement).value);
          void this.request();
        },
      },
      ...LIMITS.map((n) => h("option", { value: n, selected: n === this.limit }, n ? `${n} rows` : "All rows")),
    );
    const headRow = h("tr");
    for (const column of COLUMNS) {
      const th = h("th", { scope: "col", class: column.className ?? "" });
      if (column.sort) {
        const key = column.sort;
        th.appendChild(h("button", { type: "button", class: "sort", onClick: () => this.sortBy(key) }, column.label));
        this.headers.set(key, th);
      } else {
        th.textContent = column.label;
      }
      headRow.appendChild(th);
    }
    this.body = h("tbody");
    this.summary = h("span", { id: "process-count", class: "note", "aria-live": "polite" });
    this.element = h(
      "section",
      { class: "panel", "aria-labelledby": "processes-title" },
      h("div", { class: "panel-head" }, h("h2", { id: "processes-title" }, "Processes"), filter, limit, this.summary),
      h("div", { class: "scroll" }, h("table", { class: "processes" }, h("thead", null, headRow), this.body)),
    );
    this.renderSort();
  }

  /** A new snapshot arrived: refresh, at most every two seconds (the processes source's own pace). */
  onSnapshot(): void {
    if (Date.now() - this.lastRequest >= REFRESH_MS) void this.request();
  }

  destroy(): void {
    window.clearTimeout(this.typingTimer);
    this.controller?.abort();
  }

  private sortBy(sort: ProcessSort): void {
    this.sort = sort;
    this.renderSort();
    void this.request();
  }

  private renderSort(): void {
    for (const [key, th] of this.headers) {
      // The API sorts names A-Z and PIDs up; CPU and memory busiest first.
      if (key === this.sort) th.setAttribute("aria-sort", key === "name" || key === "pid" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
  }

  private async request(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.lastRequest = Date.now();
    const filter = this.filter;
    try {
      const document = await getJson<ProcessesDocument>(
        "/api/v1/processes",
        { host: this.host, filter, sort: this.sort, limit: this.limit },
        controller.signal,
      );
      this.render(document, filter);
    } catch (error) {
      if (isAbort(error) || error instanceof AuthRequired) return;
      setText(this.summary, `Processes could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private render(document: ProcessesDocument, filter: string): void {
    const rows = document.list.map((row) =>
      h("tr", { "data-pid": row.pid }, ...COLUMNS.map((c) => h("td", { class: c.className ?? "", title: c.label === "Command" || c.label === "Name" ? row.command : null }, c.cell(row)))),
    );
    if (rows.length === 0) {
      rows.push(h("tr", { class: "empty" }, h("td", { colspan: COLUMNS.length }, filter ? `No process matches “${filter}”.` : "No processes.")));
    }
    this.body.replaceChildren(...rows);
    const what = filter ? `matching “${filter}”` : "processes";
    setText(this.summary, `${document.list.length} of ${document.total} ${what}`);
  }
}
