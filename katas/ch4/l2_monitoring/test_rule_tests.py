"""Kata 4.2.4: your own unit tests for your rules (rules_test.yml), run by `promtool test rules`.

They run against the rules.yml your rule_groups() makes with its production defaults, and
must pass. Then they run against three broken versions of the same rules, made by your own
rule_groups with other settings; a good test suite fails on each:
  - an alert that never pages at the error rates of an incident (max_error_ratio=0.5)
  - an alert that pages on any error at all (max_error_ratio=0.001)
  - an alert that fires the moment the ratio crosses, without its 2 minutes (pending="0s")
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from fixtures import lesson_module
from fixtures.course.trees import lesson_path
from fixtures.engines.monitoring import promtool

def _lesson_tests() -> Path:
    return lesson_path(__file__, "rules_test.yml")


def _run(tmp_path: Path, **settings) -> promtool.Outcome:
    """The learner's rules_test.yml beside a rules.yml made by rule_groups(**settings)."""
    rules = lesson_module(__file__, "rules")
    folder = tmp_path / ("rules-" + "-".join(f"{k}={v}" for k, v in settings.items()) if settings else "rules")
    folder.mkdir()
    (folder / "rules.yml").write_text(yaml.safe_dump(rules.rule_groups(**settings), sort_keys=False))
    shutil.copy(_lesson_tests(), folder / "rules_test.yml")
    return promtool.run_rule_tests(folder / "rules_test.yml")


def _said(outcome: promtool.Outcome) -> str:
    return "\n    ".join(outcome.lines(20))


def _cases() -> list[dict]:
    text = _lesson_tests().read_text()
    try:
        found = yaml.safe_load(text) or {}
    except yaml.YAMLError as err:
        pytest.fail(f"rules_test.yml is not YAML: {err}", pytrace=False)
    assert isinstance(found, dict) and isinstance(found.get("tests"), list), \
        "rules_test.yml has no `tests:` list (promtool's unit test format: rule_files, evaluation_interval, tests)"
    return found["tests"]


def test_your_tests_pass_on_your_rules(tmp_path):
    outcome = _run(tmp_path)
    assert outcome.ok, f"`promtool test rules rules_test.yml` failed against your rules:\n    {_said(outcome)}"


def test_your_tests_check_the_alert_fires_and_that_it_does_not():
    checks = [check for case in _cases() for check in case.get("alert_rule_test") or []
              if check.get("alertname") == "ModelHighErrorRate"]
    assert any(check.get("exp_alerts") for check in checks), \
        "no alert_rule_test in rules_test.yml expects ModelHighErrorRate to fire (exp_alerts with its labels)"
    assert any(not check.get("exp_alerts") for check in checks), \
        "no alert_rule_test in rules_test.yml expects ModelHighErrorRate not to fire (exp_alerts: [])"


@pytest.mark.parametrize("broken, settings", [
    ("an alert that never pages at an incident's error rate", {"max_error_ratio": 0.5}),
    ("an alert that pages on any error at all", {"max_error_ratio": 0.001}),
    ("an alert that fires at once, without its 2 minutes pending", {"pending": "0s"}),
])
def test_your_tests_catch_broken_rules(tmp_path, broken, settings):
    outcome = _run(tmp_path, **settings)
    assert not outcome.ok, (
        f"your tests pass against {broken} (rule_groups({', '.join(f'{k}={v!r}' for k, v in settings.items())})): "
        "they would not notice that bug. Add a case that fails on it.")
