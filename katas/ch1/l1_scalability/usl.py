"""Kata 1.1.5: the Universal Scalability Law - when more nodes make a system slower.

Read the lesson README first; `kata hint 1.1.5` gives a nudge when stuck.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from fixtures import KataNotImplemented


def usl_throughput(workers: int, sigma: float, kappa: float, single: float) -> float:
    """Throughput X(n) = single * n / (1 + sigma (n - 1) + kappa n (n - 1)).

    sigma: contention (queueing for a shared resource), kappa: coherency (pairwise
    coordination), single: throughput of one worker. ValueError for workers < 1,
    negative coefficients or a non-positive single."""
    raise KataNotImplemented("1.1.5")


def peak_workers(sigma: float, kappa: float) -> int | None:
    """The worker count with the highest throughput, or None when throughput never
    peaks (kappa == 0). ValueError for a negative coefficient."""
    raise KataNotImplemented("1.1.5")


def fit_usl(throughputs: Mapping[int, float]) -> tuple[float, float]:
    """Fit (sigma, kappa) to measured throughput by worker count (needs n = 1 and two others).

    Coefficients are clamped at 0. ValueError without the 1-worker throughput or with
    fewer than two other worker counts."""
    raise KataNotImplemented("1.1.5")
