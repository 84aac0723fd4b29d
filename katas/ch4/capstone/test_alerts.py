"""Kata 4.c.3: the service's alerts and dashboard, and faults that make them fire.

Your alert_rules() is loaded into the real Prometheus (checked by promtool first); your
ship() deploys your Capstone 4 image on moto and the tests run it as SageMaker would, on a
port Prometheus scrapes, while a client sends it ten requests a second of held-out digits.
Then two real faults, one after the other:

  drifted inputs   the client sends only zeros and ones (a client whose traffic changed):
                   FeatureDrift must fire, reach the Alertmanager, and resolve once the
                   traffic is back to normal;
  a CPU shortage   the container's CPU quota is cut to 2 % of a core (`docker update
                   --cpus 0.02`): ModelLatencySLOBreach must fire and resolve once the quota
                   is lifted.

No other alert may fire. The timeline (fault, pending, firing, received, fault removed,
resolved) is written to .kata/logs/4.c.3-timeline.txt, your dashboard drawn over the whole run
to .kata/dashboards/.
"""

from __future__ import annotations

import json
import re
import threading
import time

import yaml

from fixtures import lesson_module
from fixtures.course.trees import REPO_ROOT
from fixtures.data.digits import digits_split
from fixtures.engines.docker.watched import Throttle, Traffic, run_endpoint
from fixtures.engines.monitoring.render import render

KATA = "4.c.3"
LOGS = REPO_ROOT / ".kata" / "logs"
ALERTS = {"ModelHighErrorRate", "ModelLatencySLOBreach", "FeatureDrift"}
# Test-sized settings: windows of seconds, not minutes, so a fault fires in seconds.
FAST = dict(window="10s", pending="3s", max_error_ratio=0.05, slo_s=0.2, max_psi=0.25, drift_pending="3s")
THROTTLED_CPUS = 0.02


def _alerting():
    return lesson_module(__file__, "alerting")


def _alerts(rules: dict) -> dict[str, dict]:
    return {rule["alert"]: rule for group in rules.get("groups", []) for rule in group.get("rules", []) if "alert" in rule}


def _anchors(markdown: str) -> dict[str, str]:
    """GitHub's heading anchors of a README: {anchor: heading text}."""
    found = {}
    for line in markdown.splitlines():
        heading = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if heading:
            text = heading.group(1)
            anchor = re.sub(r"[^\w\- ]", "", text.lower().replace("`", "")).replace(" ", "-")
            found[anchor] = text
    return found


def test_one_rule_file_with_the_three_alerts_each_with_its_runbook_section(monitoring):
    rules = _alerting().alert_rules()
    assert isinstance(rules, dict), f"alert_rules() returned {type(rules).__name__}; expected the rule file as a dict"
    alerts = _alerts(rules)
    assert set(alerts) == ALERTS, f"the rule file's alerts are {sorted(alerts)}; expected {sorted(ALERTS)}"
    monitoring.load_rules("capstone-4", yaml.safe_dump(rules), "alert_rules()")
    readme = (REPO_ROOT / "katas" / "ch4" / "capstone" / "README.md").read_text(encoding="utf-8")
    anchors = _anchors(readme)
    for name, rule in alerts.items():
        url = (rule.get("annotations") or {}).get("runbook_url", "")
        path, _, anchor = url.partition("#")
        assert path == "katas/ch4/capstone/README.md" and anchor in anchors, \
            (f"{name}'s runbook_url is {url!r}; expected katas/ch4/capstone/README.md#<a heading of its runbook>, "
             f"one of {sorted(a for a in anchors if a.startswith('runbook'))}")
        assert name in anchors[anchor], f"{name}'s runbook_url leads to the heading {anchors[anchor]!r}, not {name}'s"


def test_without_settings_the_rules_are_the_lessons_defaults():
    rules = _without_runbooks(_alerting().alert_rules())
    rules_module = lesson_module(REPO_ROOT / "katas" / "ch4" / "l2_monitoring" / "test_rules.py", "rules")
    drift_module = lesson_module(REPO_ROOT / "katas" / "ch4" / "l2_monitoring" / "test_drift.py", "drift")
    lessons = _without_runbooks({"groups": rules_module.rule_groups()["groups"] + drift_module.drift_rules()["groups"]})
    assert rules == lessons, ("alert_rules() should be lesson 4.2.3's rule_groups() and 4.2.6's drift_rules() with "
                              "their own defaults (5m, 2m, 5 %, 0.2 s, PSI 0.25 for 15m), only the runbook links changed")


