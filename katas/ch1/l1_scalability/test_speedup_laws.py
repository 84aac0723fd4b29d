"""Kata 1.1.1: Amdahl's and Gustafson's laws."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import lesson_module

laws = lesson_module(__file__, "speedup_laws")

fractions = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
worker_counts = st.integers(min_value=1, max_value=4096)


def simulated_speedup(serial_units: int, parallel_units_per_worker: int, workers: int) -> float:
    """Run a fixed job on a toy machine: serial work, then parallel work split evenly."""
    total_work = serial_units + parallel_units_per_worker * workers
    time_on_one = total_work  # one worker does every unit
    time_on_n = serial_units + parallel_units_per_worker  # each worker does its share at once
    return time_on_one / time_on_n


@given(fractions)
def test_one_worker_gives_no_speedup(p):
    got = laws.amdahl_speedup(p, 1)
    assert got == pytest.approx(1.0), f"amdahl_speedup({p}, 1) returned {got}; one worker is the baseline: 1.0"
    got = laws.gustafson_speedup(p, 1)
    assert got == pytest.approx(1.0), f"gustafson_speedup({p}, 1) returned {got}; expected 1.0"


@given(st.integers(0, 50), st.integers(1, 50), st.integers(1, 64))
def test_amdahl_matches_a_simulated_fixed_size_job(serial, per_worker, workers):
    parallel_fraction = per_worker * workers / (serial + per_worker * workers)
    expected = simulated_speedup(serial, per_worker, workers)
    got = laws.amdahl_speedup(parallel_fraction, workers)
    assert got == pytest.approx(expected, rel=1e-9), (
        f"amdahl_speedup({parallel_fraction:.4f}, {workers}) returned {got}; a job with that parallel "
        f"fraction ran {expected:.4f}x faster on {workers} workers")


@given(fractions, worker_counts)
def test_amdahl_is_bounded_by_workers_and_by_the_ceiling(p, n):
    got = laws.amdahl_speedup(p, n)
    assert 1.0 - 1e-9 <= got <= n + 1e-9, f"amdahl_speedup({p}, {n}) = {got}: speedup must lie in [1, workers]"
    ceiling = laws.amdahl_ceiling(p)
    assert got <= ceiling * (1 + 1e-9), f"amdahl_speedup({p}, {n}) = {got} exceeds amdahl_ceiling({p}) = {ceiling}"
    more = laws.amdahl_speedup(p, n + 1)
    assert more >= got - 1e-12, "adding a worker must never lower Amdahl's speedup"


def test_amdahl_ceiling_textbook_values():
    assert laws.amdahl_ceiling(0.95) == pytest.approx(20.0), "95% parallel code can never run more than 20x faster"
    assert laws.amdahl_ceiling(0.0) == pytest.approx(1.0), "fully serial code gains nothing from workers"
    assert math.isinf(laws.amdahl_ceiling(1.0)), "fully parallel code has no ceiling: expected math.inf"
    # The ceiling is approached, not reached, with many workers.
    assert laws.amdahl_speedup(0.95, 10_000) == pytest.approx(20.0, rel=0.01)


@given(fractions, st.integers(1, 1000))
def test_gustafson_scales_linearly_and_never_below_amdahl(p, n):
    step = laws.gustafson_speedup(p, n + 1) - laws.gustafson_speedup(p, n)
    assert step == pytest.approx(p, abs=1e-9), (
        f"each extra worker should add exactly the parallel fraction ({p}) to Gustafson's speedup, added {step}")
    assert laws.gustafson_speedup(p, n) >= laws.amdahl_speedup(p, n) - 1e-9, (
        "growing the job with the machine (Gustafson) never scales worse than a fixed job (Amdahl)")


@pytest.mark.parametrize("func", ["amdahl_speedup", "gustafson_speedup"])
@pytest.mark.parametrize("p, n", [(-0.1, 4), (1.5, 4), (0.5, 0), (0.5, -3)])
def test_rejects_impossible_input(func, p, n):
    with pytest.raises(ValueError):
        getattr(laws, func)(p, n)
