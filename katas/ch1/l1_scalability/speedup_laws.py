"""Kata 1.1.1: Amdahl's and Gustafson's laws.

Read the lesson README first; `kata hint 1.1.1` gives a nudge when stuck.
"""

from __future__ import annotations

import math

from fixtures import KataNotImplemented


def amdahl_speedup(parallel_fraction: float, workers: int) -> float:
    """Speedup of a FIXED-size job when its parallel part is spread over `workers`.

    Raise ValueError for a fraction outside [0, 1] or fewer than one worker."""
    raise KataNotImplemented("1.1.1")


def amdahl_ceiling(parallel_fraction: float) -> float:
    """The speedup Amdahl's law approaches with unlimited workers (math.inf if fully parallel)."""
    raise KataNotImplemented("1.1.1")


def gustafson_speedup(parallel_fraction: float, workers: int) -> float:
    """Scaled speedup: the job GROWS with the workers so the wall-clock time stays fixed.

    `parallel_fraction` is the share of the run time spent in parallel work, measured
    on the `workers`-worker run. Raise ValueError as amdahl_speedup does."""
    raise KataNotImplemented("1.1.1")
