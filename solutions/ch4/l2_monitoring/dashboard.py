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

import json
from pathlib import Path

from grafana_foundation_sdk.builders import prometheus, stat, timeseries
from grafana_foundation_sdk.builders.dashboard import Dashboard
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models.dashboard import DataSourceRef

from . import queries

PANEL_WIDTH, PANEL_HEIGHT = 12, 8


def build_dashboard(job: str, *, slo_s: float = 0.2, window: str = "5m", datasource_uid: str = "prometheus") -> dict:
    """The dashboard's JSON model, as a dict (what save_dashboard writes). Its uid is
    "model-<job>", its title names the job; it refreshes every 10 s over the last 15 minutes."""
    source = DataSourceRef(type_val="prometheus", uid=datasource_uid)

    def target(expr: str, legend: str):
        return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id("A").datasource(source)

    panels = [
        timeseries.Panel().title("Requests per second").unit("reqps")
        .with_target(target(queries.request_rate(job, window), "requests/s")),
        timeseries.Panel().title("Server errors").unit("percentunit")
        .with_target(target(queries.error_ratio(job, window), "5xx share")),
        timeseries.Panel().title("Latency p95").unit("s")
        .with_target(target(queries.latency_quantile(job, 0.95, window), "p95")),
        stat.Panel().title("Within SLO").unit("percentunit")
        .with_target(target(queries.within_slo(job, slo_s, window), f"within {slo_s:g} s")),
    ]
    board = Dashboard(f"Model server: {job}").uid(f"model-{job}").tags(["model-server", "scalable-ai-katas"]) \
        .refresh("10s").time("now-15m", "now").timezone("utc")
    for panel in panels:
        # Two panels a row (Grafana's grid is 24 columns); the SDK places each after the last.
        board = board.with_panel(panel.datasource(source).span(PANEL_WIDTH).height(PANEL_HEIGHT))
    return json.loads(json.dumps(board.build(), cls=JSONEncoder))


def save_dashboard(path: Path, job: str, **settings) -> Path:
    """build_dashboard(job, **settings) written to `path` as JSON; returns the path."""
    path = Path(path)
    path.write_text(json.dumps(build_dashboard(job, **settings), indent=2) + "\n")
    return path
