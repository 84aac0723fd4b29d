"""Kata 4.2.6: drift statistics, exported as gauges, and an alert that fires on a drifted stream only.

The data are scikit-learn's handwritten digits (shipped with it): three pixels of the training
images are the reference; the held-out images are a clean stream; the held-out zeros and ones
alone are a drifted one (a client that suddenly sends one kind of image). Pixels are sixteenths,
so values repeat: a binning that assumes distinct values breaks here. KS is checked against
scipy's ks_2samp; PSI by what any binning of it must do.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.data.digits import drift_streams
from fixtures.engines.monitoring import promtool


def _drift():
    return lesson_module(__file__, "drift")


def _normal(mean=0.0, size=5000, seed=0):
    return np.random.default_rng(seed).normal(mean, 1.0, size)


# --- PSI and KS: pure ------------------------------------------------------------------------

def test_a_sample_against_itself_has_no_drift():
    sample = _normal()
    got = _drift().psi(sample, sample)
    assert isinstance(got, float) and got == pytest.approx(0, abs=1e-9), f"psi(x, x) returned {got!r}; expected 0.0"


@pytest.mark.parametrize("shift, low, high, what", [
    (0.1, 0.0, 0.1, "a tenth of a standard deviation: stable (PSI under 0.1)"),
    (1.0, 0.25, math.inf, "a whole standard deviation: drifted (PSI above 0.25)"),
])
def test_psi_grows_with_the_shift(shift, low, high, what):
    got = _drift().psi(_normal(), _normal(shift, seed=1))
    assert low <= got < high, f"psi(N(0, 1), N({shift}, 1)) returned {got:.4f}; {what}"


def test_psi_is_the_sum_over_the_reference_deciles():
    """A reference of 0..999 has the same ten bins however they are cut (deciles or equal widths):
    [0, 100), [100, 200), ... Live values in the middle of bins, with known shares per bin."""
    shares = [0.02, 0.08, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.14, 0.16]
    live = np.concatenate([np.full(round(share * 1000), 100 * i + 50.5) for i, share in enumerate(shares)])
    expected = sum((share - 0.1) * math.log(share / 0.1) for share in shares)
    got = _drift().psi(np.arange(1000.0), live)
    assert got == pytest.approx(expected, abs=1e-9), (
        f"psi returned {got!r}; with ten bins of 0.1 each in the reference and live shares {shares}, "
        f"sum((live - ref) * ln(live / ref)) = {expected:.6f}")


@pytest.mark.parametrize("bins", [2, 4])
def test_psi_with_fewer_bins(bins):
    shares = np.random.default_rng(bins).dirichlet(np.ones(bins) * 5)
    counts = np.maximum(1, np.round(shares * 1000)).astype(int)
    width = 1000 / bins
    live = np.concatenate([np.full(n, width * i + width / 2) for i, n in enumerate(counts)])
    actual = counts / counts.sum()
    expected = float(np.sum((actual - 1 / bins) * np.log(actual * bins)))
    got = _drift().psi(np.arange(1000.0), live, bins=bins)
    assert got == pytest.approx(expected, abs=1e-9), f"psi(..., bins={bins}) returned {got!r}; expected {expected:.6f}"


def test_psi_does_not_depend_on_the_unit():
    reference, live = _normal(), _normal(0.5, seed=1)
    plain = _drift().psi(reference, live)
    scaled = _drift().psi(reference * 1000 - 7, live * 1000 - 7)
    assert scaled == pytest.approx(plain, abs=0.01), \
        f"psi of the same samples in milliseconds ({scaled:.4f}) and in seconds ({plain:.4f}) differ: bins come from the data"


@pytest.mark.parametrize("shift, where", [(50, "above the reference's largest"), (-50, "below its smallest")])
def test_live_values_outside_every_reference_bin_give_a_large_finite_psi(shift, where):
    got = _drift().psi(_normal(), _normal(shift, seed=1))
    assert math.isfinite(got) and got > 1, \
        f"psi returned {got!r} when every live value is {where}: an empty bin must not be ln(0)"


def test_psi_on_repeated_values():
    reference, clean, drifted = drift_streams()
    psi = _drift().psi
    for feature in reference:
        same, calm, moved = psi(reference[feature], reference[feature]), psi(reference[feature], clean[feature]), \
            psi(reference[feature], drifted[feature])
        assert all(math.isfinite(v) for v in (same, calm, moved)), f"{feature}: psi gave {same}, {calm}, {moved}"
        assert same == pytest.approx(0, abs=1e-9) and calm < 0.1 and moved > 0.25, (
            f"{feature} (values in sixteenths, many equal): psi against itself {same:.4f} (expected 0), the "
            f"held-out images {calm:.4f} (expected < 0.1), zeros and ones only {moved:.4f} (expected > 0.25)")


@pytest.mark.parametrize("args, why", [
    (([], [1.0]), "an empty reference"),
    (([1.0, 2.0], []), "an empty live sample"),
    (([1.0, float("nan")], [1.0]), "NaN in the reference"),
    (([1.0, 2.0], [float("inf")]), "an infinite live value"),
])
def test_samples_that_cannot_be_compared_are_refused(args, why):
    rejects(_drift().psi, *args, why=why)
    rejects(_drift().ks_statistic, *args, why=why)


def test_psi_needs_two_bins():
    rejects(_drift().psi, [1.0, 2.0, 3.0], [1.0], bins=1, why="one bin holds everything: nothing to compare")


@pytest.mark.parametrize("case", ["normal", "sizes", "ties", "disjoint", "digits"])
def test_ks_is_the_largest_gap_between_the_two_cdfs(case):
    from scipy.stats import ks_2samp

    reference, clean, drifted = drift_streams()
    a, b = {
        "normal": (_normal(size=300), _normal(0.3, size=300, seed=1)),
        "sizes": (_normal(size=1000), _normal(0.2, size=37, seed=2)),
        "ties": (np.array([1, 1, 2, 2, 2, 3, 5, 5.0]), np.array([2, 2, 3, 3, 3, 4.0])),
        "disjoint": (np.arange(10.0), np.arange(100.0, 105.0)),
        "digits": (reference["pixel_28"], drifted["pixel_28"]),
    }[case]
    got, expected = _drift().ks_statistic(a, b), ks_2samp(a, b).statistic
    assert got == pytest.approx(expected, abs=1e-12), f"ks_statistic returned {got!r}; scipy's ks_2samp says {expected}"


# --- DriftMonitor: windows and gauges ---------------------------------------------------------

def _monitor(window=200, registry=None):
    from prometheus_client import CollectorRegistry

    registry = registry or CollectorRegistry()
    reference, _, _ = drift_streams()
    return _drift().DriftMonitor(reference, registry=registry, window=window), registry


def test_the_gauges_hold_each_features_psi_and_ks():
    from scipy.stats import ks_2samp

    monitor, registry = _monitor()
    reference, clean, _ = drift_streams()
    monitor.observe({name: values[:150] for name, values in clean.items()})
    for name in reference:
        psi = registry.get_sample_value("model_feature_psi", {"feature": name})
        ks = registry.get_sample_value("model_feature_ks", {"feature": name})
        assert psi == pytest.approx(_drift().psi(reference[name], clean[name][:150]), abs=1e-9), \
            f"model_feature_psi{{feature={name!r}}} = {psi} after 150 clean values"
        assert ks == pytest.approx(ks_2samp(reference[name], clean[name][:150]).statistic, abs=1e-9), \
            f"model_feature_ks{{feature={name!r}}} = {ks} after 150 clean values"


def test_only_the_last_window_of_values_counts():
    monitor, registry = _monitor(window=100)
    reference, clean, drifted = drift_streams()
    for _ in range(5):
        monitor.observe({name: values for name, values in drifted.items()})
    drifted_psi = registry.get_sample_value("model_feature_psi", {"feature": "pixel_36"})
    monitor.observe({"pixel_36": clean["pixel_36"][:60]})
    monitor.observe({"pixel_36": clean["pixel_36"][60:100]})
    after = registry.get_sample_value("model_feature_psi", {"feature": "pixel_36"})
    expected = _drift().psi(reference["pixel_36"], clean["pixel_36"][:100])
    assert after == pytest.approx(expected, abs=1e-9), (
        f"after 335 drifted values, then 100 clean ones, with window=100: model_feature_psi{{feature='pixel_36'}} = "
        f"{after:.4f} (it was {drifted_psi:.4f}); the window holds the 100 clean values only: {expected:.4f}")
    other = registry.get_sample_value("model_feature_psi", {"feature": "pixel_28"})
    its_window = np.concatenate([drifted["pixel_28"]] * 5)[-100:]
    assert other == pytest.approx(_drift().psi(reference["pixel_28"], its_window), abs=1e-9), \
        "pixel_28, not observed since, should keep the PSI of its own last 100 (drifted) values"


def test_the_default_window_is_500_values():
    from prometheus_client import CollectorRegistry

    reference, clean, drifted = drift_streams()
    registry = CollectorRegistry()
    monitor = _drift().DriftMonitor(reference, registry=registry)
    stream = np.concatenate([drifted["pixel_9"]] * 4 + [clean["pixel_9"]] * 2)  # 268 drifted, then 794 clean
    monitor.observe({"pixel_9": stream[:300]})
    monitor.observe({"pixel_9": stream[300:]})
    got = registry.get_sample_value("model_feature_psi", {"feature": "pixel_9"})
    assert got == pytest.approx(_drift().psi(reference["pixel_9"], stream[-500:]), abs=1e-9), \
        f"without window=, model_feature_psi after {len(stream)} values is {got}: not the PSI of the last 500"


@pytest.mark.parametrize("window, bins", [(2, 10), (200, 2)])
def test_the_smallest_window_and_bins_work(window, bins):
    from prometheus_client import CollectorRegistry

    reference, clean, _ = drift_streams()
    monitor = _drift().DriftMonitor(reference, registry=CollectorRegistry(), window=window, bins=bins)
    measured = monitor.observe({"pixel_28": clean["pixel_28"][:window]})
    psi, ks = measured["pixel_28"]
    assert math.isfinite(psi) and 0 <= ks <= 1, f"DriftMonitor(window={window}, bins={bins}).observe gave {measured}"


@pytest.mark.parametrize("window, why", [(1, "one value has no distribution"), (0, "an empty window"),
                                         ("200", "a string, not a count")])
def test_a_window_that_is_not_one_is_refused(window, why):
    from prometheus_client import CollectorRegistry

    reference, _, _ = drift_streams()
    rejects(_drift().DriftMonitor, reference, registry=CollectorRegistry(), window=window, why=why)


def test_a_feature_the_reference_does_not_have_is_refused():
    monitor, _ = _monitor()
    rejects(monitor.observe, {"pixel_99": [0.5]}, why="pixel_99 is not a reference feature")


def test_the_monitor_uses_its_own_registry():
    from prometheus_client import REGISTRY

    _monitor()
    _monitor()  # a second monitor in the same process: fine, on its own registry
    assert REGISTRY.get_sample_value("model_feature_psi", {"feature": "pixel_28"}) is None


# --- the alert -------------------------------------------------------------------------------

def test_the_drift_rule_fires_after_its_pending_time(tmp_path):
    (tmp_path / "drift.yml").write_text(yaml.safe_dump(_drift().drift_rules(), sort_keys=False))
    checked = promtool.check_rules(tmp_path / "drift.yml")
    assert checked.ok, "promtool check rules refused drift_rules():\n    " + "\n    ".join(checked.lines())

    def alerts(at, *states):
        return {"expr": 'ALERTS{alertname="FeatureDrift"}', "eval_time": at, "exp_samples": [
            {"labels": f'ALERTS{{alertname="FeatureDrift", alertstate="{s}", feature="pixel_9", job="model", '
                       f'severity="ticket"}}', "value": 1} for s in states]}
    series = [{"series": 'model_feature_psi{job="model", feature="pixel_9"}', "values": "0.05x5 0.4x30"},
              {"series": 'model_feature_psi{job="model", feature="pixel_28"}', "values": "0.2x35"}]
    (tmp_path / "drift_test.yml").write_text(yaml.safe_dump({"rule_files": ["drift.yml"], "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "promql_expr_test": [
            alerts("4m"), alerts("6m", "pending"), alerts("20m", "pending"), alerts("21m", "firing"),
            alerts("30m", "firing")]}]}, sort_keys=False))
    outcome = promtool.run_rule_tests(tmp_path / "drift_test.yml")
    assert outcome.ok, ("pixel_9's PSI is 0.05 for 5 minutes, then 0.4; pixel_28's stays 0.2: FeatureDrift should be "
                        "pending for pixel_9 from 5m and fire at 20m (15m pending), never for pixel_28. promtool "
                        "said:\n    " + "\n    ".join(outcome.lines(20)))


def test_live_the_drifted_stream_fires_and_the_clean_one_does_not(monitoring):
    from prometheus_client import make_asgi_app

    from fixtures.engines.monitoring.serve import serve

    monitoring.load_rules("kata-4-2-6", yaml.safe_dump(_drift().drift_rules(pending="2s"), sort_keys=False),
                          "drift_rules(pending='2s')")
    _, clean, drifted = drift_streams()
    (clean_monitor, clean_registry), (drifted_monitor, drifted_registry) = _monitor(), _monitor()
    clean_monitor.observe({name: values[:200] for name, values in clean.items()})
    for _ in range(3):
        drifted_monitor.observe(drifted)
    clean_slot, drifted_slot = monitoring.slot(), monitoring.slot()
    with serve(make_asgi_app(clean_registry), clean_slot), serve(make_asgi_app(drifted_registry), drifted_slot):
        try:
            received = [monitoring.webhook.wait_for("firing", 20, alertname="FeatureDrift", job=drifted_slot.job,
                                                    feature=feature)[1] for feature in ("pixel_28", "pixel_36", "pixel_9")]
        except TimeoutError as err:
            psi = monitoring.prometheus.query(f"model_feature_psi{{{drifted_slot.selector}}}")
            raise AssertionError(f"{err}\n  model_feature_psi of the drifted stream, as Prometheus scraped it: "
                                 f"{ {r['metric'].get('feature'): r['value'][1] for r in psi} }\n  "
                                 + monitoring.explain(drifted_slot.selector)) from None
        active = [a for a in monitoring.prometheus.alerts() if a["labels"].get("job") == clean_slot.job]
    assert all(alert["labels"].get("severity") == "ticket" for alert in received), \
        f"FeatureDrift's labels: {[alert['labels'] for alert in received]}"
    assert not active and not monitoring.webhook.alerts(job=clean_slot.job), \
        f"the clean stream has alerts: {[a['labels'] for a in active]}"


@pytest.mark.parametrize("settings, why", [({"max_psi": 0}, "a PSI above 0 is any change at all"),
                                           ({"max_psi": float("inf")}, "never"),
                                           ({"max_psi": -0.25}, "a negative PSI threshold"),
                                           ({"max_psi": "0.25"}, "a string, not a number"),
                                           ({"pending": "15 minutes"}, "not a PromQL duration")])
def test_rule_settings_that_are_not_are_refused(settings, why):
    rejects(_drift().drift_rules, why=why, **settings)
