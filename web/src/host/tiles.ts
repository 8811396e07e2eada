// The figures at the top of a host page: one tile per resource, updated in place.

import { h, setText, setUsage, usageBar } from "../dom";
import { bitRate, bytes, bytesRate, fixed, percent } from "../format";
import type { Snapshot } from "../types";

interface Tile {
  value: HTMLElement;
  detail: HTMLElement;
  bar: HTMLElement | null;
}

export class Tiles {
  readonly element: HTMLElement;
  private readonly tiles = new Map<string, Tile>();

  constructor() {
    this.element = h("section", { class: "tiles", "aria-label": "Current figures" });
    for (const [key, label, withBar] of [
      ["cpu", "CPU", true],
      ["memory", "Memory", true],
      ["swap", "Swap", true],
      ["load", "Load (1 min)", false],
      ["network", "Network in / out", false],
      ["disk", "Disk read / write", false],
    ] as const) {
      const tile: Tile = {
        value: h("span", { class: "tile-value" }, "–"),
        detail: h("small", { class: "note" }),
        bar: withBar ? usageBar(0, label) : null,
      };
      this.tiles.set(key, tile);
      this.element.appendChild(h("div", { class: "tile", "data-tile": key }, h("span", { class: "tile-label" }, label), tile.value, tile.bar, tile.detail));
    }
  }

  update(s: Snapshot): void {
    this.set("cpu", percent(s.cpu.total), `${s.cpu.cores} cores · user ${percent(s.cpu.user)}`, s.cpu.total);
    this.set("memory", percent(s.memory.percent), `${bytes(s.memory.used)} of ${bytes(s.memory.total)}`, s.memory.percent);
    const swap = s.memory.swap;
    this.set("swap", swap.total ? percent(swap.percent) : "none", swap.total ? `${bytes(swap.used)} of ${bytes(swap.total)}` : "no swap space", swap.percent);
    const perCore = s.load.min1 / Math.max(s.load.cores || s.cpu.cores, 1);
    this.set("load", fixed(s.load.min1), `5 min ${fixed(s.load.min5)} · 15 min ${fixed(s.load.min15)} · ${fixed(perCore)} per core`);
    this.set("network", `↓ ${bitRate(s.network.bytes_recv_rate)}`, `↑ ${bitRate(s.network.bytes_sent_rate)}`);
    this.set("disk", `R ${bytesRate(s.disk.read_bytes_rate)}`, `W ${bytesRate(s.disk.write_bytes_rate)}`);
  }

  private set(key: string, value: string, detail: string, usage?: number): void {
    const tile = this.tiles.get(key);
    if (!tile) return;
    setText(tile.value, value);
    setText(tile.detail, detail);
    if (tile.bar && usage !== undefined) setUsage(tile.bar, usage);
  }
}