def _without_runbooks(rules: dict) -> dict:
    """The rules without their runbook links (which the capstone changes on purpose)."""
    import copy

    rules = copy.deepcopy(rules)
    for group in rules.get("groups", []):
        for rule in group.get("rules", []):
            rule.get("annotations", {}).pop("runbook_url", None)
    return rules


def test_the_settings_reach_the_rules():
    rules = _alerting().alert_rules(window="7m", pending="90s", max_error_ratio=0.02, slo_s=0.35, max_psi=0.4,
                                    drift_pending="45m")
    alerts = _alerts(rules)
    assert alerts["FeatureDrift"].get("for") == "45m" and "0.4" in alerts["FeatureDrift"]["expr"], \
        f"FeatureDrift is {alerts['FeatureDrift']}: drift_pending=45m, max_psi=0.4 expected"
    for name in ("ModelHighErrorRate", "ModelLatencySLOBreach"):
        assert alerts[name].get("for") == "90s", f"{name} waits {alerts[name].get('for')!r}; pending=90s was given"
    recorded = " ".join(r.get("expr", "") for g in rules["groups"] for r in g["rules"] if "record" in r)
    everything = json.dumps(rules)
    assert "[7m]" in recorded and "0.02" in everything and "0.35" in everything, \
        "window=7m, max_error_ratio=0.02 and slo_s=0.35 should all be in the rules"


def test_the_dashboard_adds_the_input_drift_panel(monitoring):
    from grafana_foundation_sdk.cog.encoder import JSONEncoder
    from grafana_foundation_sdk.models.dashboard import Dashboard

    board = _alerting().dashboard("capstone-job", window="10s")
    assert json.loads(json.dumps(Dashboard.from_json(board), cls=JSONEncoder)) == board, \
        "grafana-foundation-sdk's Dashboard model does not read your dashboard back the same"
    panels = {p.get("title"): p for p in board.get("panels", [])}
    lesson = {"Requests per second", "Server errors", "Latency p95", "Within SLO"}
    assert lesson <= set(panels), f"the panels are {sorted(panels)}: lesson 4.2.5's four are missing"
    drift = [p for t, p in panels.items() if t not in lesson]
    assert len(drift) == 1, f"one more panel expected, the input drift; found {sorted(set(panels) - lesson)}"
    expr = drift[0]["targets"][0]["expr"]
    monitoring.prometheus.format_query(expr)
    assert "model_feature_psi" in expr and 'job="capstone-job"' in expr, \
        f"the drift panel asks {expr!r}: model_feature_psi of the dashboard's job expected"
    others = [p["gridPos"] for t, p in panels.items() if t in lesson]
    pos = drift[0].get("gridPos", {})
    assert 0 <= pos.get("x", -1) and pos.get("x", 0) + pos.get("w", 0) <= 24 and pos.get("w", 0) > 0, \
        f"the drift panel at {pos} is not inside Grafana's 24-column grid"
    assert all(pos.get("y", 0) >= o["y"] + o["h"] or pos.get("x", 0) >= o["x"] + o["w"] or
               o["x"] >= pos.get("x", 0) + pos.get("w", 0) for o in others), \
        f"the drift panel at {pos} overlaps lesson 4.2.5's panels {others}"


class Timeline:
    """What happened when: the test's own steps, every alert state change of the job that
    Prometheus reports (polled every 0.2 s from a thread), and what the webhook received from
    the Alertmanager ("received")."""

    def __init__(self, monitoring, job: str):
        self.monitoring, self.job = monitoring, job
        self.started = time.time()
        self.events: list[tuple[float, str]] = []
        self.states: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, name="alert-states", daemon=True)

    def note(self, what: str, at: float | None = None) -> float:
        at = at or time.time()
        self.events.append((at, what))
        return at

    def _poll(self) -> None:
        while not self._stop.is_set():
            try:
                now = {a["labels"]["alertname"] + (f"{{feature={a['labels']['feature']}}}" if "feature" in a["labels"] else ""):
                       a["state"] for a in self.monitoring.prometheus.alerts() if a["labels"].get("job") == self.job}
            except Exception:  # noqa: BLE001 - a missed poll is a coarser timeline, not a failure
                now = self.states
            for name in set(now) | set(self.states):
                if now.get(name) != self.states.get(name):
                    self.note(f"Prometheus: {name} {now.get(name, 'inactive')}")
            self.states = dict(now)
            self._stop.wait(0.2)

    def __enter__(self) -> "Timeline":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def text(self) -> str:
        return "\n".join(f"{at - self.started:7.1f} s  {what}" for at, what in sorted(self.events))


