"""Lesson 4.2's monitoring engine: a real Prometheus and Alertmanager on loopback, started once,
scraping slots the tests claim, loading rules, routing alerts to the test's webhook, and gone
without a trace when stopped (or when the process that started them is killed)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from fixtures.course.errors import KataEngineError
from fixtures.engines.monitoring import promtool
from fixtures.engines.monitoring.traffic import Profile, SyntheticTraffic

pytestmark = pytest.mark.needs("prometheus")


def test_both_servers_run_on_loopback_and_answer(monitoring_engine):
    for server in (monitoring_engine.prometheus, monitoring_engine.alertmanager):
        assert server.alive(), f"{server.name} is not ready"
        listening = {c.laddr.ip for c in psutil.Process(server.proc.pid).net_connections("inet") if c.status == "LISTEN"}
        assert listening == {"127.0.0.1"}, f"{server.name} listens on {listening}: loopback only (no gossip port either)"


def test_a_claimed_slot_is_scraped_every_second_and_rates_are_what_the_traffic_says(monitoring):
    slot = monitoring.slot()
    with SyntheticTraffic(slot, Profile({"200": 8, "500": 2}, {0.05: 10})):
        monitoring.prometheus.wait_scraped(slot, 5)
        rate = monitoring.prometheus.value(f"sum(rate(model_requests_total{{{slot.selector}}}[3s]))")
        errors = monitoring.prometheus.value(
            f'sum(rate(model_requests_total{{{slot.selector},code="500"}}[3s])) / sum(rate(model_requests_total{{{slot.selector}}}[3s]))')
    assert rate == pytest.approx(10, rel=0.05) and errors == pytest.approx(0.2, abs=1e-6)


def test_a_released_slot_forgets_its_series(monitoring_engine):
    prometheus = monitoring_engine.prometheus
    with prometheus.slot() as slot, SyntheticTraffic(slot, Profile({"200": 1})):
        prometheus.wait_scraped(slot, 1)
    assert prometheus.query(f"model_requests_total{{{slot.selector}}}") == [], "the slot's series outlived it"


def test_rules_load_and_a_broken_file_is_refused_in_prometheus_words(monitoring):
    with pytest.raises(KataEngineError) as refused:
        monitoring.load_rules("broken", "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: rate(x[5m]\n", "a test")
    assert "parse error" in " ".join(refused.value.lines), refused.value.lines
    monitoring.load_rules("fine", "groups:\n- name: fine\n  rules:\n  - record: job:one\n    expr: vector(1)\n", "a test")
    assert [g["name"] for g in monitoring.prometheus.rule_groups()] == ["fine"], "the broken file was not removed"


def test_a_learners_bad_query_shows_prometheus_message_and_a_log(monitoring):
    with pytest.raises(KataEngineError) as refused:
        monitoring.ask("sum(rate(model_requests_total[5 minutes]))", "request_rate('m', '5 minutes')")
    said = "\n".join(refused.value.lines)
    assert "query: sum(rate(model_requests_total[5 minutes]))" in said and "parse error" in said, said
    assert os.path.exists(refused.value.log) and "parse error" in open(refused.value.log).read()


def test_an_alert_reaches_the_webhook_and_resolves_when_it_is_expired(monitoring):
    slot = monitoring.slot()
    monitoring.load_rules("always", textwrap.dedent(f"""\
        groups:
        - name: always
          rules:
          - alert: KataAlways
            expr: vector(1)
            labels: {{job: {slot.job}, severity: test}}
        """), "a test")
    at, alert = monitoring.webhook.wait_for("firing", 15, alertname="KataAlways", job=slot.job)
    assert alert["labels"]["severity"] == "test"
    monitoring.prometheus.clear_rules()
    monitoring.alertmanager.expire_all()
    monitoring.webhook.wait_for("resolved", 15, alertname="KataAlways", job=slot.job)


def test_promtool_checks_and_unit_tests_rules(tmp_path):
    (tmp_path / "bad.yml").write_text("groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up ==\n")
    bad = promtool.check_rules(tmp_path / "bad.yml")
    assert not bad.ok and "parse error" in bad.output
    (tmp_path / "rules.yml").write_text("groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: 2m\n")
    (tmp_path / "t.yml").write_text(json.dumps({"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": [
        {"interval": "1m", "input_series": [{"series": 'up{job="a"}', "values": "0x10"}],
         "alert_rule_test": [{"eval_time": "1m", "alertname": "Down", "exp_alerts": []},
                             {"eval_time": "3m", "alertname": "Down", "exp_alerts": [{"exp_labels": {"job": "a"}}]}]}]}))
    assert promtool.run_rule_tests(tmp_path / "t.yml").ok


def test_the_servers_die_with_the_process_that_started_them(tmp_path):
    """A test process killed by SIGKILL runs no cleanup: PR_SET_PDEATHSIG still ends its servers."""
    script = textwrap.dedent(f"""\
        import sys, time
        from pathlib import Path
        from fixtures.engines.monitoring.fixtures import start_monitoring
        engine = start_monitoring(Path({str(tmp_path)!r}))
        print(engine.prometheus.proc.pid, engine.alertmanager.proc.pid, flush=True)
        time.sleep(600)
        """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True,
                             cwd=os.path.dirname(os.path.dirname(__file__)))
    try:
        pids = [int(p) for p in child.stdout.readline().split()]
        assert len(pids) == 2 and all(psutil.pid_exists(p) for p in pids)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        deadline = time.monotonic() + 15
        while any(_running(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_running(p) for p in pids), "Prometheus or the Alertmanager outlived the killed process"
    finally:
        child.kill()
        child.wait()


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_stop_leaves_no_process(tmp_path):
    from fixtures.engines.monitoring.fixtures import start_monitoring

    engine = start_monitoring(tmp_path)
    pids = [engine.prometheus.proc.pid, engine.alertmanager.proc.pid]
    engine.stop()
    assert not any(_running(p) for p in pids)
    with pytest.raises(OSError):
        engine.prometheus.request("/-/ready", timeout=1)
