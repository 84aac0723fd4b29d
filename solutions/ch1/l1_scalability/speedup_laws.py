"""Kata 1.1.1: Amdahl's and Gustafson's laws."""

from __future__ import annotations

import math


def _validate(parallel_fraction: float, workers: int | None = None) -> None:
    # Reject bad input loudly: a fraction of 1.2 is a bug upstream, and a silently
    # computed "speedup" from it would end up in a capacity plan.
    # (NaN fails both comparisons, so it is rejected too.)
    if not 0.0 <= parallel_fraction <= 1.0:
        raise ValueError(f"parallel_fraction must be within [0, 1], got {parallel_fraction}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")


def amdahl_speedup(parallel_fraction: float, workers: int) -> float:
    """Speedup of a FIXED-size job when its parallel part is spread over `workers`.

    Raise ValueError for a fraction outside [0, 1] or fewer than one worker.
    """
    _validate(parallel_fraction, workers)
    # Time on one worker is 1 (serial part s plus parallel part p); on n workers the
    # serial part still takes s while the parallel part takes p / n.
    serial = 1.0 - parallel_fraction
    return 1.0 / (serial + parallel_fraction / workers)


def amdahl_ceiling(parallel_fraction: float) -> float:
    """The speedup Amdahl's law approaches with unlimited workers (math.inf if fully parallel)."""
    _validate(parallel_fraction)
    serial = 1.0 - parallel_fraction
    # The serial part never shrinks, so it bounds the speedup at 1 / s.
    return math.inf if serial == 0 else 1.0 / serial


def gustafson_speedup(parallel_fraction: float, workers: int) -> float:
    """Scaled speedup: the job GROWS with the workers so the wall-clock time stays fixed.

    `parallel_fraction` is the share of the run time spent in parallel work, measured
    on the `workers`-worker run. Raise ValueError as amdahl_speedup does.
    """
    _validate(parallel_fraction, workers)
    # One worker would need s + p*n for the work n workers do in s + p = 1.
    serial = 1.0 - parallel_fraction
    return serial + parallel_fraction * workers
