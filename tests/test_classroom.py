"""Classroom reports: `kata report`, its files, GitHub Classroom's payload, the pin, the workflow.

Runs happen in a throwaway course copy (bench/repo_copy.py) where one kata is solved, one is
half right, and the rest are untouched stubs, as a learner's repository mid-course would be.
The JUnit file is validated against the schema CI systems follow (junit-10.xsd), the results
file against its own JSON Schema, and the workflow by actionlint.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path

import jsonschema
import pytest

from fixtures.bench.repo_copy import RepoCopy, make_copy
from fixtures.classroom import github, integrity, results
from fixtures.classroom.collect import Record
from fixtures.course import catalog as catalog_mod
from fixtures.course.trees import REPO_ROOT
from fixtures.engines import probes

SCHEMA = json.loads(results.SCHEMA_PATH.read_text())
LESSON = "katas/ch1/l1_scalability"
KATAS_1_1 = ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5"]


# ------------------------------------------------------------------ points from the catalog

def _catalog(grading: dict | None = None, lesson_points=None, kata_points=None) -> catalog_mod.Catalog:
    lesson = {"id": "1.1", "title": "t", "dir": "ch1/x",
              "katas": [{"id": "1.1.1", "title": "a", "files": ["a.py"], "tests": "test_a.py", "hints": ["x", "y"]},
                        {"id": "1.1.2", "title": "b", "files": ["b.py"], "tests": "test_b.py", "hints": ["x", "y"]}]}
    if lesson_points is not None:
        lesson["points"] = lesson_points
    if kata_points is not None:
        lesson["katas"][1]["points"] = kata_points
    data = {"chapters": [{"number": 1, "title": "c", "lessons": [lesson]}]}
    if grading is not None:
        data["grading"] = grading
    return catalog_mod.parse(data)


def test_points_come_from_the_kata_then_its_lesson_then_the_course():
    assert [k.points for k in _catalog().katas] == [catalog_mod.DEFAULT_POINTS] * 2
    assert [k.points for k in _catalog({"points": 4}).katas] == [4, 4]
    assert [k.points for k in _catalog({"points": 4}, lesson_points=7).katas] == [7, 7]
    assert [k.points for k in _catalog({"points": 4}, lesson_points=7, kata_points=25).katas] == [7, 25]


def test_bad_grading_settings_are_catalog_problems():
    cat = _catalog({"credit": "most", "points": -1})
    assert cat.credit == "partial"
    assert any("credit" in p for p in cat.problems) and any("points" in p for p in cat.problems)
    assert _catalog({"credit": "all-or-nothing"}).credit == "all-or-nothing"


def test_the_course_catalog_weights_capstones():
    cat = catalog_mod.default()
    assert not cat.problems
    capstone = [k.points for k in cat.katas if ".c." in k.id]
    lesson = [k.points for k in cat.katas if ".c." not in k.id]
    assert capstone and min(capstone) > max(lesson)


def _record(outcome: str, not_implemented: bool = False, name: str = "t") -> Record:
    return Record(nodeid=f"f.py::{name}", kata="1.1.1", file="f.py", name=name, outcome=outcome,
                      not_implemented=not_implemented)


@pytest.mark.parametrize("outcomes, expected", [
    (["passed", "passed"], "done"),
    (["failed:stub", "failed:stub"], "not-started"),
    (["passed", "failed:stub"], "failing"),  # part of it written: started
    (["failed", "failed:stub"], "failing"),
    (["skipped", "skipped"], "infra-missing"),
    ([], "failing"),  # no test ran: never "done"
])
def test_a_katas_status_from_its_tests(outcomes, expected):
    records = [_record(o.split(":")[0], o.endswith(":stub"), f"t{i}") for i, o in enumerate(outcomes)]
    assert results.status_of(records, None) == expected


def test_partial_and_all_or_nothing_credit():
    kata = _catalog().katas[0]
    assert results.points_for(kata, "failing", 3, 4, "partial", graded=True) == 7.5
    assert results.points_for(kata, "failing", 3, 4, "all-or-nothing", graded=True) == 0
    assert results.points_for(kata, "done", 4, 4, "all-or-nothing", graded=True) == 10
    assert results.points_for(kata, "done", 4, 4, "partial", graded=False) == 0
    assert results.points_for(kata, "infra-missing", 0, 4, "partial", graded=True) == 0


# ------------------------------------------------------------------ a learner's repository mid-course

@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> RepoCopy:
    """1.1.1 solved, 1.1.2 half right (its speedups are inverted), the rest untouched."""
    repo = make_copy(tmp_path_factory.mktemp("classroom") / "repo")
    solved = (REPO_ROOT / "solutions/ch1/l1_scalability/speedup_laws.py").read_text()
    repo.write(f"{LESSON}/speedup_laws.py", solved)
    half = (REPO_ROOT / "solutions/ch1/l1_scalability/efficiency.py").read_text()
    wrong = half.replace("t[1] / seconds for n", "seconds / t[1] for n")
    assert wrong != half
    repo.write(f"{LESSON}/efficiency.py", wrong)
    assert repo.run("-m", "fixtures.classroom.integrity", "pin").returncode == 0
    return repo


def _report(repo: RepoCopy, tmp_path: Path, *targets: str, env: dict | None = None, extra=()) -> tuple[dict, Path, str]:
    out = tmp_path / "report"
    github_output = tmp_path / "github_output"
    github_output.touch()
    proc = repo.run("-m", "fixtures.runner.cli", "report", *targets, "--out", str(out), "--learner", "ada",
                    "--classroom", "--quiet", *extra,
                    env={"KATA_PROGRESS": str(tmp_path / "progress.json"), "GITHUB_OUTPUT": str(github_output),
                         "NO_COLOR": "1", **(env or {})}, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((out / "results.json").read_text()), out, proc.stdout + github_output.read_text()


def test_report_of_a_learner_mid_course(classroom, tmp_path):
    doc, out, printed = _report(classroom, tmp_path, "1.1")
    jsonschema.validate(doc, SCHEMA)
    by_id = {k["id"]: k for k in doc["katas"]}
    assert list(by_id) == KATAS_1_1
    assert by_id["1.1.1"]["status"] == "done" and by_id["1.1.1"]["points"] == 10
    half = by_id["1.1.2"]
    assert half["status"] == "failing"
    assert 0 < half["tests"]["passed"] < half["tests"]["total"]
    assert half["points"] == round(10 * half["tests"]["passed"] / half["tests"]["total"], 2)
    assert half["failures"] and all(f["message"] and len(f["message"].splitlines()) <= 6 for f in half["failures"])
    for kata_id in KATAS_1_1[2:]:
        assert by_id[kata_id]["status"] == "not-started" and by_id[kata_id]["points"] == 0
    assert doc["learner"] == "ada" and doc["integrity"]["status"] == "ok"
    assert doc["grading"] == {"graded": True, "credit": "partial", "points": 10 + half["points"], "max_points": 50}
    # The run's own progress file gives the timeline: first attempt and done time.
    assert by_id["1.1.1"]["done_at"] and by_id["1.1.1"]["first_attempt_at"]
    assert by_id["1.1.1"]["hints_seen"] == 0
    assert re.search(r"ada: [\d.]+ of 50 points", printed)


def test_classroom_payload_is_what_the_reporter_reads(classroom, tmp_path):
    doc, out, printed = _report(classroom, tmp_path, "1.1")
    line = [x for x in printed.splitlines() if x.startswith("result=")]
    assert len(line) == 1, "one step output named result"
    payload = json.loads(base64.b64decode(line[0].removeprefix("result=")))
    assert payload == json.loads((out / "classroom.json").read_text())
    assert payload["version"] == 1 and payload["status"] == "fail"
    assert payload["max_score"] == 50
    assert [t["name"].split()[0] for t in payload["tests"]] == KATAS_1_1
    # What Classroom shows as Points: the sum of scores (notify-classroom.js).
    assert sum(t["score"] for t in payload["tests"]) == doc["grading"]["points"]
    assert [t["status"] for t in payload["tests"]] == ["pass", "fail", "fail", "fail", "fail"]
    for test in payload["tests"]:
        assert set(test) >= {"name", "status", "score", "message", "test_code", "line_no"}


@pytest.mark.needs("junit-schema")
def test_junit_xml_validates_against_the_ci_schema(classroom, tmp_path):
    import xmlschema

    doc, out, _ = _report(classroom, tmp_path, "1.1")
    schema = xmlschema.XMLSchema(probes.junit_schema_path())
    schema.validate(str(out / "junit.xml"))
    tree = schema.to_dict(str(out / "junit.xml"))
    suites = tree["testsuite"]
    assert [s["@id"] for s in suites] == KATAS_1_1
    half = next(s for s in suites if s["@id"] == "1.1.2")
    assert int(half["@failures"]) == doc["katas"][1]["tests"]["failed"]
    assert int(half["@tests"]) == doc["katas"][1]["tests"]["total"]


def test_modified_tests_are_reported_not_graded(classroom, tmp_path):
    test_file = classroom.path(f"{LESSON}/test_efficiency.py")
    original = test_file.read_text()
    test_file.write_text(original.replace("def test_", "def _off_", 1))  # one test fewer to fail
    try:
        doc, out, printed = _report(classroom, tmp_path, "1.1.1", "1.1.2")
    finally:
        test_file.write_text(original)
    assert doc["integrity"]["status"] == "modified"
    assert doc["integrity"]["modified"] == [f"{LESSON}/test_efficiency.py"]
    assert doc["grading"]["graded"] is False and doc["grading"]["points"] == 0
    assert doc["katas"][0]["status"] == "done"  # still run and shown
    assert "NOT GRADED" in printed
    payload = json.loads((out / "classroom.json").read_text())
    assert payload["status"] == "error" and all(t["score"] == 0 for t in payload["tests"])
    assert "tests modified" in payload["tests"][0]["message"]


def test_the_reference_solutions_never_earn_a_classroom_grade(classroom, tmp_path):
    doc, out, _ = _report(classroom, tmp_path, "1.1.1", extra=["--solutions"])
    assert doc["run"]["tree"] == "solutions" and doc["grading"]["points"] == 10  # the checker's proof
    payload = json.loads((out / "classroom.json").read_text())
    assert payload["status"] == "error" and payload["tests"][0]["score"] == 0
    assert "reference solutions" in payload["tests"][0]["message"]


def test_the_organisation_pin_wins_over_the_committed_lock(classroom, tmp_path):
    pinned = integrity.check(classroom.root).checksum
    assert integrity.check(classroom.root, env={"KATA_TESTS_SHA256": pinned}).status == "ok"
    # A learner who edits a test and re-pins the lock in their repository is still caught.
    found = integrity.check(classroom.root, env={"KATA_TESTS_SHA256": "0" * 64})
    assert found.status == "modified" and found.pinned_by == "$KATA_TESTS_SHA256"


def test_a_removed_pin_is_a_modification(classroom, tmp_path):
    lock = classroom.path(".github/classroom/tests.lock")
    saved = lock.read_text()
    try:
        lock.unlink()
        found = integrity.check(classroom.root, env={})
        assert found.status == "modified" and not found.graded
        assert found.modified == [".github/classroom/tests.lock (missing or unreadable)"]
        lock.write_text("{ not json")
        assert integrity.check(classroom.root, env={}).status == "modified"
    finally:
        lock.write_text(saved)


def test_missing_infrastructure_is_not_a_failure_and_earns_nothing(classroom, tmp_path):
    doc, out, _ = _report(classroom, tmp_path, "2.2.1", env={"KATA_ASSUME_MISSING": "torch"})
    (entry,) = doc["katas"]
    assert entry["status"] == "infra-missing" and entry["missing"] == ["torch"] and entry["points"] == 0
    payload = json.loads((out / "classroom.json").read_text())
    assert payload["status"] == "error" and "needs torch" in payload["tests"][0]["message"]


def test_all_or_nothing_credit_from_the_catalog(classroom, tmp_path):
    catalog = classroom.path("catalog.toml")
    original = catalog.read_text()
    catalog.write_text(original.replace('credit = "partial"', 'credit = "all-or-nothing"'))
    try:
        doc, _, _ = _report(classroom, tmp_path, "1.1.1", "1.1.2",
                            env={"KATA_TESTS_SHA256": integrity.check(classroom.root).checksum})
    finally:
        catalog.write_text(original)
    assert doc["grading"]["credit"] == "all-or-nothing"
    assert [k["points"] for k in doc["katas"]] == [10, 0]


def test_plain_pytest_writes_the_same_report(classroom, tmp_path):
    proc = classroom.run("-m", "pytest", f"{LESSON}/test_speedup_laws.py", "-q", f"--kata-results={tmp_path}",
                         "--kata-learner=grace", env={"KATA_PROGRESS": str(tmp_path / "p.json")})
    assert proc.returncode == 0, proc.stdout[-2000:]
    doc = json.loads((tmp_path / "results.json").read_text())
    jsonschema.validate(doc, SCHEMA)
    assert [k["id"] for k in doc["katas"]] == ["1.1.1"] and doc["grading"]["points"] == 10
    assert "grace: 10 of 10 points" in proc.stdout


# ------------------------------------------------------------------ the workflow

WORKFLOW = REPO_ROOT / ".github" / "workflows" / "classroom.yml"


def test_the_workflow_has_one_runner_per_chapter():
    import yaml

    flow = yaml.safe_load(WORKFLOW.read_text())
    assert flow["name"] == "Autograding Tests"  # the only name Classroom's reporter reads
    (job_name, job), = flow["jobs"].items()
    assert job_name == "run-autograding-tests"
    chapters = [c.number for c in catalog_mod.default().chapters]
    steps = {s.get("id"): s for s in job["steps"]}
    runners = [github.runner_id(n) for n in chapters]
    for number, runner in zip(chapters, runners):
        assert re.search(rf"kata report {number} --classroom\b", steps[runner]["run"]), runner
    reporter = next(s for s in job["steps"] if "autograding-grading-reporter" in s.get("uses", ""))
    assert reporter["with"]["runners"] == ",".join(runners)
    assert reporter["env"] == {f"{r.upper()}_RESULTS": f"${{{{ steps.{r}.outputs.result }}}}" for r in runners}


@pytest.mark.needs("actionlint")
def test_actionlint_passes_on_the_workflow():
    proc = subprocess.run([probes.actionlint_path(), "-color=false", str(WORKFLOW)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_kata_dashboard_reads_the_reports_of_a_class(classroom, tmp_path):
    folder = tmp_path / "class"
    for learner in ("ada", "grace"):
        proc = classroom.run("-m", "fixtures.runner.cli", "report", "1.1.1", "1.1.2", "--quiet", "--learner", learner,
                             "--out", str(folder / learner / "chapter1"),
                             env={"KATA_PROGRESS": str(tmp_path / f"{learner}.json")})
        assert proc.returncode == 0, proc.stdout + proc.stderr
    (folder / "notes.json").write_text("{}")  # not a results file: ignored
    page = tmp_path / "class.html"
    proc = classroom.run("-m", "fixtures.runner.cli", "dashboard", str(folder), "-o", str(page))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "2 learners" in proc.stdout and page.is_file()
    text = page.read_text()
    assert "http://" not in text.replace("http://www.w3.org", "") and "https://" not in text  # nothing fetched
    proc = classroom.run("-m", "fixtures.runner.cli", "dashboard", str(tmp_path / "nowhere"))
    assert proc.returncode == 2 and "no such file" in proc.stdout
