"""Kata 1.1.2: speedup, parallel efficiency and the Karp-Flatt serial fraction from timings."""

from __future__ import annotations

import math
from collections.abc import Mapping


def _validated(timings: Mapping[int, float]) -> dict[int, float]:
    for workers, seconds in timings.items():
        if not isinstance(workers, int) or workers < 1:
            raise ValueError(f"worker counts must be positive ints, got {workers!r}")
        if not seconds > 0 or math.isinf(seconds):
            raise ValueError(f"timings must be positive and finite, got {seconds!r} for {workers} workers")
    if 1 not in timings:
        # Speedup is relative to one worker; guessing a baseline hides the
        # most important number in the table.
        raise ValueError("timings need a 1-worker run: speedup is measured against it")
    return dict(timings)


def speedups(timings: Mapping[int, float]) -> dict[int, float]:
    """Speedup T(1) / T(n) for every worker count n in `timings` (seconds per run).

    Raise ValueError without a 1-worker run, for a worker count that is not a whole
    number >= 1, or for a time that is not positive and finite.
    """
    t = _validated(timings)
    return {n: t[1] / seconds for n, seconds in sorted(t.items())}


def parallel_efficiency(timings: Mapping[int, float]) -> dict[int, float]:
    """Efficiency speedup(n) / n for every worker count n: 1.0 is perfect scaling."""
    return {n: s / n for n, s in speedups(timings).items()}


def karp_flatt(speedup: float, workers: int) -> float:
    """Experimentally determined serial fraction e = (1/S - 1/n) / (1 - 1/n).

    Raise ValueError for workers < 2 (one worker tells nothing about the serial part)
    or a non-positive speedup.
    """
    if workers < 2:
        raise ValueError(f"Karp-Flatt needs at least 2 workers, got {workers!r}")
    if not speedup > 0:
        raise ValueError(f"speedup must be positive, got {speedup!r}")
    # Amdahl solved for the serial fraction: if the metric rises with n, the loss is
    # overhead (communication, coordination) rather than a fixed serial part.
    return (1.0 / speedup - 1.0 / workers) / (1.0 - 1.0 / workers)


def fit_serial_fraction(timings: Mapping[int, float]) -> float:
    """Least-squares fit of T(n) = a + b / n to the timings; return a / (a + b), clamped to [0, 1].

    When the fitted one-worker time a + b is not positive (runs that slow down with
    more workers faster than any serial part explains), return 1.0: it is all overhead.
    Needs at least two distinct worker counts.
    """
    t = _validated(timings)
    if len(t) < 2:
        raise ValueError("fitting needs timings for at least two worker counts")
    # Linear in x = 1/n: ordinary least squares with an intercept. Every run
    # contributes, so one noisy measurement cannot dominate as it does in a
    # point-by-point Karp-Flatt table.
    xs = [1.0 / n for n in t]
    ys = list(t.values())
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    sxx = sum((x - mean_x) ** 2 for x in xs)
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys))
    b = sxy / sxx
    a = mean_y - b * mean_x
    total = a + b
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, a / total))
