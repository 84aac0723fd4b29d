"""Kata 1.1.5: the Universal Scalability Law - when more nodes make a system slower."""

from __future__ import annotations

import math
from collections.abc import Mapping


def usl_throughput(workers: int, sigma: float, kappa: float, single: float) -> float:
    """Throughput X(n) = single * n / (1 + sigma (n - 1) + kappa n (n - 1)).

    sigma: contention (queueing for a shared resource), kappa: coherency (pairwise
    coordination), single: throughput of one worker. ValueError for workers < 1,
    negative coefficients or a non-positive single.
    """
    if workers < 1:
        raise ValueError(f"workers must be a positive int, got {workers!r}")
    if sigma < 0 or kappa < 0 or not single > 0:
        raise ValueError("sigma and kappa must be >= 0 and single > 0")
    n = workers
    # Contention grows linearly with n; coherency (every worker talking to every
    # other) grows with n^2 and is what makes the curve turn down.
    return single * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def peak_workers(sigma: float, kappa: float) -> int | None:
    """The worker count with the highest throughput, or None when throughput never
    peaks (kappa == 0). ValueError for a negative coefficient."""
    if sigma < 0 or kappa < 0:
        raise ValueError("sigma and kappa must be >= 0")
    if kappa == 0:
        return None
    # Calculus gives the real optimum sqrt((1 - sigma) / kappa); the best whole
    # number of workers is one of its two integer neighbours.
    real = math.sqrt(max(0.0, 1.0 - sigma) / kappa)
    candidates = {max(1, math.floor(real)), max(1, math.ceil(real))}
    return max(sorted(candidates), key=lambda n: usl_throughput(n, sigma, kappa, 1.0))


def fit_usl(throughputs: Mapping[int, float]) -> tuple[float, float]:
    """Fit (sigma, kappa) to measured throughput by worker count (needs n = 1 and two others).

    Coefficients are clamped at 0. ValueError without the 1-worker throughput or with
    fewer than two other worker counts.
    """
    if 1 not in throughputs or len(throughputs) < 3:
        raise ValueError("need the 1-worker throughput and at least two other worker counts")
    single = throughputs[1]
    # Linearise: n * X(1) / X(n) - 1 = sigma (n - 1) + kappa n (n - 1). A least-squares
    # fit through the origin in two unknowns: solve the 2x2 normal equations.
    rows = [(n - 1, n * (n - 1), n * single / x - 1) for n, x in throughputs.items() if n != 1]
    a11 = sum(u * u for u, _, _ in rows)
    a12 = sum(u * v for u, v, _ in rows)
    a22 = sum(v * v for _, v, _ in rows)
    b1 = sum(u * y for u, _, y in rows)
    b2 = sum(v * y for _, v, y in rows)
    # Never 0: two distinct worker counts besides n = 1 make the columns independent
    # (and dict keys are distinct).
    det = a11 * a22 - a12 * a12
    sigma = (b1 * a22 - b2 * a12) / det
    kappa = (a11 * b2 - a12 * b1) / det
    return max(0.0, sigma), max(0.0, kappa)
