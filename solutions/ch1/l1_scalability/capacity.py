"""Kata 1.1.3: Little's law and capacity planning with headroom and N+1 spares."""

from __future__ import annotations

import math

# Floating-point slack for "exactly enough": 100 rps over replicas of exactly 5 rps
# each must plan 20 replicas, not 21 because 100 / 5.000000000000001 > 20.
_EPSILON = 1e-9


def _positive(name: str, value: float) -> None:
    if not value > 0 or math.isinf(value):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")


def concurrency(arrival_rate: float, latency_s: float) -> float:
    """Little's law: mean requests in flight L = arrival rate (req/s) x mean latency (s).

    ValueError unless both are positive and finite.
    """
    _positive("arrival_rate", arrival_rate)
    _positive("latency_s", latency_s)
    return arrival_rate * latency_s


def replica_throughput(slots: int, latency_s: float) -> float:
    """Requests per second one replica sustains with `slots` requests in flight at once.

    ValueError for slots < 1 or a latency that is not positive and finite.
    """
    if slots < 1:
        raise ValueError(f"slots must be a positive int, got {slots!r}")
    _positive("latency_s", latency_s)
    # Little's law read the other way: throughput = in-flight / time in system.
    return slots / latency_s


def replicas_needed(peak_rps: float, latency_s: float, slots: int,
                    headroom: float = 0.3, spares: int = 1) -> int:
    """Smallest replica count that serves `peak_rps` at (1 - headroom) utilisation and
    still does so with `spares` replicas down (N+spares).

    Raise ValueError for non-positive load or latency, headroom outside [0, 1) and
    negative spares.
    """
    _positive("peak_rps", peak_rps)
    if not 0.0 <= headroom < 1.0:
        raise ValueError(f"headroom must be within [0, 1), got {headroom!r}")
    if spares < 0:
        raise ValueError(f"spares must be a non-negative int, got {spares!r}")
    # Plan each replica at a target utilisation, not at 100%: queueing delay grows
    # without bound as utilisation approaches 1.
    usable = replica_throughput(slots, latency_s) * (1.0 - headroom)
    serving = math.ceil(peak_rps / usable - _EPSILON)
    # Spares come on top: losing a replica (deploy, crash, zone) must not overload the rest.
    return max(1, serving) + spares
