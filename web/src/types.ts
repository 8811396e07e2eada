// The shapes of hostwatch's native API, as far as the dashboard reads them.
// src/hostwatch/model.py and src/hostwatch/api/shapes.py are the source of truth;
// units follow the model: bytes, bytes/s, percent 0-100, Unix seconds, seconds.

export interface HostSummary {
  time: number;
  cpu: number;
  cores: number;
  memory: number;
  swap: number;
  load1: number;
  disk: number;
  disk_read_rate: number;
  disk_write_rate: number;
  net_recv_rate: number;
  net_sent_rate: number;
  processes: number;
  uptime: number;
}

export interface Host {
  id: number;
  agent_id: string;
  name: string;
  tags: string[];
  local: boolean;
  online: boolean;
  first_seen: number;
  last_seen: number;
  address: string;
  version: string;
  interval: number;
  health: number;
  summary: HostSummary | null;
}

export interface HostsDocument {
  hosts: Host[];
}

export interface SystemInfo {
  hostname: string;
  os_name: string;
  distro: string;
  kernel: string;
  arch: string;
  bits: number;
  cpu_model: string;
  cpu_physical_cores: number;
  cpu_logical_cores: number;
  cpu_freq_max_mhz: number;
  cpu_freq_current_mhz: number;
  boot_time: number;
  uptime: number;
  virtualization: string;
  agent_version: string;
}

export interface CpuTimes {
  total: number;
  user: number;
  system: number;
  idle: number;
  iowait: number;
}

export interface CoreUsage extends CpuTimes {
  number: number;
}

export interface CpuStats extends CpuTimes {
  cores: number;
  per_core: CoreUsage[];
}

export interface LoadAverage {
  min1: number;
  min5: number;
  min15: number;
  cores: number;
}

export interface MemoryStats {
  total: number;
  available: number;
  percent: number;
  used: number;
  swap: { total: number; used: number; percent: number };
}

export interface Filesystem {
  device: string;
  mount_point: string;
  fs_type: string;
  size: number;
  used: number;
  free: number;
  percent: number;
}

export interface DiskStats {
  filesystems: Filesystem[];
  read_bytes_rate: number;
  write_bytes_rate: number;
}

export interface NetInterface {
  name: string;
  is_loopback: boolean;
  is_up: boolean;
  ipv4: string[];
}

export interface NetworkStats {
  interfaces: NetInterface[];
  route: { interface: string; address: string; cidr: number; gateway: string };
  bytes_recv_rate: number;
  bytes_sent_rate: number;
  tcp_count: number;
  udp_count: number;
}

export interface ProcessRow {
  pid: number;
  ppid: number;
  name: string;
  user: string;
  cpu_percent: number;
  mem_percent: number;
  rss: number;
  status: string;
  command: string;
  threads: number;
  nice: number;
  uptime: number;
  started_at_unix: number;
}

export interface ProcessesDocument {
  total: number;
  list: ProcessRow[];
}

export interface HealthWarning {
  level: "warning" | "critical";
  code: string;
  message: string;
  subject: string;
}

export interface Health {
  score: number;
  warnings: HealthWarning[];
}

export interface Sensor {
  label: string;
  kind: "temperature" | "fan" | "battery" | string;
  value: number;
  unit: string;
  chip: string;
  high: number | null;
  critical: number | null;
}

export interface Gpu {
  index: number;
  name: string;
  proc_percent: number | null;
  mem_percent: number | null;
  mem_used: number | null;
  mem_total: number | null;
  temperature: number | null;
  power_watts: number | null;
}

/** `/ws` and `/api/v1/snapshot`: one host's latest figures. */
export interface Snapshot {
  time: number;
  seq: number;
  interval: number;
  host: { id: number; name: string };
  system: SystemInfo;
  cpu: CpuStats;
  memory: MemoryStats;
  disk: DiskStats;
  network: NetworkStats;
  load: LoadAverage;
  processes: { total: number; running: number; sleeping: number; threads: number };
  health: Health;
  sensors: Sensor[];
  gpus: Gpu[];
}

export interface HistorySeries {
  metric: string;
  unit: string;
  times: number[];
  values: (number | null)[];
  min?: (number | null)[];
  max?: (number | null)[];
}

/** `/api/v1/history`: averaged buckets of the named metrics over a range. */
export interface HistoryDocument {
  host: { id: number; name: string };
  from: number;
  to: number;
  tier: string;
  step: number;
  series: HistorySeries[];
}

/** `/api/v1/events`: one alert period of a host, in Glances' terms. */
export interface AlertEvent {
  type: string;
  /** The worst level reached while it was open. */
  state: "CAREFUL" | "WARNING" | "CRITICAL" | string;
  begin: number;
  /** Null while the event is ongoing. */
  end: number | null;
  ongoing: boolean;
  min: number;
  avg: number;
  max: number;
  count: number;
  message: string;
  /** The busiest processes by the figure that alerted. */
  top: string[];
}

export interface EventsDocument {
  host: { id: number; name: string };
  events: AlertEvent[];
}

export interface HostRef {
  id: number;
  name: string;
}

/** `/api/v1/monitors`: a service monitor's spec, who runs it, and its latest results. */
export interface Monitor {
  id: number;
  name: string;
  kind: "icmp" | "tcp" | "http" | string;
  target: string;
  port: number;
  expected_status: number;
  interval: number;
  timeout: number;
  enabled: boolean;
  source: "config" | "api";
  read_only: boolean;
  run_by: HostRef[];
  /** Null until the first probe. */
  up: boolean | null;
  delay_ms: number | null;
  checked_at: number | null;
  error: string;
  last_error: { host_id: number; time: number; error: string } | null;
  results: { host: HostRef; up: boolean; delay_ms: number | null; checked_at: number; error: string; fallback: boolean }[];
}

export interface MonitorsDocument {
  monitors: Monitor[];
}

/** `/api/v1/monitors/{id}/history`: delays (ms) and the share of probes up, per point. */
export interface MonitorHistory {
  from: number;
  to: number;
  step: number;
  delay: { times: number[]; values: (number | null)[] };
  up: { times: number[]; values: (number | null)[] };
  failures: number[];
  /** Share of probes up over the range (0-1); null without probes. */
  availability: number | null;
}
