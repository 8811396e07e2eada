// The host's alert events (`/api/v1/events?host=ID`), newest first: ongoing
// ones highlighted with how long they have lasted, ended ones with their span.
// Refreshed with the live stream, at most every five seconds.

import { ApiError, AuthRequired, getJson, isAbort } from "../api";
import { h, setText } from "../dom";
import { clock, duration, fixed, percent } from "../format";
import type { AlertEvent, EventsDocument } from "../types";

const REFRESH_MS = 5000;

/** The badge level of an event state: CRITICAL and WARNING as health draws them. */
function levelOf(state: string): string {
  return state === "CRITICAL" ? "critical" : state === "WARNING" ? "warning" : "careful";
}

/** `python ×2, sshd`: the top processes, repeats folded. */
function topProcesses(names: string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, n]) => (n > 1 ? `${name} ×${n}` : name)).join(", ");
}

/** An event's figure: a percentage for CPU, memory and swap, a plain figure (load per core) otherwise. */
function figure(type: string, value: number): string {
  return type.startsWith("CPU_") || type.startsWith("MEM") ? percent(value) : fixed(value);
}

function when(event: AlertEvent, now: number): string {
  if (event.ongoing || event.end === null) return `ongoing · since ${duration(now - event.begin)}`;
  return `${clock(event.begin)} – ${clock(event.end)} · ${duration(event.end - event.begin)}`;
}

function eventItem(event: AlertEvent, now: number): HTMLElement {
  const level = levelOf(event.state);
  const [min, avg, max] = [event.min, event.avg, event.max].map((value) => figure(event.type, value));
  const figures = `min ${min} · avg ${avg} · max ${max} over ${event.count} reading${event.count === 1 ? "" : "s"}`;
  return h(
    "li",
    { class: event.ongoing ? "event ongoing" : "event", "data-level": level, "data-type": event.type, "data-ongoing": String(event.ongoing) },
    h("span", { class: "badge", "data-level": level }, event.state.toLowerCase()),
    " ",
    h("strong", null, event.type),
    " ",
    event.message,
    h("span", { class: "event-when" }, when(event, now)),
    h("small", { class: "note" }, event.top.length ? `${figures} · top: ${topProcesses(event.top)}` : figures),
  );
}

export class EventList {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private readonly summary: HTMLElement;
  private controller: AbortController | null = null;
  private lastRequest = 0;
  private missing = false;

  constructor(private readonly host: string) {
    this.summary = h("span", { class: "note", "aria-live": "polite" });
    this.body = h("div", { class: "section-body" }, h("p", { class: "note" }, "Loading events…"));
    this.element = h(
      "section",
      { class: "panel", id: "events", "aria-labelledby": "events-title" },
      h("div", { class: "panel-head" }, h("h2", { id: "events-title" }, "Events"), this.summary),
      this.body,
    );
  }

  /** A new snapshot arrived: refresh, at most every five seconds. */
  onSnapshot(): void {
    if (!this.missing && Date.now() - this.lastRequest >= REFRESH_MS) void this.request();
  }

  destroy(): void {
    this.controller?.abort();
  }

  private async request(): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.lastRequest = Date.now();
    try {
      const document = await getJson<EventsDocument>("/api/v1/events", { host: this.host }, controller.signal);
      this.render(document.events);
    } catch (error) {
      if (isAbort(error) || error instanceof AuthRequired) return;
      if (error instanceof ApiError && error.status === 404 && error.code !== "unknown_host") {
        // A hub without an events API: leave the health warnings on their own.
        this.missing = true;
        this.element.hidden = true;
        return;
      }
      setText(this.summary, `Events could not be read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private render(events: AlertEvent[]): void {
    const ongoing = events.filter((e) => e.ongoing).length;
    setText(this.summary, events.length ? `${ongoing} ongoing, ${events.length - ongoing} ended` : "");
    if (!events.length) {
      this.body.replaceChildren(h("p", { class: "note" }, "No alert events: no figure has crossed its alert thresholds lately."));
      return;
    }
    const now = Date.now() / 1000;
    this.body.replaceChildren(h("ul", { class: "events" }, ...events.map((event) => eventItem(event, now))));
  }
}
