"""The canonical snapshot: the one schema every hostwatch surface is derived from.

A `Snapshot` is what a collector produces for one host at one instant, and what
an agent pushes to a hub. Every API shape (native, vminfo, Glances, Nezha,
TurboCore, Pulse) is a translation of it; nothing else describes a host.

Units, unless a field says otherwise:

- sizes and counters of data are **bytes**; data rates are **bytes per second**;
- event rates (`*_rate`) are **per second**, computed from counter deltas over a
  monotonic clock; cumulative counters (`*_total` or the plain psutil name) are
  the kernel's own running totals since boot;
- percentages are **0-100** (a process may exceed 100 on several cores);
- times of day are **Unix seconds** (float, UTC); durations are **seconds**;
- frequencies are **MHz**, temperatures **degrees Celsius**, fans **RPM**.

A source this host lacks is an empty list or a `None`, never a guess.
"""

from __future__ import annotations

from typing import Any

import msgspec

SCHEMA_VERSION = 1

# psutil's process status names, mapped to the one-letter codes of ps(1) and
# /proc/PID/stat that vminfo and Glances show.
STATUS_LETTERS: dict[str, str] = {
    "running": "R",
    "sleeping": "S",
    "disk-sleep": "D",
    "stopped": "T",
    "tracing-stop": "t",
    "zombie": "Z",
    "dead": "X",
    "wake-kill": "K",
    "waking": "W",
    "idle": "I",
    "locked": "L",
    "waiting": "W",
    "parked": "P",
}


class Struct(msgspec.Struct, kw_only=True, omit_defaults=False, gc=False):
    """Base of every model record: keyword-only, encoded with all fields.

    Records never refer back to their owners, so they cannot form cycles and
    are kept out of the garbage collector (`gc=False`): a snapshot makes
    thousands of them a second, and tracking them only fed needless collections.
    """


class SystemInfo(Struct):
    """Facts about the host that change rarely."""

    hostname: str = ""
    os_name: str = ""
    """Kernel family as `platform.system()` names it: Linux, Darwin, Windows."""
    distro: str = ""
    """Distribution's pretty name, e.g. `Debian GNU/Linux 12 (bookworm)`."""
    distro_id: str = ""
    """os-release ID, e.g. `debian`."""
    distro_version: str = ""
    kernel: str = ""
    """Kernel release, e.g. `6.1.0-18-amd64`."""
    arch: str = ""
    """Machine architecture, e.g. `x86_64`, `aarch64`."""
    bits: int = 0
    """32 or 64."""
    cpu_model: str = ""
    cpu_physical_cores: int = 0
    cpu_logical_cores: int = 0
    cpu_freq_max_mhz: float = 0.0
    cpu_freq_current_mhz: float = 0.0
    boot_time: float = 0.0
    """Unix seconds."""
    uptime: float = 0.0
    """Seconds since boot."""
    virtualization: str = ""
    """Hypervisor or container technology when detectable (`kvm`, `docker`, ...), else ``."""
    agent_version: str = ""
    psutil_version: str = ""


class CpuTimesPercent(Struct):
    """Share of CPU time per state over the last interval, in percent."""

    total: float = 0.0
    """Busy share: 100 less idle and iowait."""
    user: float = 0.0
    system: float = 0.0
    idle: float = 0.0
    iowait: float = 0.0
    irq: float = 0.0
    softirq: float = 0.0
    nice: float = 0.0
    steal: float = 0.0
    guest: float = 0.0
    guest_nice: float = 0.0


class CoreUsage(CpuTimesPercent):
    """One logical core's breakdown; `number` counts from 0."""

    number: int = 0


class CpuStats(CpuTimesPercent):
    """Whole-machine CPU usage, kernel event counters, and each core."""

    cores: int = 0
    """Logical cores."""
    ctx_switches: int = 0
    """Cumulative context switches since boot."""
    ctx_switches_rate: float = 0.0
    interrupts: int = 0
    interrupts_rate: float = 0.0
    soft_interrupts: int = 0
    soft_interrupts_rate: float = 0.0
    syscalls: int = 0
    """Always 0 on Linux, where the kernel does not count system calls."""
    syscalls_rate: float = 0.0
    per_core: list[CoreUsage] = []
    time_since_update: float = 0.0
    """Seconds covered by the rates and percentages."""


