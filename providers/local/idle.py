"""How many of this process's cores sat idle lately, from the kernel's counters (Linux /proc/stat)."""

from __future__ import annotations

import os
from pathlib import Path

STAT = Path("/proc/stat")


class IdleCores:
    """Idle cores (a float: 0.7 = most of one core) between one call and the next, over the cores we may run on."""

    def __init__(self, stat: Path = STAT, cpus: set[int] | None = None):
        self._stat = stat
        self._cpus = cpus if cpus is not None else _allowed_cpus()
        self._last: tuple[int, int] | None = self._read()

    def __call__(self) -> float | None:
        """Idle cores since the previous call (None where the counters cannot be read)."""
        now = self._read()
        last, self._last = self._last, now
        if now is None or last is None or now[1] <= last[1]:
            return None
        idle, total = now[0] - last[0], now[1] - last[1]
        return len(self._cpus) * idle / total

    def _read(self) -> tuple[int, int] | None:
        """(idle, total) clock ticks summed over our cores."""
        try:
            lines = self._stat.read_text().splitlines()
        except OSError:
            return None
        idle = total = 0
        for line in lines:
            name, *fields = line.split()
            if not name.startswith("cpu") or name == "cpu" or int(name[3:]) not in self._cpus:
                continue
            ticks = [int(f) for f in fields[:8]]  # user nice system idle iowait irq softirq steal
            idle += ticks[3] + ticks[4]
            total += sum(ticks)
        return (idle, total) if total else None


def _allowed_cpus() -> set[int]:
    try:
        return set(os.sched_getaffinity(0))
    except AttributeError:  # not Linux: no /proc/stat either
        return set(range(os.cpu_count() or 1))
