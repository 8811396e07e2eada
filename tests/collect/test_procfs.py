"""The small /proc readers: files that are absent give their declared empty values."""

# The kernel tables below are reproduced verbatim, full width.
# ruff: noqa: E501

from __future__ import annotations

from pathlib import Path

from hostwatch.collect import procfs

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:4E35 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0
   2: 0100007F:4E35 0100007F:A3C2 01 00000000:00000000 00:00000000 00000000  1000        0 22334 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:A3C2 0100007F:4E35 01 00000000:00000000 00:00000000 00000000  1000        0 22335 1 0000000000000000 20 4 30 10 -1
   4: 0F02000A:0016 0202000A:D2C4 06 00000000:00000000 03:00000F2B 00000000     0        0 0 3 0000000000000000
   5: 0F02000A:9C40 5DB8D8A2:01BB 08 00000001:00000000 00:00000000 00000000  1000        0 44556 1 0000000000000000 20 4 0 10 -1
"""

TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12346 1 0000000000000000 100 0 0 10 0
   1: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:C350 FF 00000000:00000000 00:00000000 00000000     0        0 5 1 0000000000000000 100 0 0 10 0
"""

ROUTE = """\
Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t0000A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0
eth0\t00000000\t0101A8C0\t0003\t0\t0\t100\t00000000\t0\t0\t0
wlan0\t00000000\tFE01000A\t0003\t0\t0\t600\t00000000\t0\t0\t0
docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0
"""


def test_tcp_states_counts_each_kernel_state_code_by_name(tmp_path: Path) -> None:
    """The `st` column is named as the kernel's enum (0A LISTEN, 01 ESTABLISHED ...), v4 and v6 added up."""
    tcp, tcp6 = tmp_path / "tcp", tmp_path / "tcp6"
    tcp.write_text(TCP)
    tcp6.write_text(TCP6)
    assert procfs.tcp_states((str(tcp), str(tcp6))) == {
        "LISTEN": 3,
        "ESTABLISHED": 2,
        "TIME_WAIT": 1,
        "CLOSE_WAIT": 1,
        "UNKNOWN": 1,
    }


def test_tcp_states_of_an_empty_table_is_empty_but_not_none(tmp_path: Path) -> None:
    """A table with only its header means no sockets ({}), which differs from no table at all (None)."""
    tcp = tmp_path / "tcp"
    tcp.write_text(TCP.splitlines(keepends=True)[0])
    assert procfs.tcp_states((str(tcp),)) == {}
    assert procfs.tcp_states((str(tmp_path / "missing"),)) is None


def test_count_socket_lines_skips_the_header(tmp_path: Path) -> None:
    """Sockets are the lines after the header; a missing or empty table counts 0."""
    udp = tmp_path / "udp"
    udp.write_text(TCP)
    assert procfs.count_socket_lines(udp) == 6
    (tmp_path / "empty").write_text("")
    assert procfs.count_socket_lines(tmp_path / "empty") == 0
    assert procfs.count_socket_lines(tmp_path / "missing") == 0


def test_default_gateways_decodes_little_endian_hex(tmp_path: Path) -> None:
    """Only 0.0.0.0/0 routes count, and the kernel's little-endian hex gateway reads as a dotted address."""
    route = tmp_path / "route"
    route.write_text(ROUTE)
    assert procfs.default_gateways(str(route)) == {"eth0": "192.168.1.1", "wlan0": "10.0.1.254"}


def test_default_gateways_without_a_table_is_empty(tmp_path: Path) -> None:
    """No routing table (another OS) means no gateways, not an error."""
    assert procfs.default_gateways(str(tmp_path / "missing")) == {}


def test_read_int_and_read_text_give_none_for_absent_or_garbled_files(tmp_path: Path) -> None:
    """Integers are parsed with surrounding whitespace; anything else is None."""
    (tmp_path / "n").write_text(" 4194304\n")
    (tmp_path / "bad").write_text("many\n")
    assert procfs.read_int(tmp_path / "n") == 4194304
    assert procfs.read_int(tmp_path / "bad") is None
    assert procfs.read_int(tmp_path / "missing") is None
    assert procfs.read_text(tmp_path) is None  # a directory
    assert procfs.read_text(tmp_path / "n" / "below-a-file") is None


def test_pid_max_is_read_from_the_kernel() -> None:
    """read_int gives the same number the kernel writes in /proc/sys/kernel/pid_max."""
    expected = int(Path("/proc/sys/kernel/pid_max").read_text().strip())
    assert procfs.read_int("/proc/sys/kernel/pid_max") == expected


def test_default_gateways_prefer_the_lowest_metric_and_allow_no_gateway(tmp_path: Path) -> None:
    """The lowest-metric default route comes first; a point-to-point default route has no gateway."""
    route = tmp_path / "route"
    route.write_text(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "eth0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
        "wg0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\t0\t0\t0\n"
    )
    assert list(procfs.default_gateways(str(route)).items()) == [("wg0", ""), ("eth0", "192.168.1.1")]