class LoadAverage(Struct):
    """Run-queue load averages, with the core count to scale them by."""

    min1: float = 0.0
    min5: float = 0.0
    min15: float = 0.0
    cores: int = 0


class SwapStats(Struct):
    """Swap space; `sin`/`sout` are cumulative bytes swapped in and out."""

    total: int = 0
    used: int = 0
    free: int = 0
    percent: float = 0.0
    sin: int = 0
    sout: int = 0
    sin_rate: float = 0.0
    sout_rate: float = 0.0


class MemoryStats(Struct):
    """Physical memory as the kernel reports it, with swap nested."""

    total: int = 0
    available: int = 0
    percent: float = 0.0
    """Used share: (total - available) / total."""
    used: int = 0
    free: int = 0
    active: int = 0
    inactive: int = 0
    buffers: int = 0
    cached: int = 0
    shared: int = 0
    swap: SwapStats = msgspec.field(default_factory=SwapStats)


class Filesystem(Struct):
    """One mounted, real file system."""

    device: str
    mount_point: str
    fs_type: str = ""
    options: str = ""
    size: int = 0
    used: int = 0
    free: int = 0
    """Free to unprivileged users."""
    percent: float = 0.0
    """Used share as df(1) computes it: used / (used + free)."""


class DiskIO(Struct):
    """One block device's I/O counters (cumulative) and their per-second rates."""

    name: str
    read_count: int = 0
    write_count: int = 0
    read_bytes: int = 0
    write_bytes: int = 0
    read_time: int = 0
    """Cumulative milliseconds spent reading."""
    write_time: int = 0
    busy_time: int = 0
    """Cumulative milliseconds the device was busy."""
    read_count_rate: float = 0.0
    write_count_rate: float = 0.0
    read_bytes_rate: float = 0.0
    write_bytes_rate: float = 0.0
    read_time_rate: float = 0.0
    """Milliseconds of reading per second."""
    write_time_rate: float = 0.0
    busy_percent: float = 0.0
    """Share of the interval the device was busy."""


class DiskStats(Struct):
    """File systems and block devices; the `*_rate` totals sum the devices."""

    filesystems: list[Filesystem] = []
    io: list[DiskIO] = []
    read_bytes_rate: float = 0.0
    write_bytes_rate: float = 0.0
    time_since_update: float = 0.0


class NetInterface(Struct):
    """One network interface's counters (cumulative), rates and link facts."""

    name: str
    bytes_recv: int = 0
    bytes_sent: int = 0
    packets_recv: int = 0
    packets_sent: int = 0
    errin: int = 0
    errout: int = 0
    dropin: int = 0
    dropout: int = 0
    bytes_recv_rate: float = 0.0
    bytes_sent_rate: float = 0.0
    packets_recv_rate: float = 0.0
    packets_sent_rate: float = 0.0
    errin_rate: float = 0.0
    errout_rate: float = 0.0
    dropin_rate: float = 0.0
    dropout_rate: float = 0.0
    is_up: bool = False
    speed_mbps: int = 0
    """Link speed in Mbit/s; 0 when the driver does not say."""
    mtu: int = 0
    mac: str = ""
    ipv4: list[str] = []
    ipv6: list[str] = []
    is_loopback: bool = False


class DefaultRoute(Struct):
    """The interface, address and gateway that carry the default route."""

    interface: str = ""
    address: str = ""
    netmask: str = ""
    cidr: int = 0
    gateway: str = ""
    ipv6_address: str = ""


