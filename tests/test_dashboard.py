"""The instructor dashboard: results files -> aggregated class view -> one static HTML page.

The aggregation is checked on small hand-built results docs whose numbers can be worked out
by hand; the page on a generated class (fixtures/classroom/sample_class.py), in a real
headless Chromium opened from a file:// URL, as an instructor would open a CI artifact.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from fixtures.classroom import dashboard
from fixtures.classroom.dashboard import SCHEMA_PATH, aggregate, build, load_results, parse_time, render_html
from fixtures.classroom.sample_class import main as sample_main
from fixtures.classroom.sample_class import sample_class
from fixtures.engines.probes import CHROMEDRIVER, CHROMIUM

HOUR = 3600.0
GENERATED = "2026-03-02T09:00:00Z"  # the morning after the generated class's term


def at(day: int, hour: int = 0) -> str:
    return f"2026-02-{day:02d}T{hour:02d}:00:00Z"


def kata(kata_id: str, status: str = "done", *, passed: int | None = None, total: int = 4, points: float | None = None,
         max_points: float = 10, failures: tuple[str, ...] = (), **progress) -> dict:
    """One entry of a results file; progress: hints_seen, solution_seen_before_done, first_attempt_at, done_at."""
    passed = total if status == "done" else (passed or 0)
    return {
        "id": kata_id, "title": f"Kata {kata_id}", "chapter": int(kata_id.split(".")[0]),
        "lesson": kata_id.rsplit(".", 1)[0], "status": status,
        "tests": {"passed": passed, "failed": 0 if status in ("done", "infra-missing") else total - passed,
                  "skipped": total if status == "infra-missing" else 0, "total": total},
        "points": max_points * passed / total if points is None else points, "max_points": max_points,
        "duration_s": 0.5, "failures": [{"test": "test_it", "message": m} for m in failures], **progress,
    }


def run(learner: str, finished_at: str, *katas: dict, integrity: str = "ok") -> dict:
    graded = integrity != "modified"
    return {
        "schema_version": 1, "course": {"name": "Scalable AI Katas", "version": "0.1.0"}, "learner": learner,
        "repository": None, "commit": None,
        "run": {"started_at": finished_at, "finished_at": finished_at, "duration_s": 1.0, "tree": "katas",
                "selection": [], "ci": None, "run_url": None},
        "grading": {"graded": graded, "credit": "partial",
                    "points": sum(k["points"] for k in katas) if graded else 0,
                    "max_points": sum(k["max_points"] for k in katas)},
        "integrity": {"status": integrity, "checksum": "0" * 64},
        "katas": list(katas),
    }


# ---------------------------------------------------------------- aggregation

def test_the_latest_run_holding_a_kata_gives_its_state():
    first = run("alice", at(1), kata("1.1.1", "failing", passed=1), kata("1.1.2", "failing", failures=("boom",)))
    later = run("alice", at(3), kata("1.1.1"))  # only 1.1.1 was run again
    bob = run("bob", at(2), kata("1.1.1"))
    view = aggregate([later, bob, first])  # file order is not run order

    assert view.cells[("alice", "1.1.1")].status == "done"
    failing = view.cells[("alice", "1.1.2")]
    assert (failing.status, failing.failure) == ("failing", "test_it: boom")
    assert view.cells[("bob", "1.1.2")].status == "not-started" and not view.cells[("bob", "1.1.2")].reported
    alice = view.learners[0]
    assert (alice.name, alice.done, alice.points, alice.last_run) == ("alice", 1, 10, parse_time(at(3)))
    s = view.kata_stats["1.1.2"]
    assert (s.done, s.failing, s.not_started, s.infra_missing) == (0, 1, 1, 0)
    assert view.kata_stats["1.1.1"].failing_runs == 1


def test_a_learners_chapters_in_separate_files_merge_in_course_order():
    chapter_1 = run("alice", at(2), kata("1.2.10"), kata("1.c.1", max_points=20), kata("1.2.9", "failing", passed=2),
                    kata("1.1.1"))
    chapter_2 = run("alice", at(2, 1), kata("2.1.1", "infra-missing"))
    view = aggregate([chapter_2, chapter_1])

    assert [k.id for k in view.katas] == ["1.1.1", "1.2.9", "1.2.10", "1.c.1", "2.1.1"]
    assert [c.id for c in view.lessons] == ["1.1", "1.2", "1.c", "2.1"]
    assert [c.id for c in view.chapters] == ["1", "2"]
    statuses = [view.cells[("alice", k.id)].status for k in view.katas]
    assert statuses == ["done", "failing", "done", "done", "infra-missing"]
    alice = view.learners[0]
    assert (alice.points, alice.max_points, alice.done) == (10 + 5 + 10 + 20, 60, 3)
    assert dashboard.kata_key("1.c.1") > dashboard.kata_key("1.2.10") > dashboard.kata_key("1.2.9")


def test_time_to_green_comes_from_the_progress_file_else_from_the_runs():
    # alice's progress file: first attempt day 1 00:00, green day 2 12:00 -> 36 h
    alice = run("alice", at(5), kata("1.1.1", first_attempt_at=at(1), done_at=at(2, 12)))
    # bob has no progress file: failing in the day-1 run, first done in the day-4 run -> 72 h
    bob = [run("bob", at(1), kata("1.1.1", "failing")), run("bob", at(3), kata("1.1.1", "failing")),
           run("bob", at(4), kata("1.1.1")), run("bob", at(6), kata("1.1.1"))]
    # carol started but is not green: no time to green
    carol = run("carol", at(5), kata("1.1.1", "failing", first_attempt_at=at(2)))
    view = aggregate([alice, *bob, carol])

    timelines = {l.name: l.timeline for l in view.learners}
    assert [(e.kata, e.first_attempt, e.done) for e in timelines["alice"]] == \
        [("1.1.1", parse_time(at(1)), parse_time(at(2, 12)))]
    assert timelines["bob"][0].time_to_green == 72 * HOUR
    assert timelines["carol"] == []
    assert view.kata_stats["1.1.1"].median_time_to_green == (36 + 72) / 2 * HOUR
    assert view.kata_stats["1.1.1"].failing_runs == 2 + 1


def test_where_learners_are_stuck_ranks_katas_and_leaves_out_the_empty():
    view = aggregate([
        run("alice", at(3), kata("1.1.1", hints_seen=3, first_attempt_at=at(1), done_at=at(1, 1)),
            kata("1.1.2", "failing", hints_seen=0), kata("1.1.3", "failing", hints_seen=2),
            kata("1.1.4", "failing")),
        run("bob", at(3), kata("1.1.1", hints_seen=1, first_attempt_at=at(1), done_at=at(1, 3)),
            kata("1.1.2", "failing", hints_seen=0), kata("1.1.3", first_attempt_at=at(1), done_at=at(2, 5)),
            kata("1.1.4", "failing")),
        run("carol", at(3), kata("1.1.1", hints_seen=None), kata("1.1.2"), kata("1.1.3")),
    ])
    ranked = {name: [(r.kata, r.value) for r in lists] for name, lists in view.stuck.items()}
    # ties go in course order; a kata nobody fails, or with no hints read, is not listed
    assert ranked["failing"] == [("1.1.2", 2), ("1.1.4", 2), ("1.1.3", 1)]
    # carol has no progress file and her only run has both done: green in the run that first
    # showed them, 0 h. 1.1.3: median(29 h, 0); 1.1.1: median(1 h, 3 h, 0)
    assert ranked["time_to_green"] == [("1.1.3", 29 / 2 * HOUR), ("1.1.1", 1 * HOUR)]
    assert ranked["hints"] == [("1.1.1", 2.0), ("1.1.3", 2.0)]  # carol's null is not a 0
    assert view.kata_stats["1.1.1"].hints_max == 3


def test_stuck_lists_hold_the_top_five():
    view = aggregate([run("alice", at(1), *(kata(f"1.1.{n}", "failing") for n in range(1, 8)))])
    assert [r.kata for r in view.stuck["failing"]] == ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5"]


def test_completion_per_lesson_and_chapter():
    view = aggregate([
        run("alice", at(1), kata("1.1.1"), kata("1.1.2"), kata("1.c.1"), kata("2.1.1", "failing")),
        run("bob", at(1), kata("1.1.1"), kata("1.1.2", "failing"), kata("2.1.1")),
        run("carol", at(1), kata("1.1.1")),
    ])
    lessons = {c.id: (c.katas, c.fraction, c.finished) for c in view.lessons}
    assert lessons == {"1.1": (2, 4 / 6, 1), "1.c": (1, 1 / 3, 1), "2.1": (1, 1 / 3, 1)}
    chapters = {c.id: (c.katas, c.fraction, c.finished) for c in view.chapters}
    assert chapters == {"1": (3, 5 / 9, 1), "2": (1, 1 / 3, 1)}
    assert view.mean_completion == 6 / 12
    assert [l.fraction_done for l in view.learners] == [3 / 4, 2 / 4, 1 / 4]


def test_modified_tests_flag_the_learner_and_their_run_earns_nothing():
    view = aggregate([
        run("alice", at(1), kata("1.1.1"), integrity="modified"),
        # bob's modified run was superseded on every kata by a clean one
        run("bob", at(1), kata("1.1.1"), integrity="modified"), run("bob", at(2), kata("1.1.1")),
        # carol's chapter 2 run is modified; her chapter 1 run still counts
        run("carol", at(1), kata("1.1.1")), run("carol", at(2), kata("2.1.1"), integrity="modified"),
    ])
    learners = {l.name: l for l in view.learners}
    assert view.flagged == ["alice", "carol"]
    assert [(l.tests_modified, l.points) for l in learners.values()] == [(True, 0), (False, 10), (True, 10)]


def test_files_that_are_not_valid_results_are_skipped_with_a_warning_naming_them(tmp_path):
    good = run("alice", at(1), kata("1.1.1"))
    (tmp_path / "nested").mkdir()
    (tmp_path / "good.json").write_text(json.dumps(good))
    (tmp_path / "nested" / "good-too.json").write_text(json.dumps({**good, "learner": "bob"}))
    (tmp_path / "package.json").write_text(json.dumps({"name": "not results"}))  # someone else's: silence
    (tmp_path / "notes.txt").write_text("{")
    bad_status = {**good, "katas": [{**good["katas"][0], "status": "passed"}]}
    (tmp_path / "bad-status.json").write_text(json.dumps(bad_status))
    (tmp_path / "v2.json").write_text(json.dumps({**good, "schema_version": 2}))
    (tmp_path / "bad-date.json").write_text(json.dumps({**good, "run": {**good["run"], "finished_at": "yesterday"}}))
    (tmp_path / "truncated.json").write_text(json.dumps(good)[:40])

    docs, warnings = load_results([tmp_path, tmp_path / "good.json", tmp_path / "package.json"])

    assert sorted(d["learner"] for d in docs) == ["alice", "bob"]
    assert len(warnings) == 5, warnings
    named = {Path(w.split(": skipped")[0]).name: w for w in warnings}
    assert set(named) == {"bad-status.json", "v2.json", "bad-date.json", "truncated.json", "package.json"}
    assert "katas/0/status" in named["bad-status.json"] and "'passed'" in named["bad-status.json"]
    assert "schema_version 2" in named["v2.json"]
    assert "run/finished_at" in named["bad-date.json"]
    assert "no schema_version" in named["package.json"]  # named on the command line, so it must be one
    assert all("\n" not in w for w in warnings)


def test_build_writes_the_page_and_returns_the_warnings(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.json").write_text(json.dumps(run("alice", at(1), kata("1.1.1"))))
    (tmp_path / "in" / "b.json").write_text(json.dumps({"schema_version": 2}))
    output, view, warnings = build([tmp_path / "in"], tmp_path / "out" / "class.html")
    assert output == tmp_path / "out" / "class.html" and output.read_text().startswith("<!doctype html>")
    assert [l.name for l in view.learners] == ["alice"] and len(warnings) == 1


def _class_data(page: str) -> dict:
    blob = re.search(r'<script type="application/json" id="class-data">(.*?)</script>', page, re.S).group(1)
    return json.loads(blob)


def test_the_page_escapes_what_results_files_say():
    hostile = "<script>alert(1)</script>"
    message = "expected </script><script>alert(2)</script> <!-- & more"
    view = aggregate([run(hostile, at(1), kata("1.1.1", "failing", failures=(message,)))])
    page = render_html(view, title="Class <b>A</b>", generated_at=at(2))

    assert hostile not in page and "alert(2)</script>" not in page and "<!-- &" not in page
    # the only script elements are the page's own two: the data and the code
    assert page.count("</script>") == 2 and len(re.findall(r"<script\b", page)) == 2
    assert "<title>Class &lt;b&gt;A&lt;/b&gt;</title>" in page
    data = _class_data(page)  # and the escapes read back as the learner's own text
    assert data["learners"][0]["name"] == hostile
    assert data["learners"][0]["cells"][0][4] == f"test_it: {message}"


def test_an_empty_class_still_renders():
    page = render_html(aggregate([]), generated_at=at(1))
    assert _class_data(page)["learners"] == []


# ---------------------------------------------------------------- the generated class

def test_every_generated_doc_is_schema_valid_and_the_class_has_its_cast():
    docs = sample_class(30, 30)
    validator = Draft202012Validator(json.loads(SCHEMA_PATH.read_text()),
                                     format_checker=Draft202012Validator.FORMAT_CHECKER)
    for doc in docs:
        validator.validate(doc)
    assert docs == sample_class(30, 30), "the same arguments give the same class"
    assert len(docs) == 30 * 4 and len({d["learner"] for d in docs}) == 30
    assert all(re.fullmatch(r"[A-Za-z0-9-]+", d["learner"]) for d in docs)

    view = aggregate(docs)
    assert len(view.katas) == 30 and {k.chapter for k in view.katas} == {1, 2, 3, 4}
    assert {k.lesson.split(".")[1] for k in view.katas} == {"1", "2", "c"}
    assert len(view.flagged) == 1
    blocked = {name for (name, _), c in view.cells.items() if c.status == "infra-missing"}
    assert len(blocked) == 2
    done = sorted(l.fraction_done for l in view.learners)
    assert done[0] == 0 and done[-1] == 1 and 0.3 < done[len(done) // 2] < 0.8, "stuck, ahead and mid-way"
    assert view.stuck["failing"] and view.stuck["time_to_green"] and view.stuck["hints"]


def test_the_generator_writes_one_file_per_learner_per_run(tmp_path):
    assert sample_main([str(tmp_path), "--learners", "3", "--katas", "6", "--runs", "2"]) == 0
    assert len(list(tmp_path.glob("*.json"))) == 6
    docs, warnings = load_results([tmp_path])
    assert len(docs) == 6 and warnings == []


def test_a_class_of_200_learners_and_60_katas_builds_quickly(tmp_path):
    for number, doc in enumerate(sample_class(200, 60)):
        (tmp_path / f"{number:04d}.json").write_text(json.dumps(doc))
    started = time.perf_counter()
    output, view, warnings = build([tmp_path], tmp_path / "class.html")
    seconds = time.perf_counter() - started
    print(f"\n200 learners x 60 katas (800 results files): built in {seconds:.2f} s, "
          f"{output.stat().st_size / 1e6:.2f} MB")
    assert len(view.learners) == 200 and len(view.katas) == 60 and warnings == []


# ---------------------------------------------------------------- in a real browser

@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}", "--window-size=1600,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # A Service with the path given: Selenium Manager never tries to download a driver.
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        # The window's size includes a browser frame even headless; the page gets exactly this.
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1600, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
        yield driver
    finally:
        driver.quit()


def _open(driver, page: Path) -> None:
    driver.get(page.as_uri())
    driver.get_log("browser")  # start each page with an empty log


def _severe(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def _shown_rows(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#grid tbody tr[data-learner]:not([hidden])')]"
        ".map(tr => tr.dataset.learner)")


@pytest.mark.needs("chromium")
def test_the_page_works_in_a_browser_from_a_file_url(browser, tmp_path):
    from selenium.webdriver.common.by import By

    docs = sample_class(30, 30)
    view = aggregate(docs)
    page = tmp_path / "class.html"
    page.write_text(render_html(view, generated_at=GENERATED), encoding="utf-8")
    _open(browser, page)
    browser.save_screenshot(str(tmp_path / "dashboard.png"))  # as an instructor first sees it
    if os.environ.get("KATA_SCREENSHOT"):
        Path(os.environ["KATA_SCREENSHOT"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp_path / "dashboard.png", os.environ["KATA_SCREENSHOT"])

    learners = sorted({d["learner"] for d in docs})
    assert len(browser.find_elements(By.CSS_SELECTOR, "#grid tbody tr[data-learner]")) == 30
    assert browser.find_element(By.ID, "learner-count").text == "30 learners"

    # Known cells, straight from the generated files: each learner's newest run that lists the kata.
    state: dict[tuple[str, str], str] = {}
    for doc in sorted(docs, key=lambda d: d["run"]["finished_at"]):
        state.update({(doc["learner"], e["id"]): e["status"] for e in doc["katas"]})
    for wanted in ("failing", "infra-missing", "done"):
        learner, kata_id = next(key for key, status in state.items() if status == wanted)
        cell = browser.find_element(By.CSS_SELECTOR, f'td[data-learner="{learner}"][data-kata="{kata_id}"]')
        assert cell.get_attribute("data-status") == wanted
        assert kata_id in cell.get_attribute("title")

    # The search box filters by name, and the count says so.
    query = learners[0][:4]
    matching = [name for name in learners if query.lower() in name.lower()]
    assert 0 < len(matching) < 30
    browser.find_element(By.ID, "learner-search").send_keys(query)
    assert sorted(_shown_rows(browser)) == matching
    assert browser.find_element(By.ID, "learner-count").text == f"{len(matching)} of 30 learners"
    browser.find_element(By.ID, "learner-search").clear()
    browser.execute_script("document.getElementById('learner-search').dispatchEvent(new Event('input'))")
    assert len(_shown_rows(browser)) == 30

    # Points sort the top scorer first; a second click reverses.
    points = {l.name: l.points for l in view.learners}
    header = browser.find_element(By.CSS_SELECTOR, '#grid th[data-sort="points"]')
    header.click()
    assert points[_shown_rows(browser)[0]] == max(points.values())
    header.click()
    assert points[_shown_rows(browser)[0]] == min(points.values())
    # A kata column sorts by status, failing first.
    kata_id = view.stuck["failing"][0].kata
    browser.find_element(By.CSS_SELECTOR, f'#grid th[data-kata="{kata_id}"]').click()
    first = _shown_rows(browser)[0]
    assert view.cells[(first, kata_id)].status == "failing"

    # A learner's name opens their timeline: one line per kata done.
    flagged = view.flagged[0]
    browser.find_element(By.CSS_SELECTOR, f'tr[data-learner="{flagged}"] .learner-name').click()
    panel = browser.find_element(By.ID, "learner-panel")
    assert panel.is_displayed() and flagged in panel.text and "tests modified" in panel.text.lower()
    timeline = next(l.timeline for l in view.learners if l.name == flagged)
    assert len(panel.find_elements(By.CSS_SELECTOR, ".timeline li")) == len(timeline)
    browser.find_element(By.ID, "panel-close").click()

    assert _severe(browser) == []


@pytest.mark.needs("chromium")
def test_a_hostile_learner_name_stays_text_in_the_browser(browser, tmp_path):
    from selenium.webdriver.common.by import By

    hostile = '<img src=x onerror="document.title=1"></script><script>document.title=2</script>'
    page = tmp_path / "class.html"
    page.write_text(render_html(aggregate([run(hostile, at(1), kata("1.1.1", "failing", failures=(hostile,)))])))
    _open(browser, page)

    assert browser.execute_script("return document.scripts.length") == 2
    assert browser.find_elements(By.CSS_SELECTOR, "#grid img") == []
    assert browser.find_element(By.CSS_SELECTOR, "#grid tbody tr .learner-name").text == hostile
    assert browser.execute_script("return document.querySelector('#grid tbody tr').dataset.learner") == hostile
    assert hostile in browser.find_element(By.CSS_SELECTOR, 'td[data-kata="1.1.1"]').get_attribute("title")
    assert browser.title == "Scalable AI Katas — class dashboard"
    assert _severe(browser) == []
