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

import re
from pathlib import Path

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")
RUNBOOK = "katas/ch4/l2_monitoring/README.md#runbook"  # the lesson's runbook: what on-call does


def rule_groups(*, window: str = "5m", pending: str = "2m", max_error_ratio: float = 0.05,
                slo_s: float = 0.2) -> dict:
    """The rule file, as a dict: {"groups": [{"name": ..., "rules": [...]}, ...]}.
    ValueError for a window or pending that is not a PromQL duration, a ratio outside (0, 1),
    an SLO that is not a positive number of seconds."""
    for name, value in (("window", window), ("pending", pending)):
        if not isinstance(value, str) or not _DURATION.match(value):
            raise ValueError(f'{name} is a PromQL duration such as "5m", not {value!r}')
    if not isinstance(max_error_ratio, (int, float)) or not 0 < max_error_ratio < 1:
        raise ValueError(f"max_error_ratio is a share between 0 and 1, not {max_error_ratio!r}")
    if not isinstance(slo_s, (int, float)) or isinstance(slo_s, bool) or not slo_s > 0:
        raise ValueError(f"slo_s is a positive number of seconds, not {slo_s!r}")
    rate = f"sum by (job) (rate(model_requests_total[{window}]))"
    errors = f'sum by (job) (rate(model_requests_total{{code=~"5.."}}[{window}]))'
    recording = [
        {"record": "job:model_requests:rate", "expr": rate},
        # 0 * rate: a job with traffic and no 5xx series gets 0, with its job label (not nothing).
        {"record": "job:model_request_errors:ratio", "expr": f"({errors} or 0 * {rate}) / {rate}"},
        {"record": "job:model_request_duration_seconds:p95",
         "expr": f"histogram_quantile(0.95, sum by (job, le) (rate(model_request_duration_seconds_bucket[{window}])))"},
    ]
    alerts = [
        {"alert": "ModelHighErrorRate", "expr": f"job:model_request_errors:ratio > {max_error_ratio:g}",
         "for": pending, "labels": {"severity": "page"},
         "annotations": {"summary": "{{ $labels.job }} answers too many server errors",
                         "description": "{{ $value | humanizePercentage }} of {{ $labels.job }}'s answers were 5xx "
                                        f"over {window} (above {max_error_ratio:.0%})",
                         "runbook_url": f"{RUNBOOK}-modelhigherrorrate"}},
        {"alert": "ModelLatencySLOBreach", "expr": f"job:model_request_duration_seconds:p95 > {slo_s:g}",
         "for": pending, "labels": {"severity": "ticket"},
         "annotations": {"summary": "{{ $labels.job }} is slower than its SLO",
                         "description": "p95 latency of {{ $labels.job }} is {{ $value | humanizeDuration }} over "
                                        f"{window} (SLO: {slo_s:g} s)",
                         "runbook_url": f"{RUNBOOK}-modellatencyslobreach"}},
    ]
    # One group: its rules run in order at each evaluation, so the alerts read the ratio and the
    # p95 recorded a moment before. (Groups run side by side: an alert in another group could
    # read them one evaluation late.)
    return {"groups": [{"name": "model-server", "rules": recording + alerts}]}


def write_rules(path: Path, **settings) -> Path:
    """rule_groups(**settings) written to `path` as YAML; returns the path."""
    import yaml

    path = Path(path)
    path.write_text(yaml.safe_dump(rule_groups(**settings), sort_keys=False, width=200))
    return path