class NetworkStats(Struct):
    """Interfaces, sockets and conntrack; the totals leave out loopback."""

    interfaces: list[NetInterface] = []
    route: DefaultRoute = msgspec.field(default_factory=DefaultRoute)
    bytes_recv_rate: float = 0.0
    bytes_sent_rate: float = 0.0
    bytes_recv: int = 0
    bytes_sent: int = 0
    errors_rate: float = 0.0
    """Receive plus transmit errors per second, all non-loopback interfaces."""
    drops_rate: float = 0.0
    tcp_states: dict[str, int] = {}
    """TCP sockets by state name (`ESTABLISHED`, `LISTEN`, ...), refreshed every 30 s by default."""
    tcp_count: int = 0
    """TCP sockets, TIME_WAIT included, from the kernel's counters."""
    udp_count: int = 0
    """Bound UDP sockets."""
    conntrack_count: int | None = None
    conntrack_max: int | None = None
    time_since_update: float = 0.0


class ProcessMemory(Struct):
    """A process's memory as /proc/PID/statm reports it, in bytes."""

    rss: int = 0
    vms: int = 0
    shared: int = 0
    text: int = 0
    lib: int = 0
    data: int = 0
    dirty: int = 0


class ProcessCpuTimes(Struct):
    """Cumulative CPU seconds of a process and its waited-for children."""

    user: float = 0.0
    system: float = 0.0
    children_user: float = 0.0
    children_system: float = 0.0
    iowait: float = 0.0


class ProcessIO(Struct):
    """Storage I/O of a process: cumulative counters and byte rates."""

    read_count: int = 0
    write_count: int = 0
    read_bytes: int = 0
    write_bytes: int = 0
    read_bytes_rate: float = 0.0
    write_bytes_rate: float = 0.0


class ProcessExtended(Struct):
    """Costlier facts gathered only for processes a client asked to watch closely."""

    num_fds: int | None = None
    """Open file descriptors; None where the kernel refuses to tell."""
    ctx_switches_voluntary: int = 0
    ctx_switches_involuntary: int = 0
    cpu_affinity: list[int] = []
    """CPUs the process may run on."""
    memory_uss: int | None = None
    """Bytes private to the process (would be freed if it exited)."""
    memory_pss: int | None = None
    memory_swap: int | None = None
    ionice_class: int | None = None
    """I/O scheduling class: 0 none, 1 real-time, 2 best-effort, 3 idle."""
    ionice_value: int | None = None
    tcp_connections: int | None = None
    udp_sockets: int | None = None


class ProcessInfo(Struct):
    """One process."""

    pid: int
    ppid: int = 0
    name: str = ""
    cmdline: list[str] = []
    username: str = ""
    status: str = ""
    """psutil's status name; `STATUS_LETTERS` maps it to ps(1)'s letter."""
    nice: int = 0
    num_threads: int = 0
    cpu_percent: float = 0.0
    """Share of one core over the last interval (can exceed 100)."""
    memory_percent: float = 0.0
    memory: ProcessMemory = msgspec.field(default_factory=ProcessMemory)
    cpu_times: ProcessCpuTimes = msgspec.field(default_factory=ProcessCpuTimes)
    io: ProcessIO | None = None
    """None where the kernel refuses to tell (another user's process)."""
    create_time: float = 0.0
    """Unix seconds."""
    extended: ProcessExtended | None = None
    """Only for the processes the hub asked to extend (Glances' `processes/extended/{pid}`)."""


class ProgramInfo(Struct):
    """Processes that share a program name, added up."""

    name: str
    pids: list[int] = []
    count: int = 0
    cpu_percent: float = 0.0
    memory_percent: float = 0.0
    rss: int = 0
    vms: int = 0
    num_threads: int = 0
    username: str = ""
    """The user of the first process; programs run by several users show that one."""
    io_read_bytes_rate: float = 0.0
    io_write_bytes_rate: float = 0.0


class ProcessStats(Struct):
    """Process counts by state, and every process."""

    total: int = 0
    running: int = 0
    sleeping: int = 0
    idle: int = 0
    stopped: int = 0
    zombie: int = 0
    other: int = 0
    threads: int = 0
    pid_max: int = 0
    items: list[ProcessInfo] = msgspec.field(default_factory=list, name="list")
    """Every process; encoded as `list`, vminfo's name for it."""
    programs: list[ProgramInfo] = []
    time_since_update: float = 0.0


