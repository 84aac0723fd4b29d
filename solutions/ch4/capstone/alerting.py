"""Kata 4.c.3: the alerts and the dashboard of the deployed model, one file each.

One rule file for the service: lesson 4.2.3's error-rate and latency rules and lesson 4.2.6's
drift rule, loaded together, each alert pointing at the section of this capstone's runbook
(README.md) that says what the on-call engineer does with it. One dashboard: lesson 4.2.5's
panels and one more, the input drift (PSI of each watched feature), so that the person the
drift alert reaches sees what drifted and since when.
"""

from __future__ import annotations

from ..l2_monitoring.dashboard import build_dashboard
from ..l2_monitoring.drift import drift_rules
from ..l2_monitoring.rules import rule_groups

RUNBOOK = "katas/ch4/capstone/README.md"


def alert_rules(*, window: str = "5m", pending: str = "2m", max_error_ratio: float = 0.05, slo_s: float = 0.2,
                max_psi: float = 0.25, drift_pending: str = "15m") -> dict:
    """The service's rule file: every group of rule_groups(window, pending, max_error_ratio,
    slo_s) and of drift_rules(max_psi, drift_pending), each alert's runbook_url set to
    f"{RUNBOOK}#runbook-<alert name, lower case>". ValueError as the two lessons' functions raise it."""
    groups = rule_groups(window=window, pending=pending, max_error_ratio=max_error_ratio, slo_s=slo_s)["groups"]
    groups += drift_rules(max_psi=max_psi, pending=drift_pending)["groups"]
    for group in groups:
        for rule in group["rules"]:
            if "alert" in rule:
                rule.setdefault("annotations", {})["runbook_url"] = f"{RUNBOOK}#runbook-{rule['alert'].lower()}"
    return {"groups": groups}


def dashboard(job: str, **settings) -> dict:
    """build_dashboard(job, **settings) with one more time-series panel below the others,
    "Input drift (PSI)", drawing model_feature_psi of `job`, one line per feature."""
    import json

    from grafana_foundation_sdk.builders import prometheus, timeseries
    from grafana_foundation_sdk.cog.encoder import JSONEncoder

    built = build_dashboard(job, **settings)
    source = built["panels"][0]["datasource"]
    bottom = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in built["panels"])
    query = prometheus.Dataquery().expr(f'model_feature_psi{{job="{job}"}}').legend_format("{{feature}}").ref_id("A")
    # Built with the SDK, as lesson 4.2.5's panels are: the JSON is the schema's, field for field.
    panel = timeseries.Panel().title("Input drift (PSI)").unit("none").span(24).height(8).with_target(query)
    drawn = json.loads(json.dumps(panel.build(), cls=JSONEncoder))
    drawn["datasource"] = drawn["targets"][0]["datasource"] = source
    drawn["gridPos"]["x"], drawn["gridPos"]["y"] = 0, bottom
    built["panels"].append(drawn)
    return built
