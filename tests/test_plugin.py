"""What a learner sees: short failures that name the kata, the file and the next step."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import time

import psutil
import pytest

from fixtures.plugin.guards import NetworkAccessBlocked
from tests.conftest import LESSON


def test_a_stub_failure_names_kata_file_function_and_hint(repo_copy):
    result = repo_copy.run("-m", "pytest", f"katas/{LESSON}/test_speedup_laws.py")
    out = result.stdout
    assert result.returncode == 1
    assert "kata 1.1.1 (Amdahl's and Gustafson's laws) is not implemented yet." in out
    assert f"edit: katas/{LESSON}/speedup_laws.py, amdahl_speedup()" in out
    assert "task: Speedup of a FIXED-size job" in out
    assert "hint: kata hint 1.1.1" in out
    assert "Traceback" not in out and "raise KataNotImplemented" not in out, "no stack traces for a missing kata"
    assert "katas not implemented yet" in out and "start with 1.1.1" in out


def test_a_lesson_runs_in_course_order_not_file_name_order(repo_copy):
    result = repo_copy.run("-m", "pytest", "--collect-only", "-q", f"katas/{LESSON}")
    files = list(dict.fromkeys(line.split("::")[0].rsplit("/", 1)[-1]
                               for line in result.stdout.splitlines() if "::" in line))
    # catalog.toml's order: 1.1.1 speedup laws, 1.1.2 efficiency, 1.1.3 capacity, ...
    assert files[:3] == ["test_speedup_laws.py", "test_efficiency.py", "test_capacity.py"], files


def test_the_same_tests_pass_against_solutions(repo_copy):
    result = repo_copy.run("-m", "pytest", "--solutions", f"katas/{LESSON}/test_capacity.py")
    assert result.returncode == 0, result.stdout[-2000:]
    assert "kata tree: solutions/" in result.stdout


def test_a_hanging_test_is_stopped_and_names_its_kata(repo_copy):
    repo_copy.append(f"katas/{LESSON}/test_usl.py", textwrap.dedent("""

        @pytest.mark.timeout(1)
        def test_waits_forever():
            import time
            time.sleep(30)
        """))
    started = time.monotonic()
    result = repo_copy.run("-m", "pytest", "--solutions", f"katas/{LESSON}/test_usl.py::test_waits_forever")
    assert result.returncode == 1
    assert time.monotonic() - started < 25, "the timeout did not stop the test"
    assert "kata 1.1.5: still running after 1 s, its time budget, so it was stopped." in result.stdout
    assert f"katas/{LESSON}/test_usl.py" in result.stdout and "time.sleep(30)" in result.stdout, result.stdout


def test_an_unwritten_artifact_is_reported_before_missing_infrastructure(repo_copy):
    # Give kata 1.1.1 a non-Python file and a need this run cannot have.
    catalog = repo_copy.path("catalog.toml")
    catalog.write_text(catalog.read_text().replace(
        'files = ["speedup_laws.py"]', 'files = ["speedup_laws.py", "plan.yaml"]\nneeds = ["kubernetes"]'))
    repo_copy.write(f"katas/{LESSON}/plan.yaml", "# KATA-TODO 1.1.1: write the plan here\n")
    repo_copy.write(f"solutions/{LESSON}/plan.yaml", "replicas: 34\n")
    no_cluster = {"KATA_ASSUME_MISSING": "kubernetes"}
    target = f"katas/{LESSON}/test_speedup_laws.py::test_amdahl_ceiling_textbook_values"

    stub = repo_copy.run("-m", "pytest", target, env=no_cluster)
    assert stub.returncode == 1
    assert "kata 1.1.1 (Amdahl's and Gustafson's laws) is not implemented yet." in stub.stdout
    assert "plan.yaml still has its KATA-TODO line" in stub.stdout

    solved = repo_copy.run("-m", "pytest", "--solutions", "-rs", target, env=no_cluster)
    assert solved.returncode == 0 and "1 skipped" in solved.stdout, solved.stdout[-2000:]
    assert "kata 1.1.1 needs kubernetes" in solved.stdout and "fix: unset KATA_ASSUME_MISSING" in solved.stdout

    required = repo_copy.run("-m", "pytest", "--solutions", "--require-infra", target, env=no_cluster)
    assert required.returncode == 1
    assert "kata 1.1.1 needs kubernetes" in required.stdout and "fix: unset KATA_ASSUME_MISSING" in required.stdout


def test_a_leaked_process_fails_the_run_and_is_stopped(repo_copy, tmp_path):
    pid_file = tmp_path / "leaked.pid"
    repo_copy.append(f"katas/{LESSON}/test_usl.py", textwrap.dedent(f"""

        def test_leaks_a_process():
            import subprocess
            proc = subprocess.Popen(["sleep", "300"])
            open({str(pid_file)!r}, "w").write(str(proc.pid))
        """))
    result = repo_copy.run("-m", "pytest", "--solutions", f"katas/{LESSON}/test_usl.py::test_leaks_a_process")
    assert result.returncode == 1, "a passing test that leaks a process must fail the run"
    assert "leaked by the tests (now stopped)" in result.stdout
    pid = int(pid_file.read_text())
    assert "sleep 300" in result.stdout
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_the_network_guard_allows_loopback_and_refuses_the_outside():
    server = socket.create_server(("127.0.0.1", 0))
    try:
        with socket.create_connection(server.getsockname(), timeout=2):
            pass
    finally:
        server.close()
    with pytest.raises(NetworkAccessBlocked, match="blocked by the kata network guard"):
        socket.create_connection(("192.0.2.10", 80), timeout=2)  # TEST-NET-1, never routed


@pytest.mark.needs("docker", "base-images")
def test_a_leaked_container_fails_the_run_and_is_removed(repo_copy, tmp_path):
    id_file = tmp_path / "leaked.cid"
    repo_copy.append(f"katas/{LESSON}/test_usl.py", textwrap.dedent(f"""

        def test_leaks_a_container():
            import docker
            client = docker.from_env()
            container = client.containers.run("python:3.11-slim", ["sleep", "300"], detach=True)
            open({str(id_file)!r}, "w").write(container.id)
        """))
    result = repo_copy.run("-m", "pytest", "--solutions", f"katas/{LESSON}/test_usl.py::test_leaks_a_container")
    assert result.returncode == 1, "a passing test that leaks a container must fail the run"
    assert "leaked by the tests (now stopped)" in result.stdout and "container" in result.stdout
    import docker

    client = docker.from_env()
    try:
        remaining = [c.id for c in client.containers.list(all=True) if c.id == id_file.read_text()]
    finally:
        client.close()
    assert not remaining, "the leak guard should have removed the leaked container"


def test_a_leaked_spark_jvm_fails_the_run_but_anothers_is_left_alone(repo_copy, tmp_path):
    # Stand-ins for JVMs: processes whose command line names a Spark class, which is
    # what the guard looks for. One belongs to somebody else (started outside the run:
    # another terminal's `kata watch`, a second pytest); the other is leaked by a test
    # and then orphaned, as a JVM outlives a launcher that exited.
    sleeper = "import sys, time; time.sleep(120)"
    foreign = subprocess.Popen([sys.executable, "-c", sleeper, "org.apache.spark.deploy.master.Master"])
    pid_file = tmp_path / "leaked.pid"
    repo_copy.append(f"katas/{LESSON}/test_usl.py", textwrap.dedent(f"""

        def test_leaks_an_orphaned_jvm():
            import subprocess, sys
            launcher = subprocess.run([sys.executable, "-c", "import subprocess, sys; "
                                       "p = subprocess.Popen([sys.executable, '-c', {sleeper!r}, "
                                       "'org.apache.spark.executor.Executor'], start_new_session=True, "
                                       "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); print(p.pid)"],
                                      capture_output=True, text=True, check=True)
            open({str(pid_file)!r}, "w").write(launcher.stdout.strip())
        """))
    try:
        result = repo_copy.run("-m", "pytest", "--solutions",
                               f"katas/{LESSON}/test_usl.py::test_leaks_an_orphaned_jvm")
        leaked = int(pid_file.read_text())
        assert result.returncode == 1, "a passing test that leaks a Spark JVM must fail the run"
        assert f"spark-jvm {leaked}" in result.stdout, result.stdout[-1500:]
        assert foreign.poll() is None, "the guard stopped a Spark JVM that another run started"
        assert str(foreign.pid) not in result.stdout
        assert not psutil.pid_exists(leaked) or psutil.Process(leaked).status() == psutil.STATUS_ZOMBIE
    finally:
        foreign.kill()
        foreign.wait()


@pytest.mark.needs("java")
def test_an_untouched_stub_with_needs_is_reported_without_running_its_tests(repo_copy, tmp_path):
    # Kata 1.1.1 gets a need this machine has (java); a test of its own leaves a marker when it runs.
    catalog = repo_copy.path("catalog.toml")
    catalog.write_text(catalog.read_text().replace('tests = "test_speedup_laws.py"',
                                                   'tests = "test_speedup_laws.py"\nneeds = ["java"]', 1))
    marker = tmp_path / "ran"
    repo_copy.append(f"katas/{LESSON}/test_speedup_laws.py",
                     f"\n\ndef test_leaves_a_marker():\n    open({str(marker)!r}, 'w').close()\n")
    target = f"katas/{LESSON}/test_speedup_laws.py"

    shortcut = repo_copy.run("-m", "pytest", target)
    assert shortcut.returncode == 1 and not marker.exists(), "no test of an untouched stub runs"
    assert "kata 1.1.1 (Amdahl's and Gustafson's laws) is not implemented yet." in shortcut.stdout
    assert (f"edit: katas/{LESSON}/speedup_laws.py: amdahl_speedup(), amdahl_ceiling(), gustafson_speedup()"
            in shortcut.stdout), shortcut.stdout[-3000:]
    assert " failed in " in shortcut.stdout and "error" not in shortcut.stdout.splitlines()[-1], \
        "reported as the tests' failures, not as setup errors"

    repo_copy.run("-m", "pytest", "--run-stubs", f"{target}::test_leaves_a_marker")
    assert marker.exists(), "--run-stubs (the checker's) runs them"
    marker.unlink()

    stub = repo_copy.path(f"katas/{LESSON}/speedup_laws.py")
    stub.write_text(stub.read_text().replace('raise KataNotImplemented("1.1.1")', "return 1.0", 1))
    repo_copy.run("-m", "pytest", f"{target}::test_leaves_a_marker")
    assert marker.exists(), "once the learner has started on the kata, its tests run"


def test_a_checked_return_type_is_two_lines_naming_the_kata(repo_copy):
    repo_copy.append(f"katas/{LESSON}/test_usl.py", textwrap.dedent("""

        def test_gets_a_dict():
            from fixtures.course.expect import returned
            returned({"a": 1}, list, call="usl_curve(1, 2)", expected_text="a list of floats",
                     advice="Return the throughputs in order.")
        """))
    result = repo_copy.run("-m", "pytest", "--solutions", f"katas/{LESSON}/test_usl.py::test_gets_a_dict")
    assert result.returncode == 1
    assert ("kata 1.1.5: usl_curve(1, 2) returned a dict of 1 item; expected a list of floats.\n"
            "  Return the throughputs in order.\n") in result.stdout, result.stdout[-2000:]
    assert "Traceback" not in result.stdout and "KataWrongType" not in result.stdout


def test_engine_start_noise_is_dropped_from_captured_output(tmp_path):
    from fixtures.plugin.failures import trim_sections

    sections, cut = trim_sections([("Captured stderr setup", "WARNING: Using incubator modules: jdk.incubator.vector\n"),
                                   ("Captured stdout call", "debug 1\n")], tmp_path / "x.log")
    assert sections == [("Captured stdout call", "debug 1\n")] and not cut


def test_a_java_error_is_summed_up_by_its_root_cause():
    from fixtures.plugin.failures import java_error_line

    text = ("An error occurred while calling o417.collectToPython.\n"
            ": org.apache.spark.SparkException: [FAILED_EXECUTE_UDF] User defined function failed. SQLSTATE: 39000\n"
            "\tat org.apache.spark.sql.errors.QueryExecutionErrors$.failedExecuteUserDefinedFunctionError(x.scala:1)\n"
            "Caused by: org.apache.spark.SparkException: Unseen label: furniture. To handle unseen labels, set "
            "Param handleInvalid to keep.\n\tat org.apache.spark.ml.feature.StringIndexerModel.x(y.scala:2)\n")
    assert java_error_line(text) == ("SparkException: Unseen label: furniture. To handle unseen labels, set Param "
                                     "handleInvalid to keep.")
    assert java_error_line("ValueError: not from Java") is None


def test_an_error_whose_headline_announces_its_detail_shows_the_detail():
    from fixtures.plugin.failures import _first_line

    err = ValueError('Parameter validation failed:\nUnknown parameter in ProductionVariants[0]: "InstanceCount"\n'
                     'Missing required parameter in ProductionVariants[0]: "InitialInstanceCount"\nmore')
    line = _first_line(err)
    assert line.startswith("ValueError: Parameter validation failed: Unknown parameter") and "InitialInstanceCount" \
        in line and "more" not in line, line
    assert _first_line(KeyError("x")) == "KeyError: 'x'"