class Sensor(Struct):
    """A temperature, fan or battery reading with the hardware's own marks."""

    label: str
    kind: str
    """`temperature`, `fan` or `battery`."""
    value: float
    unit: str
    """`C`, `RPM` or `%`."""
    chip: str = ""
    high: float | None = None
    critical: float | None = None
    plugged: bool | None = None
    """Batteries only: on mains power."""
    secs_left: float | None = None
    """Batteries only: estimated seconds of charge left."""


class Gpu(Struct):
    """One GPU as NVML reports it."""

    index: int
    name: str = ""
    uuid: str = ""
    proc_percent: float | None = None
    mem_percent: float | None = None
    mem_used: int | None = None
    mem_total: int | None = None
    temperature: float | None = None
    fan_percent: float | None = None
    power_watts: float | None = None


class IrqRate(Struct):
    """One interrupt line: cumulative count over all CPUs and its rate."""

    line: str
    total: int = 0
    rate: float = 0.0


class WifiLink(Struct):
    """A wireless interface's link quality from /proc/net/wireless."""

    interface: str
    quality_link: float = 0.0
    quality_level: float = 0.0
    """Signal level in dBm."""
    noise: float = 0.0


class RaidArray(Struct):
    """A software RAID array from /proc/mdstat."""

    name: str
    status: str = ""
    """`active` or `inactive`."""
    level: str = ""
    components: dict[str, str] = {}
    """Member device to its role number."""
    used: int = 0
    """Working members."""
    available: int = 0
    """Members the array is built for."""
    config: str = ""
    """Member state map such as `UU_`."""


class Snapshot(Struct):
    """One host at one instant: what collectors make and agents push."""

    time: float
    """Unix seconds when the collection finished."""
    seq: int = 0
    """Collector's sequence number, increasing by one per snapshot."""
    interval: float = 1.0
    """Seconds between snapshots as configured."""
    system: SystemInfo = msgspec.field(default_factory=SystemInfo)
    cpu: CpuStats = msgspec.field(default_factory=CpuStats)
    load: LoadAverage = msgspec.field(default_factory=LoadAverage)
    memory: MemoryStats = msgspec.field(default_factory=MemoryStats)
    disk: DiskStats = msgspec.field(default_factory=DiskStats)
    network: NetworkStats = msgspec.field(default_factory=NetworkStats)
    processes: ProcessStats = msgspec.field(default_factory=ProcessStats)
    sensors: list[Sensor] = []
    gpus: list[Gpu] = []
    irqs: list[IrqRate] = []
    wifi: list[WifiLink] = []
    raid: list[RaidArray] = []
    schema: int = SCHEMA_VERSION


SECTIONS: tuple[str, ...] = tuple(
    f for f in Snapshot.__struct_fields__ if f not in {"time", "seq", "interval", "schema"}
)
"""Top-level parts of a snapshot that `--only` and per-source refresh name."""


def variant_fields(struct: type[msgspec.Struct], *, leave_out: tuple[str, ...] = (),
                   types: dict[str, Any] | None = None) -> list[tuple[str, Any] | tuple[str, Any, Any]]:
    """`struct`'s fields as `msgspec.defstruct` takes them (encoded names kept), some left out
    or retyped: for decoders that read a snapshot in part, such as without its process rows."""
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for field in msgspec.structs.fields(struct):
        if field.name in leave_out:
            continue
        kind = (types or {}).get(field.name, field.type)
        if field.default is not msgspec.NODEFAULT:
            default = msgspec.field(default=field.default, name=field.encode_name)
        elif field.default_factory is not msgspec.NODEFAULT:
            default = msgspec.field(default_factory=field.default_factory, name=field.encode_name)
        elif field.encode_name != field.name:
            default = msgspec.field(name=field.encode_name)
        else:
            fields.append((field.name, kind))
            continue
        fields.append((field.name, kind, default))
    return fields


def without_process_rows(snapshot: Snapshot) -> Snapshot:
    """`snapshot` with its process counts but not its rows (`processes.list`, `programs`)."""
    processes = snapshot.processes
    if not processes.items and not processes.programs:
        return snapshot
    counts = msgspec.structs.replace(processes, items=[], programs=[])
    return msgspec.structs.replace(snapshot, processes=counts)
