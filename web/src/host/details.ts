// The host page's lists: health warnings, file systems, sensors, GPUs and system facts.

import { h, setText, usageBar } from "../dom";
import { bytes, count, dateTime, duration, megahertz, percent, reading } from "../format";
import type { Filesystem, Gpu, Sensor, Snapshot } from "../types";

/** A titled section that redraws its body only when what it shows changed. */
abstract class Section<T> {
  readonly element: HTMLElement;
  protected readonly body: HTMLElement;
  private key = "";

  constructor(id: string, title: string) {
    this.body = h("div", { class: "section-body" });
    this.element = h("section", { class: "panel", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), this.body);
  }

  update(snapshot: Snapshot): void {
    const value = this.pick(snapshot);
    const key = JSON.stringify(value);
    if (key === this.key) return;
    this.key = key;
    this.render(value);
  }

  protected abstract pick(snapshot: Snapshot): T;
  protected abstract render(value: T): void;
}

export class HealthSection extends Section<Snapshot["health"]> {
  constructor() {
    super("health", "Health");
  }

  protected pick(snapshot: Snapshot): Snapshot["health"] {
    return snapshot.health;
  }

  protected render(health: Snapshot["health"]): void {
    const level = health.warnings.some((w) => w.level === "critical") ? "critical" : health.warnings.length ? "warning" : "ok";
    const score = h("p", { class: "health-score" }, h("span", { class: "score", "data-level": level }, String(health.score)), " / 100");
    if (!health.warnings.length) {
      this.body.replaceChildren(score, h("p", { class: "note" }, "No warnings: every figure is within its thresholds."));
      return;
    }
    this.body.replaceChildren(
      score,
      h(
        "ul",
        { class: "warnings" },
        ...health.warnings.map((w) => h("li", { "data-level": w.level }, h("span", { class: "badge", "data-level": w.level }, w.level), " ", w.message)),
      ),
    );
  }
}

export class FilesystemSection extends Section<Filesystem[]> {
  constructor() {
    super("filesystems", "File systems");
  }

  protected pick(snapshot: Snapshot): Filesystem[] {
    return snapshot.disk.filesystems;
  }

  protected render(filesystems: Filesystem[]): void {
    if (!filesystems.length) {
      this.body.replaceChildren(h("p", { class: "note" }, "No file system reported."));
      return;
    }
    this.body.replaceChildren(
      h(
        "ul",
        { class: "filesystems" },
        ...filesystems.map((fs) =>
          h(
            "li",
            null,
            h("span", { class: "fs-mount" }, fs.mount_point),
            h("small", { class: "note" }, `${fs.device} · ${fs.fs_type}`),
            usageBar(fs.percent, `${fs.mount_point} used`),
            h("span", { class: "fs-usage" }, `${percent(fs.percent)} · ${bytes(fs.used)} of ${bytes(fs.size)} · ${bytes(fs.free)} free`),
          ),
        ),
      ),
    );
  }
}

/** Hidden while the host has no sensors. */
export class SensorSection extends Section<Sensor[]> {
  constructor() {
    super("sensors", "Sensors");
  }

  protected pick(snapshot: Snapshot): Sensor[] {
    return snapshot.sensors;
  }

  protected render(sensors: Sensor[]): void {
    this.element.hidden = sensors.length === 0;
    const mark = (s: Sensor) => [s.high !== null ? `high ${reading(s.high, s.unit)}` : "", s.critical !== null ? `critical ${reading(s.critical, s.unit)}` : ""].filter(Boolean).join(" · ");
    this.body.replaceChildren(
      h(
        "table",
        { class: "compact" },
        h("tbody", null, ...sensors.map((s) => h("tr", { "data-level": s.critical !== null && s.value >= s.critical ? "critical" : s.high !== null && s.value >= s.high ? "warning" : "ok" }, h("th", { scope: "row" }, s.chip ? `${s.chip} ${s.label}` : s.label), h("td", { class: "num" }, reading(s.value, s.unit)), h("td", { class: "note" }, mark(s))))),
      ),
    );
  }
}

/** Hidden while the host has no GPU. */
export class GpuSection extends Section<Gpu[]> {
  constructor() {
    super("gpus", "GPUs");
  }

  protected pick(snapshot: Snapshot): Gpu[] {
    return snapshot.gpus;
  }

  protected render(gpus: Gpu[]): void {
    this.element.hidden = gpus.length === 0;
    this.body.replaceChildren(
      h(
        "ul",
        { class: "filesystems" },
        ...gpus.map((g) =>
          h(
            "li",
            null,
            h("span", { class: "fs-mount" }, `GPU ${g.index}: ${g.name}`),
            usageBar(g.proc_percent ?? 0, `GPU ${g.index} load`),
            h(
              "span",
              { class: "fs-usage" },
              [
                `load ${percent(g.proc_percent)}`,
                g.mem_total ? `memory ${bytes(g.mem_used)} of ${bytes(g.mem_total)}` : "",
                g.temperature !== null ? reading(g.temperature, "C") : "",
                g.power_watts !== null ? `${g.power_watts.toFixed(0)} W` : "",
              ]
                .filter(Boolean)
                .join(" · "),
            ),
          ),
        ),
      ),
    );
  }
}

type Facts = [string, string][];

export class FactsSection extends Section<Facts> {
  private readonly uptime = h("dd");

  constructor() {
    super("facts", "System");
  }

  override update(snapshot: Snapshot): void {
    super.update(snapshot);
    setText(this.uptime, duration(snapshot.system.uptime));
  }

  protected pick(s: Snapshot): Facts {
    const sys = s.system;
    const route = s.network.route;
    const facts: Facts = [
      ["Host name", sys.hostname],
      ["Operating system", sys.distro || sys.os_name],
      ["Kernel", sys.kernel],
      ["Architecture", sys.bits ? `${sys.arch} (${sys.bits}-bit)` : sys.arch],
      ["CPU", sys.cpu_model],
      ["Cores", `${sys.cpu_physical_cores} physical, ${sys.cpu_logical_cores} logical`],
      ["Frequency", sys.cpu_freq_max_mhz ? `${megahertz(sys.cpu_freq_current_mhz)} (max ${megahertz(sys.cpu_freq_max_mhz)})` : megahertz(sys.cpu_freq_current_mhz)],
      ["Memory", bytes(s.memory.total)],
      ["Booted", dateTime(sys.boot_time)],
      ["Virtualisation", sys.virtualization || "none detected"],
      ["Address", route.address ? `${route.address}/${route.cidr} on ${route.interface}` : "no default route"],
      ["Gateway", route.gateway || "–"],
      ["Sockets", `${count(s.network.tcp_count)} TCP, ${count(s.network.udp_count)} UDP`],
      ["Processes", `${count(s.processes.total)} (${count(s.processes.running)} running), ${count(s.processes.threads)} threads`],
      ["Agent", sys.agent_version],
    ];
    return facts.filter(([, value]) => value !== "");
  }

  protected render(facts: Facts): void {
    this.body.replaceChildren(
      h("dl", { class: "facts" }, h("dt", null, "Uptime"), this.uptime, ...facts.flatMap(([name, value]) => [h("dt", null, name), h("dd", null, value)])),
    );
  }
}
