"""Kata 4.2.5: a Grafana dashboard as code, generated from Python and saved as JSON.

grafana-foundation-sdk (Grafana's own builders, its 11.6 dashboard schema) makes the model;
the JSON it encodes is what Grafana imports (Dashboards > New > Import) or provisions from a
folder. A dashboard in git is reviewed, diffed and rebuilt for every service, like code.

The dashboard: one job, four panels, each one query on the Prometheus data source whose
uid is `datasource_uid`, titled exactly:
  "Requests per second"   time series, unit "reqps"        request rate over `window`
  "Server errors"         time series, unit "percentunit"  5xx share over `window`
  "Latency p95"           time series, unit "s"            p95 latency from the buckets
  "Within SLO"            stat,        unit "percentunit"  share of requests within `slo_s`
Reuse your queries.py (kata 4.2.2): a dashboard and an alert that disagree on what "error
ratio" means are worse than none.
"""

from __future__ import annotations

from pathlib import Path

from fixtures import KataNotImplemented


def build_dashboard(job: str, *, slo_s: float = 0.2, window: str = "5m", datasource_uid: str = "prometheus") -> dict:
    """The dashboard's JSON model, as a dict (what save_dashboard writes). Its uid is
    "model-<job>", its title names the job; it refreshes every 10 s over the last 15 minutes."""
    raise KataNotImplemented("4.2.5")


def save_dashboard(path: Path, job: str, **settings) -> Path:
    """build_dashboard(job, **settings) written to `path` as JSON; returns the path."""
    raise KataNotImplemented("4.2.5")
