"""Kata 1.1.2: speedup, parallel efficiency and the Karp-Flatt serial fraction from timings.

Read the lesson README first; `kata hint 1.1.2` gives a nudge when stuck.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from fixtures import KataNotImplemented


def speedups(timings: Mapping[int, float]) -> dict[int, float]:
    """Speedup T(1) / T(n) for every worker count n in `timings` (seconds per run).

    Raise ValueError without a 1-worker run, for a worker count that is not a whole
    number >= 1, or for a time that is not positive and finite."""
    raise KataNotImplemented("1.1.2")


def parallel_efficiency(timings: Mapping[int, float]) -> dict[int, float]:
    """Efficiency speedup(n) / n for every worker count n: 1.0 is perfect scaling."""
    raise KataNotImplemented("1.1.2")


def karp_flatt(speedup: float, workers: int) -> float:
    """Experimentally determined serial fraction e = (1/S - 1/n) / (1 - 1/n).

    Raise ValueError for workers < 2 (one worker tells nothing about the serial part)
    or a non-positive speedup."""
    raise KataNotImplemented("1.1.2")


def fit_serial_fraction(timings: Mapping[int, float]) -> float:
    """Least-squares fit of T(n) = a + b / n to the timings; return a / (a + b), clamped to [0, 1].

    When the fitted one-worker time a + b is not positive (runs that slow down with
    more workers faster than any serial part explains), return 1.0: it is all overhead.
    Needs at least two distinct worker counts."""
    raise KataNotImplemented("1.1.2")
