// A host's page: live figures from `/ws?host=ID`, charts, health and events, processes and facts.

import { ApiError, AuthRequired, getJson } from "../api";
import type { ConnectionIndicator } from "../connection";
import { h, setText } from "../dom";
import { duration } from "../format";
import type { View } from "../router";
import { onSchemeChange } from "../theme";
import type { Snapshot } from "../types";
import { LiveSocket } from "../ws";
import { ChartPanel } from "./chartpanel";
import { FactsSection, FilesystemSection, GpuSection, HealthSection, SensorSection } from "./details";
import { EventList } from "./events";
import { ProcessTable } from "./processes";
import { Tiles } from "./tiles";

/** True unless the hub says the token is missing: then the login prompt has taken over. */
async function hubStillAuthorises(): Promise<boolean> {
  try {
    await getJson("/api/v1/hosts");
    return true;
  } catch (error) {
    return !(error instanceof AuthRequired);
  }
}

export class HostPage implements View {
  readonly element: HTMLElement;
  title: string;
  private readonly heading: HTMLElement;
  private readonly subtitle: HTMLElement;
  private readonly tiles = new Tiles();
  private readonly charts: ChartPanel;
  private readonly processes: ProcessTable;
  private readonly events: EventList;
  private readonly sections = [new HealthSection(), new FilesystemSection(), new SensorSection(), new GpuSection(), new FactsSection()];
  private readonly socket: LiveSocket;
  private readonly stopThemeWatch: () => void;
  private readonly onVisibility = () => {
    if (!document.hidden) this.charts.refresh(false);
  };
  private interval = 1;

  constructor(
    private readonly host: string,
    connection: ConnectionIndicator,
  ) {
    this.title = host;
    this.heading = h("h1", { id: "host-name" }, host);
    this.subtitle = h("p", { class: "note host-subtitle" });
    this.charts = new ChartPanel(host);
    this.processes = new ProcessTable(host);
    this.events = new EventList(host);
    const [health, filesystems, sensors, gpus, facts] = this.sections;
    sensors!.element.hidden = true;
    gpus!.element.hidden = true;
    this.element = h(
      "article",
      { class: "host-page", "aria-labelledby": "host-name" },
      h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "#/" }, "← All hosts")),
      h("header", { class: "host-head" }, this.heading, this.subtitle),
      this.tiles.element,
      this.charts.element,
      // Alert events sit under the health warnings: both say what is wrong, now and lately.
      h("div", { class: "columns" }, h("div", { class: "stack" }, health!.element, this.events.element), filesystems!.element),
      this.processes.element,
      h("div", { class: "columns" }, sensors!.element, gpus!.element),
      facts!.element,
    );
    this.socket = new LiveSocket({
      path: `/ws?host=${encodeURIComponent(host)}`,
      onMessage: (text) => this.onSnapshot(JSON.parse(text) as Snapshot),
      onState: (state) => connection.set(state),
      shouldRetry: hubStillAuthorises,
      silenceMs: () => Math.max(3 * this.interval + 5, 10) * 1000,
    });
    this.stopThemeWatch = onSchemeChange(() => this.charts.refresh(true));
    document.addEventListener("visibilitychange", this.onVisibility);
    void this.open();
  }

  destroy(): void {
    this.socket.stop();
    this.charts.destroy();
    this.processes.destroy();
    this.events.destroy();
    this.stopThemeWatch();
    document.removeEventListener("visibilitychange", this.onVisibility);
  }

  /** Checks the host exists before streaming it, so a wrong link says so plainly. */
  private async open(): Promise<void> {
    try {
      await getJson("/api/v1/system", { host: this.host });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.element.replaceChildren(
          h("nav", { class: "crumbs" }, h("a", { href: "#/" }, "← All hosts")),
          h("p", { class: "error", role: "alert" }, `This hub knows no host “${this.host}”.`),
        );
        return;
      }
      if (error instanceof AuthRequired) return;
      // Unreachable: the socket's own retries will say so and recover.
    }
    this.socket.start();
  }

  private onSnapshot(snapshot: Snapshot): void {
    this.interval = snapshot.interval || 1;
    const name = snapshot.host.name || snapshot.system.hostname;
    setText(this.heading, name);
    if (this.title !== name) {
      this.title = name;
      document.title = `${name} · hostwatch`;
    }
    const sys = snapshot.system;
    setText(this.subtitle, [sys.distro || sys.os_name, sys.kernel, `up ${duration(sys.uptime)}`].filter(Boolean).join(" · "));
    this.element.dataset.seq = String(snapshot.seq);
    this.tiles.update(snapshot);
    this.charts.onSnapshot(snapshot);
    for (const section of this.sections) section.update(snapshot);
    this.processes.onSnapshot();
    this.events.onSnapshot();
  }
}
