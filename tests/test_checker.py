"""The checker names every way a kata can be wrong (it is what `make test` trusts)."""

from __future__ import annotations

import re
import shutil

import pytest

from tests.conftest import LESSON, make_copy


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    """One copy with a different fault in each of lesson 1.1's five katas; one checker run."""
    repo = make_copy(tmp_path_factory.mktemp("broken") / "repo")
    # 1.1.1: the learner's file already holds the reference solution.
    shutil.copy(repo.path(f"solutions/{LESSON}/speedup_laws.py"), repo.path(f"katas/{LESSON}/speedup_laws.py"))
    # 1.1.2: a solution that gives a wrong answer.
    sol = repo.path(f"solutions/{LESSON}/efficiency.py")
    sol.write_text(sol.read_text().replace("return (1.0 / speedup - 1.0 / workers)", "return (1.0 / speedup + 1.0 / workers)"))
    # 1.1.3: a test that passes whatever the stub does.
    repo.append(f"katas/{LESSON}/test_capacity.py", "\n\ndef test_that_checks_nothing():\n    assert True\n")
    # 1.1.4: a stub that cannot even be imported.
    stub = repo.path(f"katas/{LESSON}/consistent_hashing.py")
    stub.write_text("import a_module_that_does_not_exist\n" + stub.read_text())
    # 1.1.5: the catalog loses its hints, and a test file no kata claims appears.
    catalog = repo.path("catalog.toml")
    text = catalog.read_text()
    start = text.index('id = "1.1.5"')
    hints_at = text.index("hints = [", start)
    catalog.write_text(text[:hints_at] + 'hints = ["only a nudge"]\n')
    repo.write(f"katas/{LESSON}/test_orphan.py", "def test_orphan():\n    pass\n")
    result = repo.run("-m", "fixtures.course.check", "--lesson", "1.1", "--quiet")
    return result


def test_the_checker_fails(broken_run):
    assert broken_run.returncode == 1, broken_run.stdout[-3000:]
    assert "checker FAILED" in broken_run.stdout


def test_a_solution_copied_into_katas_is_named_as_already_solved(broken_run):
    assert re.search(r"kata 1\.1\.1: already solved in katas/", broken_run.stdout), broken_run.stdout[-3000:]


def test_a_broken_solution_is_named(broken_run):
    assert re.search(r"kata 1\.1\.2: the solution fails \d+ test\(s\)", broken_run.stdout), broken_run.stdout[-3000:]


def test_a_test_that_passes_against_the_stub_is_named(broken_run):
    assert "kata 1.1.3: test_that_checks_nothing passes against the stub" in broken_run.stdout


def test_an_import_error_is_not_the_right_reason(broken_run):
    # Said once for the kata, not once per test, and the other katas were still judged.
    line = ("kata 1.1.4: katas/ch1/l1_scalability/consistent_hashing.py does not import: SyntaxError at line 7: "
            "from __future__ imports must occur at the beginning of the file")
    assert broken_run.stdout.count(line) == 1, broken_run.stdout
    assert "kata 1.1.4: test_" not in broken_run.stdout, "one line for the kata, not one per test"
    assert "kata 1.1.2:" in broken_run.stdout


def test_catalog_and_files_must_agree(broken_run):
    assert "kata 1.1.5: needs at least two hints" in broken_run.stdout
    assert "test_orphan.py belongs to no kata in catalog.toml" in broken_run.stdout


def test_a_missing_solution_file_is_named(repo_copy):
    repo_copy.path(f"solutions/{LESSON}/usl.py").unlink()
    result = repo_copy.run("-m", "fixtures.course.check", "--lesson", "1.1", "--quiet")
    assert result.returncode == 1
    assert "kata 1.1.5: solution solutions/ch1/l1_scalability/usl.py is missing" in result.stdout
    assert "katas/ch1/l1_scalability/usl.py has no counterpart in solutions/" in result.stdout


def test_sessions_of_one_turn_never_overlap_and_a_free_worker_takes_what_it_can():
    """make test's scheduling: the Docker and Kubernetes sessions never overlap (one build
    cache, one cluster), nor the sessions that start Spark, torch and TensorFlow engines; a free
    worker takes a session it may run rather than wait for a turn."""
    import threading
    import time

    from fixtures.course.check import Job, run_jobs

    running: set[str] = set()
    overlaps: list[set[str]] = []
    started: list[str] = []
    lock = threading.Lock()

    def session(name: str, seconds: float):
        def work() -> None:
            with lock:
                running.add(name)
                started.append(name)
                overlaps.append(set(running))
            time.sleep(seconds)  # stands for a pytest session
            with lock:
                running.discard(name)
        return work

    jobs = [Job("sol-E", "machine", session("sol-E", 0.3)), Job("sol-S", "engines", session("sol-S", 0.1)),
            Job("fw-S", "engines", session("fw-S", 0.1)), Job("fw-E", "machine", session("fw-E", 0.1)),
            Job("stub-S", None, session("stub-S", 0.05)), Job("stub-E", "machine", session("stub-E", 0.05))]
    run_jobs(jobs, workers=2)
    assert sorted(started) == sorted(job.name for job in jobs), "every session ran once"
    for seen in overlaps:
        assert len(seen & {"sol-E", "fw-E", "stub-E"}) <= 1, f"Docker and Kubernetes sessions overlapped: {seen}"
        assert len(seen & {"sol-S", "fw-S"}) <= 1, f"the engines' sessions overlapped: {seen}"
    assert started.index("fw-S") < started.index("fw-E"), \
        f"a worker waited for a turn while a session it could run was ready: {started}"
