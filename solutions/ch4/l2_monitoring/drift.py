"""Kata 4.2.6: drift, measured and alerted on: PSI and KS between a reference and a live window.

A model is trained on one distribution of inputs and served on whatever arrives. When the
inputs drift (a new camera, a new market, a bug upstream), accuracy falls silently: no error,
no latency change, nothing the server's other metrics see. Comparing each feature's live
distribution to the training one catches it:

  PSI (population stability index): bins from the reference's quantiles, then
      sum over bins of (live% - ref%) * ln(live% / ref%); under 0.1 stable, above 0.25 drifted.
  KS (two-sample Kolmogorov-Smirnov statistic): the largest gap between the two empirical
      CDFs, between 0 and 1.

DriftMonitor keeps the last `window` live values of each feature and exports both per feature
as gauges, model_feature_psi{feature} and model_feature_ks{feature}, on its registry; the rule
from drift_rules() alerts when a feature's PSI stays above a threshold.
"""

from __future__ import annotations

import math
import re
from collections import deque

import numpy as np
from prometheus_client import CollectorRegistry, Gauge

EPSILON = 1e-4  # the share given to an empty bin: ln(0) would make any PSI infinite
_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def _values(name: str, values) -> np.ndarray:
    array = np.asarray(values, dtype=float).ravel()
    if array.size == 0:
        raise ValueError(f"{name} is empty: nothing to compare")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} holds NaN or infinite values")
    return array


def psi(reference, live, bins: int = 10) -> float:
    """The PSI of `live` against `reference` (1-D samples), over up to `bins` bins cut at the
    reference's quantiles (values that repeat make fewer bins: the edges are kept distinct).
    ValueError for an empty sample, NaN or infinite values, fewer than 2 bins."""
    if not isinstance(bins, int) or bins < 2:
        raise ValueError(f"at least 2 bins, not {bins!r}")
    ref, now = _values("reference", reference), _values("live", live)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1))[1:-1])
    ref_share = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=len(edges) + 1) / ref.size
    now_share = np.bincount(np.searchsorted(edges, now, side="right"), minlength=len(edges) + 1) / now.size
    ref_share, now_share = np.maximum(ref_share, EPSILON), np.maximum(now_share, EPSILON)
    return float(np.sum((now_share - ref_share) * np.log(now_share / ref_share)))


def ks_statistic(reference, live) -> float:
    """sup over x of |F_reference(x) - F_live(x)|, the empirical CDFs' largest gap.
    ValueError for an empty sample, NaN or infinite values."""
    ref, now = np.sort(_values("reference", reference)), np.sort(_values("live", live))
    points = np.concatenate([ref, now])
    gap = np.searchsorted(ref, points, side="right") / ref.size - np.searchsorted(now, points, side="right") / now.size
    return float(np.max(np.abs(gap)))


class DriftMonitor:
    """Live windows of each feature, compared with the reference at every observe()."""

    def __init__(self, reference: dict, *, registry: CollectorRegistry, window: int = 500, bins: int = 10):
        """`reference`: {feature: 1-D sample}. The gauges go on `registry`. ValueError for no
        reference, or a window of fewer than 2 values."""
        if not isinstance(window, int) or window < 2:
            raise ValueError(f"a window of at least 2 values, not {window!r}")
        if not reference:
            raise ValueError("no reference features")
        self.reference = {name: _values(f"reference[{name!r}]", values) for name, values in reference.items()}
        self.bins = bins
        self.live = {name: deque(maxlen=window) for name in self.reference}
        self.psi_gauge = Gauge("model_feature_psi", "PSI of the live window against the reference", ["feature"],
                               registry=registry)
        self.ks_gauge = Gauge("model_feature_ks", "KS statistic of the live window against the reference",
                              ["feature"], registry=registry)

    def observe(self, rows: dict) -> dict[str, tuple[float, float]]:
        """Add live values ({feature: [values]}) to their windows; update and return each fed
        feature's (PSI, KS). ValueError for a feature the reference does not have."""
        unknown = sorted(set(rows) - set(self.reference))
        if unknown:
            raise ValueError(f"features {unknown} are not in the reference {sorted(self.reference)}")
        measured = {}
        for name, values in rows.items():
            self.live[name].extend(_values(f"live[{name!r}]", values))
            window = np.fromiter(self.live[name], dtype=float)
            measured[name] = (psi(self.reference[name], window, self.bins), ks_statistic(self.reference[name], window))
            self.psi_gauge.labels(feature=name).set(measured[name][0])
            self.ks_gauge.labels(feature=name).set(measured[name][1])
        return measured


def drift_rules(*, max_psi: float = 0.25, pending: str = "15m") -> dict:
    """A rule file with one alert, FeatureDrift: a feature's PSI above `max_psi` for `pending`;
    labels severity "ticket" (drift needs a look and maybe a retrain, not a 3 a.m. page), job
    and feature from the gauge; annotations summary, description (with the PSI), runbook_url.
    ValueError for a max_psi that is not a positive finite number, a pending that is not a
    PromQL duration."""
    if not isinstance(max_psi, (int, float)) or isinstance(max_psi, bool) or not max_psi > 0 or math.isinf(max_psi):
        raise ValueError(f"max_psi is a positive number, not {max_psi!r}")
    if not isinstance(pending, str) or not _DURATION.match(pending):
        raise ValueError(f'pending is a PromQL duration such as "15m", not {pending!r}')
    return {"groups": [{"name": "model-input-drift", "rules": [{
        "alert": "FeatureDrift", "expr": f"model_feature_psi > {max_psi:g}", "for": pending,
        "labels": {"severity": "ticket"},
        "annotations": {"summary": "{{ $labels.job }}'s input {{ $labels.feature }} drifted",
                        "description": "PSI {{ $value | printf \"%.2f\" }} against the training data "
                                       f"(above {max_psi:g})",
                        "runbook_url": "katas/ch4/l2_monitoring/README.md#runbook-featuredrift"}}]}]}
