"""CPU and memory of processes, read from ``/proc`` (Linux only).

CPU is ``utime + stime`` (fields 14 and 15 of ``/proc/<pid>/stat``), in clock ticks, turned into
seconds; memory is ``VmRSS`` from ``/proc/<pid>/status``. A process that has exited reads as
zero CPU and no memory, so a sample never fails a run.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["CpuSnapshot", "cpu_seconds", "find_pids", "rss_kib", "snapshot"]

_TICK = os.sysconf("SC_CLK_TCK")

#: group name -> pids of that group
Groups = Mapping[str, Iterable[int]]
#: group name -> CPU seconds used so far by its processes
CpuSnapshot = dict[str, float]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` since it started, in seconds."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    # The command name (field 2) may hold spaces and parentheses: split after its last ")".
    fields = raw[raw.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


def rss_kib(pid: int) -> int | None:
    """Resident set size of ``pid`` in KiB, or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def find_pids(comm: str) -> list[int]:
    """Pids whose command name (``/proc/<pid>/comm``) is exactly ``comm``: read-only lookup."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == comm:
                found.append(int(entry.name))
        except OSError:
            continue
    return sorted(found)


def snapshot(groups: Groups) -> CpuSnapshot:
    """CPU seconds used so far, summed per group."""
    return {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in groups.items()}
