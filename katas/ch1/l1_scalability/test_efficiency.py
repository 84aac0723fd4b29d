"""Kata 1.1.2: speedup, efficiency and the serial fraction, from measured timings."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import lesson_module
from fixtures.course.expect import rejects

eff = lesson_module(__file__, "efficiency")

# Wall-clock seconds of a job on 1-16 workers, shaped like a shuffle-heavy Spark job:
# near-linear at first, then paying more and more for coordination.
MEASURED = {1: 120.0, 2: 63.0, 4: 34.5, 8: 21.0, 16: 15.6}


def amdahl_time(serial_fraction: float, workers: int, one_worker_time: float = 1.0) -> float:
    return one_worker_time * (serial_fraction + (1 - serial_fraction) / workers)


def test_speedup_and_efficiency_of_a_timed_run():
    speedups = eff.speedups(MEASURED)
    assert set(speedups) == set(MEASURED), f"speedups() returned keys {sorted(speedups)}, expected {sorted(MEASURED)}"
    for n, seconds in MEASURED.items():
        assert speedups[n] == pytest.approx(MEASURED[1] / seconds), f"speedup on {n} workers is T(1)/T({n})"
    efficiency = eff.parallel_efficiency(MEASURED)
    assert efficiency[1] == pytest.approx(1.0)
    assert efficiency[16] == pytest.approx(MEASURED[1] / MEASURED[16] / 16)
    values = [efficiency[n] for n in sorted(MEASURED)]
    assert values == sorted(values, reverse=True), "efficiency of this run falls as workers are added"


@pytest.mark.parametrize("timings, why", [
    pytest.param({2: 10.0, 4: 6.0}, "speedup is measured against a 1-worker run", id="no-baseline"),
    pytest.param({}, "speedup is measured against a 1-worker run", id="empty"),
    pytest.param({1: 0.0, 2: 1.0}, "a run cannot take 0 seconds", id="zero-time"),
    pytest.param({1: 10.0, 2: -5.0}, "a run cannot take negative time", id="negative-time"),
    pytest.param({1: 10.0, 2: float("inf")}, "a run that never ends has no speedup", id="infinite-time"),
    pytest.param({1: 10.0, 0: 4.0}, "zero workers ran nothing", id="zero-workers"),
    pytest.param({1: 10.0, 2.5: 4.0}, "worker counts are whole numbers", id="fractional-workers"),
])
def test_speedups_reject_timings_that_cannot_be_measured(timings, why):
    rejects(eff.speedups, timings, why=why)


@given(st.floats(0.0, 0.9), st.integers(2, 256))
def test_karp_flatt_recovers_the_serial_fraction_of_an_amdahl_run(f, n):
    speedup = amdahl_time(f, 1) / amdahl_time(f, n)
    got = eff.karp_flatt(speedup, n)
    assert got == pytest.approx(f, abs=1e-9), (
        f"karp_flatt({speedup:.5f}, {n}) returned {got}; that speedup comes from a serial fraction of {f}")


def test_karp_flatt_rises_when_overhead_grows():
    # Same data as MEASURED: if the loss were a fixed serial part, e would stay flat.
    e = {n: eff.karp_flatt(MEASURED[1] / t, n) for n, t in MEASURED.items() if n > 1}
    assert e[16] > e[2], f"Karp-Flatt values {e}: rising e with n is the signature of growing overhead"


@pytest.mark.parametrize("speedup, workers", [(1.0, 1), (2.0, 0), (0.0, 4), (-2.0, 4)])
def test_karp_flatt_rejects_impossible_input(speedup, workers):
    rejects(eff.karp_flatt, speedup, workers, why="it needs at least 2 workers and a positive speedup")


def test_karp_flatt_of_a_slowdown_is_above_one():
    # Two workers taking twice as long as one: worse than fully serial. That is a real
    # measurement (all coordination), not bad input, and e > 1 is how it shows.
    got = eff.karp_flatt(0.5, 2)
    assert got == pytest.approx(3.0), (
        f"karp_flatt(0.5, 2) returned {got}, expected (1/0.5 - 1/2) / (1 - 1/2) = 3.0: a speedup below 1 is "
        "a slowdown, still a measurement")


@pytest.mark.parametrize("true_fraction", [0.02, 0.1, 0.3, 0.6])
def test_fit_recovers_the_serial_fraction_from_noisy_timings(true_fraction):
    rng = random.Random(1234)  # seeded: the same "measurements" on every run
    timings = {n: amdahl_time(true_fraction, n, 50.0) * rng.uniform(0.97, 1.03) for n in (1, 2, 4, 8, 16, 32)}
    got = eff.fit_serial_fraction(timings)
    assert 0.0 <= got <= 1.0, f"fit_serial_fraction returned {got}: a fraction lies in [0, 1]"
    assert got == pytest.approx(true_fraction, abs=0.03), (
        f"timings {({n: round(t, 2) for n, t in timings.items()})} come from a serial fraction of "
        f"{true_fraction} with +-3% noise; fit_serial_fraction returned {got}")


# Superlinear: 12.5x faster on 8 workers (each worker's share of the data fits in its
# cache). The best straight line through T(n) = a + b/n has a < 0, so a / (a + b) < 0.
SUPERLINEAR = {1: 100.0, 2: 47.0, 4: 21.0, 8: 8.0}
# Slower with every worker added: all coordination, no useful parallelism. Exactly
# T(n) = 14 - 4/n, so a / (a + b) = 14 / 10 = 1.4.
SLOWER_WITH_MORE_WORKERS = {1: 10.0, 2: 12.0, 4: 13.0, 8: 13.5}


# Much slower with every worker from 2 on: the best straight line through T(n) = a + b/n
# has a = 72.5 and b = -76.1, so it "predicts" a one-worker time a + b below zero.
FIT_PREDICTS_NEGATIVE_TIME = {1: 10.0, 2: 10.0, 4: 40.0, 8: 70.0, 16: 85.0}


BELOW_0 = "the least-squares a / (a + b) for these timings lies below 0, and a serial fraction is clamped to [0, 1]"
ABOVE_1 = "the least-squares a / (a + b) for these timings lies above 1, and a serial fraction is clamped to [0, 1]"
NO_TIME = ("the fitted one-worker time a + b is negative (a / (a + b) would flip sign), and the docstring says "
           "that case is all overhead: 1.0")


@pytest.mark.parametrize("timings, clamped_to, why", [
    pytest.param(SUPERLINEAR, 0.0, BELOW_0, id="superlinear-fit-below-0"),
    pytest.param(SLOWER_WITH_MORE_WORKERS, 1.0, ABOVE_1, id="slowdown-fit-above-1"),
    pytest.param(FIT_PREDICTS_NEGATIVE_TIME, 1.0, NO_TIME, id="fitted-one-worker-time-negative"),
])
def test_fit_is_clamped_to_a_fraction(timings, clamped_to, why):
    got = eff.fit_serial_fraction(timings)
    assert got == pytest.approx(clamped_to, abs=1e-9), (
        f"fit_serial_fraction({timings}) returned {got}, expected {clamped_to}: {why}")


@pytest.mark.parametrize("timings", [MEASURED, SUPERLINEAR, SLOWER_WITH_MORE_WORKERS, FIT_PREDICTS_NEGATIVE_TIME],
                         ids=["measured", "superlinear", "slowdown", "fitted-one-worker-time-negative"])
def test_the_fit_does_not_depend_on_the_unit_of_time(timings):
    in_seconds = eff.fit_serial_fraction(timings)
    in_kiloseconds = eff.fit_serial_fraction({n: t / 1000 for n, t in timings.items()})
    assert in_kiloseconds == pytest.approx(in_seconds, abs=1e-9), (
        f"fit_serial_fraction gave {in_seconds} for {timings} (seconds) but {in_kiloseconds} for the same runs in "
        "kiloseconds: a fraction of the run time cannot depend on the unit the time is measured in")


@given(st.floats(0.01, 1000.0),
       st.dictionaries(st.integers(2, 64), st.floats(0.01, 1000.0), min_size=1, max_size=5))
def test_fit_is_always_a_fraction(one_worker, others):
    timings = {1: one_worker, **others}
    got = eff.fit_serial_fraction(timings)
    assert 0.0 <= got <= 1.0, f"fit_serial_fraction({timings}) returned {got}; a serial fraction lies in [0, 1]"


def test_fit_needs_two_worker_counts():
    with pytest.raises(ValueError):
        eff.fit_serial_fraction({1: 10.0})
