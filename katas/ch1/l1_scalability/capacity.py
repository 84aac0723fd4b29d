"""Kata 1.1.3: Little's law and capacity planning with headroom and N+1 spares.

Read the lesson README first; `kata hint 1.1.3` gives a nudge when stuck.
"""

from __future__ import annotations

import math

from fixtures import KataNotImplemented


def concurrency(arrival_rate: float, latency_s: float) -> float:
    """Little's law: mean requests in flight L = arrival rate (req/s) x mean latency (s).

    ValueError unless both are positive and finite."""
    raise KataNotImplemented("1.1.3")


def replica_throughput(slots: int, latency_s: float) -> float:
    """Requests per second one replica sustains with `slots` requests in flight at once.

    ValueError for slots < 1 or a latency that is not positive and finite."""
    raise KataNotImplemented("1.1.3")


def replicas_needed(peak_rps: float, latency_s: float, slots: int, headroom: float = 0.3, spares: int = 1) -> int:
    """Smallest replica count that serves `peak_rps` at (1 - headroom) utilisation and
    still does so with `spares` replicas down (N+spares).

    Raise ValueError for non-positive load or latency, headroom outside [0, 1) and
    negative spares."""
    raise KataNotImplemented("1.1.3")
