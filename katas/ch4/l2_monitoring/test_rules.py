"""Kata 4.2.3: your rules, checked by promtool, tested on its virtual clock, then run live.

1. `promtool check rules` reads the file rule_groups() makes, as Prometheus would load it.
2. The lesson's unit tests (below, written for promtool) run against it: the alert is pending,
   then fires once it held 2 minutes, with the right labels; 4xx answers and a few 5xx page nobody.
3. The same rules with a 6 s window and 3 s pending, loaded into the lesson's Prometheus over
   traffic the test controls: an error burst makes ModelHighErrorRate go pending, then firing;
   the Alertmanager routes it to the test's webhook; the burst ends and it resolves.
"""

from __future__ import annotations

import time

import pytest
import yaml

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.engines.monitoring import promtool
from fixtures.engines.monitoring.traffic import Profile, SyntheticTraffic

CLEAN = Profile({"200": 10}, {0.03: 10})
BURST = Profile({"200": 5, "500": 5}, {0.03: 10})  # half the answers are 500s; latency unchanged
LIVE = {"window": "6s", "pending": "3s"}


def _rules():
    return lesson_module(__file__, "rules")


def _groups(**settings) -> dict:
    groups = _rules().rule_groups(**settings)
    assert isinstance(groups, dict) and isinstance(groups.get("groups"), list), \
        f"rule_groups({settings or ''}) returned {groups!r:.200}; expected {{'groups': [...]}}"
    return groups


def _named(groups: dict) -> dict[str, dict]:
    return {rule.get("record") or rule.get("alert"): rule for group in groups["groups"] for rule in group.get("rules", [])}


def _promtool_failure(what: str, outcome: promtool.Outcome) -> str:
    return f"{what}; promtool said:\n    " + "\n    ".join(outcome.lines(20))


