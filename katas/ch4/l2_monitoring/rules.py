"""Kata 4.2.3: recording and alerting rules, as code, for every environment.

rule_groups() returns the rule file Prometheus loads (as a dict; write_rules writes it as
YAML). In production the window is 5 minutes and an alert waits 2 minutes before it fires;
the lesson's live Prometheus runs the same rules with seconds (a window of 6 s, 3 s pending),
which is why these are parameters and not constants: one definition, tested twice.

Recording rules (one series per job, named level:metric:operation, Prometheus's convention):
  job:model_requests:rate              requests per second (every code)
  job:model_request_errors:ratio       the share of 5xx answers (0 when none failed)
  job:model_request_duration_seconds:p95   p95 latency from the histogram's buckets
Alerting rules (labels: severity; annotations: summary, description, runbook_url):
  ModelHighErrorRate    error ratio above `max_error_ratio` for `pending`      severity "page"
  ModelLatencySLOBreach p95 above `slo_s` for `pending`                        severity "ticket"
Both carry the job's label, and a description with the measured value ({{ $value }}).
"""

from __future__ import annotations

from pathlib import Path

from fixtures import KataNotImplemented

RUNBOOK = "katas/ch4/l2_monitoring/README.md#runbook"  # the lesson's runbook: what on-call does


def rule_groups(*, window: str = "5m", pending: str = "2m", max_error_ratio: float = 0.05,
                slo_s: float = 0.2) -> dict:
    """The rule file, as a dict: {"groups": [{"name": ..., "rules": [...]}, ...]}.
    ValueError for a window or pending that is not a PromQL duration, a ratio outside (0, 1),
    an SLO that is not a positive number of seconds."""
    raise KataNotImplemented("4.2.3")


def write_rules(path: Path, **settings) -> Path:
    """rule_groups(**settings) written to `path` as YAML; returns the path."""
    raise KataNotImplemented("4.2.3")
