"""Software RAID arrays parsed from /proc/mdstat."""

from __future__ import annotations

from pathlib import Path

from hostwatch.collect.raid import RaidSource, parse_mdstat
from hostwatch.model import RaidArray

HEALTHY_RAID1 = """\
Personalities : [raid1] [linear] [multipath] [raid0] [raid6] [raid5] [raid4] [raid10]
md0 : active raid1 sdb1[1] sda1[0]
      976630464 blocks super 1.2 [2/2] [UU]
      bitmap: 1/8 pages [4KB], 65536KB chunk

unused devices: <none>
"""

DEGRADED_RAID5_RECOVERING = """\
Personalities : [raid6] [raid5] [raid4]
md1 : active raid5 sdd1[3](F) sde1[4] sdc1[1] sdb1[0]
      1953260544 blocks super 1.2 level 5, 512k chunk, algorithm 2 [3/2] [UU_]
      [=>...................]  recovery =  7.4% (72345600/976630272) finish=84.2min speed=178950K/sec
      bitmap: 2/8 pages [8KB], 65536KB chunk

unused devices: <none>
"""

INACTIVE = """\
Personalities :
md127 : inactive sdb[1](S) sda[0](S)
      3906764976 blocks super 1.2

unused devices: <none>
"""

SEVERAL = """\
Personalities : [raid1] [raid0]
md2 : active (auto-read-only) raid1 nvme1n1p2[1] nvme0n1p2[0]
      523264 blocks super 1.2 [2/2] [UU]

md3 : active raid0 sdf[1] sdg[0]
      1953260544 blocks super 1.2 512k chunks

unused devices: <none>
"""


def test_healthy_raid1_has_both_members_working() -> None:
    """A clean mirror: level, both members with their roles, 2 of 2 working, map `UU`."""
    assert parse_mdstat(HEALTHY_RAID1) == [
        RaidArray(
            name="md0",
            status="active",
            level="raid1",
            components={"sdb1": "1", "sda1": "0"},
            used=2,
            available=2,
            config="UU",
        )
    ]


def test_degraded_raid5_reports_the_missing_member() -> None:
    """A degraded array has fewer working than expected members, and `_` marks the gap.

    The recovery progress bar is not mistaken for the member map, and the failed (F)
    and spare members are still listed as components.
    """
    [array] = parse_mdstat(DEGRADED_RAID5_RECOVERING)
    assert (array.name, array.status, array.level) == ("md1", "active", "raid5")
    assert (array.available, array.used, array.config) == (3, 2, "UU_")
    assert array.components == {"sdd1": "3", "sde1": "4", "sdc1": "1", "sdb1": "0"}


def test_inactive_array_keeps_its_status_and_members() -> None:
    """An assembled but inactive array has no level line; its members are still named."""
    [array] = parse_mdstat(INACTIVE)
    assert array.name == "md127"
    assert array.status == "inactive"
    assert array.level == ""
    assert array.components == {"sdb": "1", "sda": "0"}
    assert array.config == ""


def test_several_arrays_and_a_parenthesised_mode_are_parsed() -> None:
    """Each array line starts a new record; `(auto-read-only)` does not hide the level."""
    arrays = parse_mdstat(SEVERAL)
    assert [(a.name, a.level, a.used, a.available) for a in arrays] == [
        ("md2", "raid1", 2, 2),
        ("md3", "raid0", 2, 2),
    ]
    assert arrays[0].components == {"nvme1n1p2": "1", "nvme0n1p2": "0"}


def test_no_arrays_gives_an_empty_list() -> None:
    """A kernel with the md driver but no arrays lists none."""
    assert parse_mdstat("Personalities : \nunused devices: <none>\n") == []
    assert parse_mdstat("") == []


def test_raid_source_on_this_host_matches_the_kernel_table() -> None:
    """The source reports RaidArray records; with no /proc/mdstat (no md driver) it is the empty list."""
    arrays = RaidSource().sample(0.0)
    assert isinstance(arrays, list)
    assert all(isinstance(a, RaidArray) for a in arrays)
    mdstat = Path("/proc/mdstat")
    if not mdstat.exists():
        assert arrays == RaidSource().empty() == []
    else:
        assert arrays == parse_mdstat(mdstat.read_text())


def test_an_inactive_array_has_no_working_members() -> None:
    """An inactive array of spares lists its members but counts none of them as working."""
    (array,) = parse_mdstat(INACTIVE)
    assert array.status == "inactive"
    assert array.available == 2
    assert array.used == 0
