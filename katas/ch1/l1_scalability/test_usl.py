"""Kata 1.1.5: the Universal Scalability Law."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fixtures import lesson_module
from fixtures.course.expect import rejects

usl = lesson_module(__file__, "usl")


def test_one_worker_and_ideal_scaling():
    assert usl.usl_throughput(1, 0.1, 0.01, 250.0) == pytest.approx(250.0), "X(1) is the single-worker throughput"
    assert usl.usl_throughput(16, 0.0, 0.0, 10.0) == pytest.approx(160.0), "no contention, no coherency: linear"


@given(st.floats(0.0, 1.0), st.integers(1, 512))
def test_without_coherency_it_is_amdahls_law(sigma, n):
    amdahl = 1 / (sigma + (1 - sigma) / n)  # serial fraction sigma
    got = usl.usl_throughput(n, sigma, 0.0, 1.0)
    assert got == pytest.approx(amdahl, rel=1e-9), f"usl_throughput({n}, {sigma}, 0, 1) = {got}; Amdahl gives {amdahl}"


# sigma above 1 (contention worse than running serially) and kappa up to 1 put the
# peak at 1 or 2 workers, where rounding the calculus optimum is easiest to get wrong.
@given(st.floats(0.0, 1.5), st.floats(1e-5, 1.0))
def test_peak_matches_a_brute_force_search(sigma, kappa):
    best = max(range(1, 5001), key=lambda n: (usl.usl_throughput(n, sigma, kappa, 1.0), -n))
    got = usl.peak_workers(sigma, kappa)
    assert usl.usl_throughput(got, sigma, kappa, 1.0) == pytest.approx(usl.usl_throughput(best, sigma, kappa, 1.0)), (
        f"peak_workers({sigma}, {kappa}) returned {got}; the highest throughput is at {best} workers")


def test_past_the_peak_more_workers_means_less_throughput():
    peak = usl.peak_workers(0.05, 0.002)
    at_peak = usl.usl_throughput(peak, 0.05, 0.002, 100.0)
    doubled = usl.usl_throughput(2 * peak, 0.05, 0.002, 100.0)
    assert doubled < at_peak, "with coherency cost, doubling past the peak lowers total throughput (retrograde scaling)"
    assert usl.peak_workers(0.1, 0.0) is None, "with no coherency cost throughput never peaks"


@pytest.mark.parametrize("sigma, kappa", [(0.03, 0.0005), (0.2, 0.01), (0.0, 0.002)])
def test_fit_recovers_the_coefficients_from_measurements(sigma, kappa):
    rng = random.Random(7)
    measured = {n: 100.0 * n / (1 + sigma * (n - 1) + kappa * n * (n - 1)) * rng.uniform(0.99, 1.01)
                for n in (1, 2, 4, 8, 16, 32)}
    measured[1] = 100.0
    got_sigma, got_kappa = usl.fit_usl(measured)
    assert got_sigma == pytest.approx(sigma, abs=0.02), f"fitted sigma {got_sigma:.4f}, data made with {sigma}"
    assert got_kappa == pytest.approx(kappa, abs=0.001), f"fitted kappa {got_kappa:.5f}, data made with {kappa}"


@pytest.mark.parametrize("sigma, kappa, workers", [
    pytest.param(0.05, 0.002, (2, 4), id="1-2-4"),
    pytest.param(0.2, 0.0005, (4, 16, 64), id="1-4-16-64"),
    pytest.param(0.0, 0.01, (3, 5, 7, 9), id="1-3-5-7-9"),
])
def test_fit_of_exact_measurements_is_exact(sigma, kappa, workers):
    measured = {n: 50.0 * n / (1 + sigma * (n - 1) + kappa * n * (n - 1)) for n in (1, *workers)}
    got_sigma, got_kappa = usl.fit_usl(measured)
    assert (got_sigma, got_kappa) == (pytest.approx(sigma, abs=1e-9), pytest.approx(kappa, abs=1e-9)), (
        f"fit_usl({ {n: round(x, 3) for n, x in measured.items()} }) returned ({got_sigma}, {got_kappa}); these "
        f"throughputs are exactly the USL with sigma={sigma}, kappa={kappa}, so the least-squares fit of "
        "n X(1) / X(n) - 1 = sigma (n - 1) + kappa n (n - 1) recovers them exactly")


# Faster than linear up to 8 workers (warm caches), then falling: the unclamped fit is
# sigma ~ -0.02, kappa ~ +0.002.
SUPERLINEAR_THEN_RETROGRADE = {1: 100.0, 2: 203.0, 4: 415.0, 8: 823.0, 16: 1356.0, 32: 1354.0}
# Sublinear and still climbing at 32 workers: the unclamped fit is sigma ~ +0.1, kappa ~ -0.001.
STILL_CLIMBING = {1: 100.0, 2: 182.0, 4: 311.0, 8: 487.0, 16: 708.0, 32: 1030.0}
# Faster than linear at every size: the unclamped fit has both coefficients negative.
SUPERLINEAR = {1: 100.0, 2: 202.0, 4: 412.0, 8: 860.0, 16: 1900.0}


def test_fit_clamps_a_negative_sigma_at_zero():
    sigma, kappa = usl.fit_usl(SUPERLINEAR_THEN_RETROGRADE)
    assert sigma == 0.0, (
        f"fit_usl({SUPERLINEAR_THEN_RETROGRADE}) returned sigma = {sigma}, expected 0.0: throughput grows "
        "faster than linearly up to 8 workers, so the least-squares sigma comes out negative, and the "
        "coefficients are clamped at 0")
    assert kappa > 0, (
        f"fit_usl({SUPERLINEAR_THEN_RETROGRADE}) returned kappa = {kappa}, expected a positive kappa: "
        "throughput falls from 16 to 32 workers, a coherency cost; only the negative coefficient is clamped")


def test_fit_clamps_a_negative_kappa_at_zero():
    sigma, kappa = usl.fit_usl(STILL_CLIMBING)
    assert kappa == 0.0, (
        f"fit_usl({STILL_CLIMBING}) returned kappa = {kappa}, expected 0.0: throughput is still climbing at 32 "
        "workers, so the least-squares kappa comes out negative, and the coefficients are clamped at 0")
    assert sigma > 0, (
        f"fit_usl({STILL_CLIMBING}) returned sigma = {sigma}, expected a positive sigma: throughput grows "
        "less than linearly (contention); only the negative coefficient is clamped")


def test_fit_clamps_both_coefficients_at_zero():
    got = usl.fit_usl(SUPERLINEAR)
    assert tuple(got) == (0.0, 0.0), (
        f"fit_usl({SUPERLINEAR}) returned {got}, expected (0.0, 0.0): throughput grows faster than linearly at "
        "every size, so both least-squares coefficients come out negative, and the coefficients are clamped at 0")


@pytest.mark.parametrize("workers, sigma, kappa, single", [
    pytest.param(0, 0.1, 0.01, 100.0, id="zero-workers"),
    pytest.param(-4, 0.1, 0.01, 100.0, id="negative-workers"),
    pytest.param(8, -0.1, 0.01, 100.0, id="negative-sigma"),
    pytest.param(8, 0.1, -0.01, 100.0, id="negative-kappa"),
    pytest.param(8, 0.1, 0.01, 0.0, id="zero-single"),
    pytest.param(8, 0.1, 0.01, -5.0, id="negative-single"),
])
def test_throughput_rejects_impossible_input(workers, sigma, kappa, single):
    rejects(usl.usl_throughput, workers, sigma, kappa, single, why="workers must be at least 1, sigma and kappa "
            "cannot be negative, and one worker's throughput must be positive")


@pytest.mark.parametrize("measured", [
    pytest.param({1: 100.0, 2: 190.0}, id="one-other-count"),
    pytest.param({1: 100.0}, id="only-one-worker"),
    pytest.param({2: 190.0, 4: 340.0, 8: 560.0}, id="no-one-worker-run"),
])
def test_fit_needs_enough_points(measured):
    rejects(usl.fit_usl, measured, why="the fit needs the 1-worker throughput and at least two other worker counts")


@pytest.mark.parametrize("sigma, kappa", [(-0.1, 0.01), (0.1, -0.01)])
def test_peak_rejects_negative_coefficients(sigma, kappa):
    rejects(usl.peak_workers, sigma, kappa, why="contention and coherency costs cannot be negative")
