// What each chart of the host page plots: history metric names, and how to read
// the same figure from a live snapshot, so both sources fill the same columns.

import type { ChartOptions } from "../charts";
import type { Snapshot } from "../types";

export interface MetricSpec {
  /** The history API's name for the figure, e.g. `cpu.total`. */
  metric: string;
  label: string;
  color: string;
  live: (snapshot: Snapshot) => number | null;
}

export interface ChartSpec extends Omit<ChartOptions, "series"> {
  metrics: MetricSpec[];
}

/** Distinct hues for however many cores there are. */
function coreColor(index: number, cores: number): string {
  return `hsl(${Math.round((index * 360) / Math.max(cores, 1))} 65% 50%)`;
}

/** The host page's charts for a host with `cores` logical cores. */
export function chartSpecs(cores: number): ChartSpec[] {
  const perCore: MetricSpec[] = Array.from({ length: cores }, (_, n) => ({
    metric: `cpu.per_core[${n}].total`,
    label: `core ${n}`,
    color: coreColor(n, cores),
    live: (s) => s.cpu.per_core[n]?.total ?? null,
  }));
  return [
    {
      id: "cpu",
      title: "CPU",
      unit: "percent",
      metrics: [
        { metric: "cpu.total", label: "total", color: "var(--c1)", live: (s) => s.cpu.total },
        { metric: "cpu.user", label: "user", color: "var(--c2)", live: (s) => s.cpu.user },
        { metric: "cpu.system", label: "system", color: "var(--c3)", live: (s) => s.cpu.system },
        { metric: "cpu.iowait", label: "iowait", color: "var(--c4)", live: (s) => s.cpu.iowait },
      ],
    },
    { id: "cores", title: "CPU per core", unit: "percent", legend: cores <= 16, metrics: perCore },
    {
      id: "memory",
      title: "Memory and swap",
      unit: "percent",
      metrics: [
        { metric: "memory.percent", label: "memory", color: "var(--c1)", live: (s) => s.memory.percent },
        { metric: "memory.swap.percent", label: "swap", color: "var(--c5)", live: (s) => s.memory.swap.percent },
      ],
    },
    {
      id: "load",
      title: "Load average",
      unit: "load",
      metrics: [
        { metric: "load.min1", label: "1 min", color: "var(--c1)", live: (s) => s.load.min1 },
        { metric: "load.min5", label: "5 min", color: "var(--c2)", live: (s) => s.load.min5 },
        { metric: "load.min15", label: "15 min", color: "var(--c3)", live: (s) => s.load.min15 },
      ],
    },
    {
      id: "network",
      title: "Network",
      unit: "bitRate",
      metrics: [
        { metric: "network.bytes_recv_rate", label: "in", color: "var(--c1)", live: (s) => s.network.bytes_recv_rate },
        { metric: "network.bytes_sent_rate", label: "out", color: "var(--c3)", live: (s) => s.network.bytes_sent_rate },
      ],
    },
    {
      id: "disk",
      title: "Disk I/O",
      unit: "bytesRate",
      metrics: [
        { metric: "disk.read_bytes_rate", label: "read", color: "var(--c1)", live: (s) => s.disk.read_bytes_rate },
        { metric: "disk.write_bytes_rate", label: "write", color: "var(--c3)", live: (s) => s.disk.write_bytes_rate },
      ],
    },
  ];
}
