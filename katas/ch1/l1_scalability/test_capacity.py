"""Kata 1.1.3: Little's law and capacity planning."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fixtures import lesson_module
from fixtures.course.expect import rejects

cap = lesson_module(__file__, "capacity")


def test_littles_law_in_both_directions():
    assert cap.concurrency(200, 0.25) == pytest.approx(50), (
        "200 requests/s that each take 250 ms keep 50 requests in flight on average")
    assert cap.replica_throughput(8, 0.2) == pytest.approx(40), (
        "8 requests in flight that each take 200 ms complete 40 requests per second")


@given(st.floats(0.1, 1e5), st.floats(1e-3, 10.0))
def test_concurrency_grows_with_load_and_latency(rate, latency):
    base = cap.concurrency(rate, latency)
    assert cap.concurrency(rate * 2, latency) == pytest.approx(2 * base)
    assert cap.concurrency(rate, latency * 3) == pytest.approx(3 * base)


def test_the_worked_example_from_the_readme():
    # One replica: 8 slots / 0.15 s = 53.3 req/s; at 70% utilisation 37.3 req/s.
    # 1200 / 37.3 = 32.1 -> 33 replicas serve the peak, +1 spare for N+1.
    assert cap.replicas_needed(1200, 0.15, 8, headroom=0.3, spares=1) == 34


def test_defaults_plan_30_percent_headroom_and_one_spare():
    got = cap.replicas_needed(1200, 0.15, 8)
    assert got == 34, (
        f"replicas_needed(1200, 0.15, 8) returned {got}, expected 34: the defaults (headroom=0.3, spares=1) "
        "give the README's worked example")


def test_a_trickle_of_load_still_needs_a_serving_replica():
    got = cap.replicas_needed(1e-9, 0.1, 4, headroom=0.3, spares=0)
    assert got == 1, (
        f"replicas_needed(1e-9, 0.1, 4, spares=0) returned {got}, expected 1: even one request a year needs "
        "a replica to serve it")


@pytest.mark.parametrize("peak, latency, slots, headroom, spares, serving", [
    # 10 req/s per replica, 5 usable at 50% headroom: 100 req/s needs exactly 20.
    pytest.param(100, 0.1, 1, 0.5, 1, 20, id="100rps-5-per-replica"),
    # 8 / 0.25 s = 32 req/s per replica, 22.4 usable at 70%: 672 req/s needs exactly 30,
    # but in floating point 672 / (8 / 0.25 * (1 - 0.3)) is 30.000000000000004.
    pytest.param(672, 0.25, 8, 0.3, 1, 30, id="672rps-22.4-per-replica"),
    # 9 / 0.1 s = 90 req/s, 63 usable at 70%: 378 req/s needs exactly 6 (6.000000000000001 in floats).
    pytest.param(378, 0.1, 9, 0.3, 0, 6, id="378rps-63-per-replica"),
])
def test_an_exact_fit_is_not_rounded_up(peak, latency, slots, headroom, spares, serving):
    got = cap.replicas_needed(peak, latency, slots, headroom=headroom, spares=spares)
    usable = slots / latency * (1 - headroom)
    assert got == serving + spares, (
        f"replicas_needed({peak}, {latency}, {slots}, headroom={headroom}, spares={spares}) returned {got}, "
        f"expected {serving + spares}: {serving} replicas at {usable:.1f} req/s each serve {peak} req/s exactly, "
        f"plus {spares} spare(s). Floating-point division can land a hair above a whole number "
        f"({peak} / {usable:.1f} = {peak / usable!r} in Python): don't round that up to a whole extra replica")


@given(
    peak=st.floats(1.0, 50_000.0),
    latency=st.floats(0.005, 2.0),
    slots=st.integers(1, 64),
    headroom=st.floats(0.0, 0.8),
    spares=st.integers(0, 3),
)
def test_plan_is_the_smallest_that_survives_losing_the_spares(peak, latency, slots, headroom, spares):
    usable = slots / latency * (1 - headroom)
    assume(peak / usable < 10_000)
    got = cap.replicas_needed(peak, latency, slots, headroom=headroom, spares=spares)
    assert isinstance(got, int), f"replicas_needed returned {type(got).__name__}; replicas come in whole numbers"
    serving = got - spares
    assert serving >= 1, "at least one replica must serve traffic"
    assert serving * usable >= peak * (1 - 1e-9), (
        f"{got} replicas with {spares} down leave {serving * usable:.1f} req/s at target utilisation; peak is {peak:.1f}")
    if serving > 1:
        assert (serving - 1) * usable < peak * (1 + 1e-9), f"{got} replicas is more than needed: {got - 1} would do"


@pytest.mark.parametrize("args", [
    dict(peak_rps=0, latency_s=0.1, slots=4),
    dict(peak_rps=100, latency_s=0, slots=4),
    dict(peak_rps=100, latency_s=0.1, slots=0),
    dict(peak_rps=100, latency_s=0.1, slots=4, headroom=1.0),
    dict(peak_rps=100, latency_s=0.1, slots=4, headroom=1.5),
    dict(peak_rps=100, latency_s=0.1, slots=4, headroom=-0.1),
    dict(peak_rps=-100, latency_s=0.1, slots=4),
    dict(peak_rps=100, latency_s=-0.1, slots=4),
    dict(peak_rps=100, latency_s=0.1, slots=4, spares=-1),
    dict(peak_rps=math.inf, latency_s=0.1, slots=4),
])
def test_rejects_plans_that_make_no_sense(args):
    rejects(cap.replicas_needed, **args, why="load and latency must be positive and finite, headroom within "
            "[0, 1), slots >= 1 and spares >= 0")


@pytest.mark.parametrize("func, args", [
    ("concurrency", (-200, 0.25)), ("concurrency", (200, -0.25)), ("concurrency", (0, 0.25)),
    ("replica_throughput", (0, 0.2)), ("replica_throughput", (8, -0.2)),
])
def test_littles_law_rejects_impossible_input(func, args):
    rejects(getattr(cap, func), *args, why="rates, latencies and slots must be positive")