def test_each_fault_fires_its_alert_which_reaches_the_alertmanager_and_resolves(shipped, aws, docker_scope,
                                                                                monitoring, tmp_path):
    rules = _alerting().alert_rules(**FAST)
    monitoring.load_rules("capstone-4", yaml.safe_dump(rules), f"alert_rules({FAST})")
    shipped("2026-11-26.4")
    slot = monitoring.slot()
    endpoint = run_endpoint(aws, docker_scope, "digits", slot.port, tmp_path, log=LOGS / "4.c.3-run.log")
    _, _, x_test, y_test = digits_split()
    clean, drifted = x_test, x_test[(y_test == 0) | (y_test == 1)]
    webhook, job = monitoring.webhook, slot.job
    log = LOGS / "4.c.3-timeline.txt"
    with Timeline(monitoring, job) as timeline, Traffic(endpoint.url("/invocations"), clean) as traffic:
        try:
            calm = timeline.note("calm: 10 requests/s of held-out digits")
            monitoring.prometheus.wait_until(
                "a full window of calm traffic recorded",
                lambda: (monitoring.prometheus.value(f'job:model_requests:rate{{{slot.selector}}}') or 0) > 5, 20)

            fault = timeline.note("FAULT 1: the client sends only zeros and ones")
            traffic.switch(drifted)
            at, alert = webhook.wait_for("firing", 40, after=fault, alertname="FeatureDrift", job=job)
            timeline.note(f"received: FeatureDrift firing ({alert['labels'].get('feature')}, "
                          f"severity {alert['labels'].get('severity')})", at)
            fixed = timeline.note("fault 1 removed: held-out digits again")
            traffic.switch(clean)
            # Every feature that fired must resolve before the next fault: one notification
            # per feature (the Alertmanager groups by alert name and job, not by feature).
            fired = {a["labels"].get("feature") for _, a in webhook.alerts(alertname="FeatureDrift", job=job)}
            for feature in sorted(fired):
                at, _ = webhook.wait_for("resolved", 40, after=fixed, alertname="FeatureDrift", job=job,
                                         feature=feature)
                timeline.note(f"received: FeatureDrift resolved ({feature})", at)

            fault = timeline.note(f"FAULT 2: CPU quota cut to {THROTTLED_CPUS} of a core (docker update --cpus)")
            with Throttle(endpoint.container, THROTTLED_CPUS) as throttle:
                at, alert = webhook.wait_for("firing", 60, after=fault, alertname="ModelLatencySLOBreach", job=job)
                timeline.note(f"received: ModelLatencySLOBreach firing ({alert['annotations'].get('description')})", at)
                fixed = timeline.note("fault 2 removed: the quota lifted")
                throttle.lift()
            at, _ = webhook.wait_for("resolved", 60, after=fixed, alertname="ModelLatencySLOBreach", job=job)
            timeline.note("received: ModelLatencySLOBreach resolved", at)
        except TimeoutError as err:
            raise AssertionError(f"{err}\n  {monitoring.explain(slot.selector)}\n  the timeline so far:\n"
                                 f"{timeline.text()}") from None
        finally:
            log.parent.mkdir(parents=True, exist_ok=True)
            log.write_text(timeline.text() + "\n")
    print(f"the timeline ({log}):\n{timeline.text()}")
    wrong = [(a["labels"]["alertname"], a["status"]) for _, a in webhook.alerts(job=job)
             if a["labels"]["alertname"] not in ("FeatureDrift", "ModelLatencySLOBreach")]
    assert not wrong, f"alerts that no fault called for reached the Alertmanager: {wrong}\n{timeline.text()}"
    drift_fired = [at for at, a in webhook.alerts(alertname="FeatureDrift", job=job) if a["status"] == "firing"]
    assert all(at < fault for at in drift_fired), \
        f"FeatureDrift fired during the CPU shortage, when the inputs were clean:\n{timeline.text()}"
    assert set(traffic.codes) <= {0, 200}, \
        f"the container answered {sorted(set(traffic.codes) - {0, 200})}: only 200 was expected (0: no answer in 5 s)"
    board = _alerting().dashboard(job, window="10s")
    empty = []
    for panel in board["panels"]:
        for target in panel.get("targets", []):
            if not monitoring.ask(target["expr"], f"the panel {panel.get('title')!r} of dashboard({job!r})"):
                empty.append(panel.get("title"))
    assert not empty, f"the panels {empty} of your dashboard show nothing for the endpoint's job"
    picture = render(board, monitoring.prometheus, REPO_ROOT / ".kata" / "dashboards" / "capstone-4.png",
                     seconds=time.time() - calm + 5)
    print(f"the dashboard over the whole run: {picture}")
