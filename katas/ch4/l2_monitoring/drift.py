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

from prometheus_client import CollectorRegistry

try:
    from fixtures import KataNotImplemented
except ImportError:  # inside the Capstone 4 image, where the course's fixtures are not installed
    KataNotImplemented = NotImplementedError


def psi(reference, live, bins: int = 10) -> float:
    """The PSI of `live` against `reference` (1-D samples), over up to `bins` bins cut at the
    reference's quantiles (values that repeat make fewer bins: the edges are kept distinct).
    ValueError for an empty sample, NaN or infinite values, fewer than 2 bins."""
    raise KataNotImplemented("4.2.6")


def ks_statistic(reference, live) -> float:
    """sup over x of |F_reference(x) - F_live(x)|, the empirical CDFs' largest gap.
    ValueError for an empty sample, NaN or infinite values."""
    raise KataNotImplemented("4.2.6")


class DriftMonitor:
    """Live windows of each feature, compared with the reference at every observe()."""

    def __init__(self, reference: dict, *, registry: CollectorRegistry, window: int = 500, bins: int = 10):
        """`reference`: {feature: 1-D sample}. The gauges go on `registry`. ValueError for no
        reference, or a window of fewer than 2 values."""
        raise KataNotImplemented("4.2.6")

    def observe(self, rows: dict) -> dict[str, tuple[float, float]]:
        """Add live values ({feature: [values]}) to their windows; update and return each fed
        feature's (PSI, KS). ValueError for a feature the reference does not have."""
        raise KataNotImplemented("4.2.6")


def drift_rules(*, max_psi: float = 0.25, pending: str = "15m") -> dict:
    """A rule file with one alert, FeatureDrift: a feature's PSI above `max_psi` for `pending`;
    labels severity "ticket" (drift needs a look and maybe a retrain, not a 3 a.m. page), job
    and feature from the gauge; annotations summary, description (with the PSI), runbook_url.
    ValueError for a max_psi that is not a positive finite number, a pending that is not a
    PromQL duration."""
    raise KataNotImplemented("4.2.6")
