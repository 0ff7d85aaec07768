"""Timing that holds up on a shared machine: interleaved repeats, load recorded.

Two ways of doing the same work are timed in turns (A, B, A, B, ...), so a
change in the machine's speed during the run (other work on the cores, clock
changes) falls on both alike; each is repeated at least three times; the
report gives the minimum (the least disturbed run) and the spread, and the
load average before and after, so a reader can tell a quiet run from a busy
one.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, e.g. "0.12 0.30 0.41"."""
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


@dataclass
class Timings:
    """Wall times per side, and the last result of each."""

    seconds: dict[str, list[float]]
    results: dict[str, Any]
    load_before: str
    load_after: str

    def best(self, name: str) -> float:
        return min(self.seconds[name])

    def spread(self, name: str) -> float:
        """(max - min) / min of one side's times."""
        times = self.seconds[name]
        return (max(times) - min(times)) / min(times)

    def row(self, name: str, baseline: str | None = None) -> str:
        times = ", ".join(f"{t:.2f}" for t in self.seconds[name])
        text = (
            f"{name}: min {self.best(name):.2f} s, spread {self.spread(name):.0%} "
            f"({times})"
        )
        if baseline is not None and baseline != name:
            text += f"; {self.best(baseline) / self.best(name):.2f}× {baseline}"
        return text


def interleaved(
    sides: dict[str, Callable[[], Any]], repeats: int = 3, warm_up: bool = True
) -> Timings:
    """Time each side `repeats` times, in turns, after one untimed warm-up each.

    Args:
        sides: Name → a function doing that side's whole work.
        repeats: Timed runs per side (at least 3).
        warm_up: Run each side once untimed first (tracing, caches).

    Returns:
        The times, the last results and the load averages around the runs.
    """
    if repeats < 3:
        raise ValueError(f"repeats={repeats!r}: time each side at least 3 times")
    if warm_up:
        for function in sides.values():
            function()
    before = load_average()
    seconds: dict[str, list[float]] = {name: [] for name in sides}
    results: dict[str, Any] = {}
    for _ in range(repeats):
        for name, function in sides.items():
            start = time.perf_counter()
            results[name] = function()
            seconds[name].append(time.perf_counter() - start)
    return Timings(seconds, results, before, load_average())
