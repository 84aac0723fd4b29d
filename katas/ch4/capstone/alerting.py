"""Kata 4.c.3: the alerts and the dashboard of the deployed model, one file each.

One rule file for the service: lesson 4.2.3's error-rate and latency rules and lesson 4.2.6's
drift rule, loaded together, each alert pointing at the section of this capstone's runbook
(README.md) that says what the on-call engineer does with it. One dashboard: lesson 4.2.5's
panels and one more, the input drift (PSI of each watched feature), so that the person the
drift alert reaches sees what drifted and since when.

Lesson 4.2's functions are yours to reuse: `from ..l2_monitoring.rules import rule_groups`.
"""

from __future__ import annotations

from fixtures import KataNotImplemented

RUNBOOK = "katas/ch4/capstone/README.md"


def alert_rules(*, window: str = "5m", pending: str = "2m", max_error_ratio: float = 0.05, slo_s: float = 0.2,
                max_psi: float = 0.25, drift_pending: str = "15m") -> dict:
    """The service's rule file, as a dict: the groups of lesson 4.2.3's rule_groups(window,
    pending, max_error_ratio, slo_s) and of 4.2.6's drift_rules(max_psi, drift_pending), each
    alert's runbook_url leading to its own section of this capstone's README
    (f"{RUNBOOK}#<the anchor of its heading>"). ValueError as the two lessons' functions raise it."""
    raise KataNotImplemented("4.c.3")


def dashboard(job: str, **settings) -> dict:
    """Lesson 4.2.5's build_dashboard(job, **settings) with one more time-series panel below
    the others, "Input drift (PSI)", drawing model_feature_psi of `job`, one line per feature."""
    raise KataNotImplemented("4.c.3")