def _write(tmp_path, groups: dict, cases: list[dict]) -> promtool.Outcome:
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(groups, sort_keys=False))
    (tmp_path / "lesson_test.yml").write_text(yaml.safe_dump(
        {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": cases}, sort_keys=False))
    return promtool.run_rule_tests(tmp_path / "lesson_test.yml")


def _series(**per_minute: int) -> list[dict]:
    """Counters growing by `per_minute[code]` each minute for 20 minutes."""
    return [{"series": f'model_requests_total{{job="model", code="{code.removeprefix("c")}"}}', "values": f"0+{n}x20"}
            for code, n in per_minute.items()]


def _alert(name: str, at: str, *states: dict) -> dict:
    """An expression test on the ALERTS series at `at`: exactly these states of alert `name`
    (each a dict of labels with alertstate "pending" or "firing"); none given: not active at all.
    (promtool's alert_rule_test compares annotations too, whose words are yours.)"""
    return {"expr": f'ALERTS{{alertname="{name}"}}', "eval_time": at,
            "exp_samples": [{"labels": "ALERTS{" + ", ".join(f'{k}="{v}"' for k, v in sorted({**labels, "alertname": name}.items())) + "}",
                             "value": 1} for labels in states]}


def _not_firing(name: str, at: str) -> dict:
    """Not firing at `at` (pending, or not active at all)."""
    return {"expr": f'ALERTS{{alertname="{name}", alertstate="firing"}}', "eval_time": at, "exp_samples": []}


PAGE = {"severity": "page", "job": "model"}


def test_promtool_reads_the_rules_as_prometheus_would(tmp_path):
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(_groups(), sort_keys=False))
    outcome = promtool.check_rules(path)
    assert outcome.ok, _promtool_failure("`promtool check rules` refused the file rule_groups() makes", outcome)


def test_the_rules_have_their_names_severities_and_annotations():
    rules = _named(_groups())
    expected = ["job:model_requests:rate", "job:model_request_errors:ratio", "job:model_request_duration_seconds:p95",
                "ModelHighErrorRate", "ModelLatencySLOBreach"]
    missing = [name for name in expected if name not in rules]
    assert not missing, f"rule_groups() has no rule named {missing}; it has {sorted(rules)}"
    for name, severity in (("ModelHighErrorRate", "page"), ("ModelLatencySLOBreach", "ticket")):
        rule = rules[name]
        assert rule.get("labels", {}).get("severity") == severity, f"{name}'s labels are {rule.get('labels')}"
        notes = rule.get("annotations", {})
        assert {"summary", "description", "runbook_url"} <= set(notes), f"{name}'s annotations are {sorted(notes)}"
        assert "$value" in notes["description"], \
            f"{name}'s description ({notes['description']!r}) does not say the measured value ({{{{ $value }}}})"


def test_the_error_alert_is_pending_for_two_minutes_then_fires(tmp_path):
    # 10 % 500s from the start: above 5 % from the first minute (rate needs two samples).
    cases = [{"interval": "1m", "input_series": _series(c200=540, c500=60), "promql_expr_test": [
        # Pending from 1m (rate needs two samples), or from 2m when the alert reads a recorded
        # series another group writes (groups run side by side: it may see it one interval late).
        _alert("ModelHighErrorRate", "0m"),
        _alert("ModelHighErrorRate", "2m", {**PAGE, "alertstate": "pending"}),
        _alert("ModelHighErrorRate", "4m", {**PAGE, "alertstate": "firing"}),
        _alert("ModelHighErrorRate", "15m", {**PAGE, "alertstate": "firing"}),
        _alert("ModelLatencySLOBreach", "15m"),
        {"expr": "job:model_request_errors:ratio", "eval_time": "10m",
         "exp_samples": [{"labels": 'job:model_request_errors:ratio{job="model"}', "value": 0.1}]},
        {"expr": "job:model_requests:rate", "eval_time": "10m",
         "exp_samples": [{"labels": 'job:model_requests:rate{job="model"}', "value": 10}]},
    ]}]
    outcome = _write(tmp_path, _groups(), cases)
    assert outcome.ok, _promtool_failure("with 10 % of answers 500s, the lesson's unit test failed", outcome)


@pytest.mark.parametrize("what, per_minute", [
    ("4 % server errors", {"c200": 576, "c500": 24}),
    ("a third of answers 404 (the callers' mistakes), no 5xx", {"c200": 400, "c404": 200}),
    ("4 % 503s and a quarter 400s", {"c200": 426, "c400": 150, "c503": 24}),
])
def test_client_errors_and_a_few_server_errors_page_nobody(tmp_path, what, per_minute):
    cases = [{"interval": "1m", "input_series": _series(**per_minute),
              "promql_expr_test": [_alert("ModelHighErrorRate", "15m")]}]
    outcome = _write(tmp_path, _groups(), cases)
    assert outcome.ok, _promtool_failure(f"with {what}, ModelHighErrorRate fired", outcome)


def test_a_job_without_errors_has_a_ratio_of_zero(tmp_path):
    cases = [{"interval": "1m", "input_series": _series(c200=600), "promql_expr_test": [
        {"expr": "job:model_request_errors:ratio", "eval_time": "10m",
         "exp_samples": [{"labels": 'job:model_request_errors:ratio{job="model"}', "value": 0}]}]}]
    outcome = _write(tmp_path, _groups(), cases)
    assert outcome.ok, _promtool_failure(
        "job:model_request_errors:ratio should be 0 for a job that answered only 200s (a dashboard shows 0 %, "
        "not 'no data')", outcome)


def _latency_series(fast: int, slow: int) -> list[dict]:
    """Per minute, `fast` requests under 100 ms and `slow` ones between 250 and 500 ms."""
    cumulative = {"0.1": fast, "0.2": fast, "0.25": fast, "0.5": fast + slow, "+Inf": fast + slow}
    return [{"series": f'model_request_duration_seconds_bucket{{job="model", le="{le}"}}', "values": f"0+{n}x20"}
            for le, n in cumulative.items()] + _series(c200=fast + slow)


def test_the_latency_alert_fires_on_a_slow_p95_only(tmp_path):
    cases = [
        {"interval": "1m", "input_series": _latency_series(fast=880, slow=120), "promql_expr_test": [
            _not_firing("ModelLatencySLOBreach", "2m"),
            _alert("ModelLatencySLOBreach", "10m", {"severity": "ticket", "job": "model", "alertstate": "firing"}),
            _alert("ModelHighErrorRate", "10m")]},
        {"interval": "1m", "input_series": _latency_series(fast=970, slow=30), "promql_expr_test": [
            _alert("ModelLatencySLOBreach", "10m")]},
    ]
    outcome = _write(tmp_path, _groups(), cases)
    assert outcome.ok, _promtool_failure("12 % of requests slower than 250 ms (p95 above the 200 ms SLO) should "
                                         "fire ModelLatencySLOBreach from 3m; 3 % should not", outcome)


def test_the_settings_are_used(tmp_path):
    """rule_groups(window="1m", pending="5m", max_error_ratio=0.2, slo_s=0.5): 10 % errors page
    nobody; 30 % do, once the ratio held for 5 minutes."""
    settings = {"window": "1m", "pending": "5m", "max_error_ratio": 0.2, "slo_s": 0.5}
    cases = [
        {"interval": "1m", "input_series": _series(c200=540, c500=60), "promql_expr_test": [
            _alert("ModelHighErrorRate", "15m")]},
        {"interval": "1m", "input_series": _series(c200=420, c500=180), "promql_expr_test": [
            _not_firing("ModelHighErrorRate", "5m"),  # above 20 % from 1m or 2m: 5 minutes not yet held
            _alert("ModelHighErrorRate", "8m", {**PAGE, "alertstate": "firing"})]},
        {"interval": "1m", "input_series": _latency_series(fast=880, slow=120), "promql_expr_test": [
            _alert("ModelLatencySLOBreach", "15m")]},
    ]
    outcome = _write(tmp_path, _groups(**settings), cases)
    assert outcome.ok, _promtool_failure(f"rule_groups(**{settings}) does not behave as its settings say", outcome)


@pytest.mark.parametrize("settings, why", [
    ({"window": "5 minutes"}, "not a PromQL duration"),
    ({"pending": "-2m"}, "a negative duration"),
    ({"max_error_ratio": 0}, "a ratio of 0 pages on every request"),
    ({"max_error_ratio": 5}, "a ratio is at most 1"),
    ({"max_error_ratio": 1}, "a ratio of 1 never fires"),
    ({"max_error_ratio": -0.5}, "a negative ratio"),
    ({"max_error_ratio": "0.05"}, "a string, not a share"),
    ({"slo_s": 0}, "an SLO of 0 s"),
    ({"slo_s": -0.2}, "a negative SLO"),
    ({"slo_s": "0.2"}, "a string, not seconds"),
])
def test_settings_that_are_not_are_refused(settings, why):
    rejects(_rules().rule_groups, why=why, **settings)


def test_write_rules_writes_the_yaml_prometheus_loads(tmp_path):
    path = _rules().write_rules(tmp_path / "written.yml", window="10m")
    assert yaml.safe_load((tmp_path / "written.yml").read_text()) == _groups(window="10m"), \
        f"write_rules wrote {path}, whose YAML is not rule_groups(window='10m')"
    outcome = promtool.check_rules(tmp_path / "written.yml")
    assert outcome.ok, _promtool_failure("promtool refused the file write_rules wrote", outcome)


def test_live_an_error_burst_fires_the_alert_which_reaches_the_alertmanager_and_resolves(monitoring):
    prometheus, webhook = monitoring.prometheus, monitoring.webhook
    slot = monitoring.slot()
    monitoring.load_rules("kata-4-2-3", yaml.safe_dump(_groups(**LIVE), sort_keys=False),
                          "rule_groups(window='6s', pending='3s')")
    timeline: dict[str, float] = {}

    def state() -> dict | None:
        for alert in prometheus.alerts():
            if alert["labels"].get("alertname") == "ModelHighErrorRate" and alert["labels"].get("job") == slot.job:
                return alert
        return None

    with SyntheticTraffic(slot, CLEAN) as traffic:
        prometheus.wait_scraped(slot, 3)
        assert state() is None, f"ModelHighErrorRate is {state()} before any error was answered"
        timeline["fault"] = traffic.switch(BURST)
        prometheus.wait_until("ModelHighErrorRate pending or firing", lambda: state() is not None, 15)
        first = state()
        timeline["pending"] = time.time()
        prometheus.wait_until("ModelHighErrorRate firing", lambda: (state() or {}).get("state") == "firing", 15)
        timeline["firing"] = time.time()
        active_at = _seconds(state()["activeAt"])
        try:
            timeline["received"], received = webhook.wait_for("firing", 15, alertname="ModelHighErrorRate", job=slot.job)
            timeline["fault removed"] = traffic.switch(CLEAN)
            timeline["resolved"], _ = webhook.wait_for("resolved", 30, alertname="ModelHighErrorRate", job=slot.job)
        except TimeoutError as err:
            raise AssertionError(f"{err}\n  {monitoring.explain(slot.selector)}") from None
    start = timeline["fault"]
    print("alert timeline (s after the fault): " + ", ".join(f"{k} {v - start:+.1f}" for k, v in timeline.items()))
    assert first["state"] == "pending", f"ModelHighErrorRate was first seen {first['state']}: `for` should hold it pending"
    assert timeline["firing"] - active_at >= 3 - 0.05, \
        f"ModelHighErrorRate fired {timeline['firing'] - active_at:.1f} s after it became active; pending was 3 s"
    assert received["labels"].get("severity") == "page", f"the Alertmanager received labels {received['labels']}"
    assert slot.job in received.get("annotations", {}).get("summary", ""), \
        f"the alert's summary ({received.get('annotations', {}).get('summary')!r}) does not name the job"
    wrong = webhook.alerts(alertname="ModelLatencySLOBreach", job=slot.job)
    assert not wrong, f"ModelLatencySLOBreach fired too, with latency unchanged: {wrong[0][1]['labels']}"


def _seconds(stamp: str) -> float:
    """Prometheus's RFC 3339 time (nanoseconds, 'Z') as time.time() seconds."""
    from datetime import datetime

    whole, _, fraction = stamp.rstrip("Z").partition(".")
    base = datetime.strptime(whole, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=__import__("datetime").timezone.utc)
    return base.timestamp() + (float(f"0.{fraction}") if fraction else 0.0)
