"""Fault injection: a learner's usual mistakes, each in a small course of its own.

Every case breaks kata 9.1.1 one way and leaves kata 9.1.2 sound, runs `pytest` on the
lesson in a repository copy, and checks what a learner would meet: the first lines
name the kata and the mistake, the whole output stays a few dozen lines, the run
ends well inside a bound that is generous for a loaded 2-core machine, kata 9.1.2
still ran and passed, and nothing the run started is still running.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass

import psutil
import pytest

from tests.conftest import RepoCopy, make_copy, replace_course

# One small course per group of cases: kata N.1 is broken one way, kata N.2 is sound.
CATALOG_TEMPLATE = """
[[chapters]]
number = 9
title = "Faults"

[[chapters.lessons]]
id = "{lesson}"
title = "{title}"
dir = "{folder}"
budget = {budget}
needs = {needs}

[[chapters.lessons.katas]]
id = "{lesson}.1"
title = "The broken one"
files = ["{broken}.py"]
tests = "test_{broken}.py"
hints = ["a hint"]

[[chapters.lessons.katas]]
id = "{lesson}.2"
title = "The sound one"
files = ["sound.py"]
tests = "test_sound.py"
hints = ["a hint"]
"""

LESSON = "ch9/l1_faults"
CATALOG = CATALOG_TEMPLATE.format(lesson="9.1", title="A learner's usual mistakes", folder=LESSON, budget=3,
                                  needs="[]", broken="broken")

TEST_BROKEN = '''
from hypothesis import given, strategies as st

from fixtures import lesson_module

broken = lesson_module(__file__, "broken")


@given(st.integers(1, 100))
def test_double(n):
    got = broken.double(n)
    assert got - n == n, f"double({n}) returned {got!r}"


def test_double_of_zero():
    assert broken.double(0) == 0
'''

TEST_SOUND = '''
from fixtures import lesson_module

sound = lesson_module(__file__, "sound")


def test_triple():
    assert sound.triple(3) == 9
'''


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> RepoCopy:
    repo = make_copy(tmp_path_factory.mktemp("faults") / "repo")
    replace_course(repo, CATALOG, [LESSON])
    for tree in ("katas", "solutions"):
        repo.write(f"{tree}/{LESSON}/sound.py", "def triple(n):\n    return 3 * n\n")
        repo.write(f"{tree}/{LESSON}/broken.py", "def double(n):\n    return 2 * n\n")
    repo.write(f"katas/{LESSON}/test_broken.py", TEST_BROKEN)
    repo.write(f"katas/{LESSON}/test_sound.py", TEST_SOUND)
    return repo


@dataclass
class Outcome:
    code: int
    lines: list[str]
    seconds: float
    left_running: list[str]

    def first_failure(self) -> str:
        """The first line of the first failure report (after pytest's ____ test name ____ line)."""
        for i, line in enumerate(self.lines):
            if line.startswith("_") and line.rstrip().endswith("_") and i + 1 < len(self.lines):
                return self.lines[i + 1]
        return ""

    def __str__(self) -> str:
        return "\n".join(self.lines[-60:])


def run_with(course: RepoCopy, body: str, *args: str, bound: float = 90) -> Outcome:
    course.write(f"katas/{LESSON}/broken.py", textwrap.dedent(body).lstrip())
    return run_lesson(course, LESSON, *args, bound=bound)


def run_lesson(course: RepoCopy, lesson: str, *args: str, bound: float = 90,
               interrupt_when: Callable[[int], bool] | None = None) -> Outcome:
    """`pytest` on one lesson of a copy; `interrupt_when(session id)`: send Ctrl-C once it holds
    (then `seconds` counts from the Ctrl-C)."""
    started = time.monotonic()
    # A session of its own: whatever the run starts can be found afterwards by session id.
    # Ctrl-C restored to its default in the run: started from a background job (`make test &`,
    # some CI runners) this process may ignore SIGINT, and a child inherits that, so the
    # run would never see the Ctrl-C these tests send.
    proc = subprocess.Popen([sys.executable, "-m", "pytest", "-p", "no:randomly", f"katas/{lesson}", *args],
                            cwd=course.root, env=course.env({"KATA_NO_PROGRESS": "1"}), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        if interrupt_when is not None:
            while proc.poll() is None and time.monotonic() < started + bound and not interrupt_when(proc.pid):
                time.sleep(0.1)
            proc.send_signal(signal.SIGINT)
            started = time.monotonic()
        out, _ = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"the run did not end within {bound} s:\n{out[-3000:]}")
    seconds = time.monotonic() - started
    left = []
    for p in psutil.process_iter(["pid", "cmdline"]):
        try:
            if os.getsid(p.pid) == proc.pid and p.status() != psutil.STATUS_ZOMBIE:
                left.append(f"{p.pid} {' '.join(p.info['cmdline'] or [])[:120]}")
                p.kill()
        except (ProcessLookupError, psutil.Error):
            continue
    return Outcome(proc.returncode, out.splitlines(), seconds, left)


def assert_contained(outcome: Outcome, first: str, *, max_lines: int = 45, max_seconds: float = 60,
                     sound_ran: bool = True) -> None:
    assert outcome.first_failure().startswith(first), f"first failure line: {outcome.first_failure()!r}\n{outcome}"
    assert len(outcome.lines) <= max_lines, f"{len(outcome.lines)} lines of output:\n{outcome}"
    assert outcome.seconds < max_seconds, f"took {outcome.seconds:.1f} s:\n{outcome}"
    assert not outcome.left_running, f"still running after the run: {outcome.left_running}"
    if sound_ran:
        assert outcome.code == 1, outcome
        assert "test_sound.py ." in "\n".join(outcome.lines), f"kata 9.1.2 did not run and pass:\n{outcome}"


def test_an_endless_loop_under_hypothesis_is_stopped_at_the_budget(course):
    outcome = run_with(course, """
        def double(n):
            while True:
                pass
        """)
    assert_contained(outcome, "kata 9.1.1: still running after 3 s, its time budget, so it was stopped.")
    text = "\n".join(outcome.lines)
    assert "katas/ch9/l1_faults/broken.py:2 in double()" in text and "while True:" in text, outcome
    assert "budget cut to 2 s" in text, "the kata's second test should not wait the whole budget again"


def test_a_syntax_error_fails_only_its_own_kata(course):
    outcome = run_with(course, """
        def double(n)
            return 2 * n
        """)
    assert_contained(outcome, "kata 9.1.1: katas/ch9/l1_faults/broken.py does not import: "
                              "SyntaxError at line 1: expected ':'", max_seconds=60)
    assert "(as above)" in "\n".join(outcome.lines), "the second test should not repeat the whole message"


def test_an_error_at_import_time_names_the_line(course):
    outcome = run_with(course, """
        FACTOR = undefined_name * 2

        def double(n):
            return FACTOR * n
        """)
    assert_contained(outcome, "kata 9.1.1: katas/ch9/l1_faults/broken.py does not import: NameError at line 1 of "
                              "katas/ch9/l1_faults/broken.py: name 'undefined_name' is not defined", max_seconds=60)


@pytest.mark.parametrize("call, shown", [("sys.exit(3)", "sys.exit(3)"), ("os._exit(3)", "os._exit(3)")])
def test_exiting_does_not_end_the_run(course, call, shown):
    outcome = run_with(course, f"""
        import os
        import sys

        def double(n):
            {call}
        """)
    assert_contained(outcome, f"kata 9.1.1: the code called {shown}, which would end the whole test run.",
                     max_seconds=60)


def test_endless_recursion_is_a_few_lines(course):
    outcome = run_with(course, """
        def double(n):
            return double(n) + 0
        """)
    assert_contained(outcome, "kata 9.1.1: a function kept calling itself until Python gave up (RecursionError).",
                     max_seconds=60, max_lines=35)
    assert "katas/ch9/l1_faults/broken.py:2 in double()  (x" in "\n".join(outcome.lines), "one line for the repeats"


def test_megabytes_of_printing_are_cut_to_the_end(course):
    outcome = run_with(course, """
        def double(n):
            for i in range(20_000):
                print(f"debug line {i}: still thinking about {n}")
            return 2 * n + 1
        """)
    assert_contained(outcome, "", max_lines=80, max_seconds=60)
    text = "\n".join(outcome.lines)
    assert "earlier lines" in text and ".kata/logs/9.1.1-" in text, outcome
    assert "debug line 19999" in text, "the end of the output, where the last state is, stays visible"


def test_a_wrong_return_type_says_what_came_back(course):
    outcome = run_with(course, """
        def double(n):
            return str(2 * n)
        """)
    assert_contained(outcome, "kata 9.1.1: the test could not use what your code returned: TypeError: "
                              "unsupported operand type(s) for -: 'str' and 'int'", max_seconds=60)
    text = "\n".join(outcome.lines)
    assert "test_double(" in text and "n=1," in text, "hypothesis's smallest failing input is the one to try by hand"


def test_a_huge_allocation_is_a_memory_error_not_a_swapping_machine(course):
    outcome = run_with(course, """
        def double(n):
            table = [0] * (10 ** 11)
            return 2 * n
        """)
    assert_contained(outcome, "kata 9.1.1: the code asked for more than 2 GiB of memory (MemoryError)",
                     max_seconds=60)


def test_a_child_process_left_running_fails_the_run_and_is_stopped(course):
    outcome = run_with(course, """
        import subprocess

        def double(n):
            subprocess.Popen(["sleep", "300"])
            return 2 * n
        """, "-k", "zero")
    assert outcome.code == 1, outcome
    text = "\n".join(outcome.lines)
    assert "leaked by the tests (now stopped)" in text and "sleep 300" in text, outcome
    assert not outcome.left_running, outcome.left_running


def test_code_stuck_in_c_ends_the_run_with_a_message(course):
    # sum() over a range runs in C and never checks for signals: only the watchdog can end it.
    outcome = run_with(course, """
        def double(n):
            return sum(range(10 ** 15)) * 0 + 2 * n
        """, "-k", "zero", bound=120)
    text = "\n".join(outcome.lines)
    assert outcome.code == -9, outcome  # ended by the watchdog
    assert "kata 9.1.1, test_double_of_zero: still running after 3 s (its time budget), and it did not stop" in text
    assert "katas/ch9/l1_faults/broken.py:2 in double()" in text, outcome
    assert "every thread's stack is in" in text, outcome
    assert len(outcome.lines) <= 30, outcome
    assert outcome.seconds < 60, outcome.seconds
    assert not outcome.left_running, outcome.left_running


# ---------------------------------------------------------------- a loop inside a Spark task

SPARK_LESSON = "ch9/l2_spark_faults"
SPARK_CATALOG = CATALOG_TEMPLATE.format(lesson="9.2", title="A learner's mistake inside a Spark task",
                                        folder=SPARK_LESSON, budget=8, needs='["java"]', broken="looping")

TEST_LOOPING = '''
from fixtures import lesson_module

looping = lesson_module(__file__, "looping")


def test_squares(spark):
    assert looping.squares(spark).collect() == [0, 1, 4, 9]


def test_squares_again(spark):
    assert looping.squares(spark).count() == 4
'''

TEST_SPARK_SOUND = '''
from fixtures import lesson_module

sound = lesson_module(__file__, "sound")


def test_total(spark):
    assert sound.total(spark) == 45
'''

LOOPING = '''
def square(x):
    while True:
        pass


def squares(spark):
    return spark.sparkContext.parallelize(range(4), 2).map(square)
'''


def looping_course(tmp_path_factory, catalog: str, lesson: str, looping: str, sound: str,
                   test_looping: str, test_sound: str) -> RepoCopy:
    """A course copy whose kata N.1 (looping.py) loops inside an engine and N.2 (sound.py) is sound."""
    repo = make_copy(tmp_path_factory.mktemp(lesson.replace("/", "-")) / "repo")
    replace_course(repo, catalog, [lesson])
    for tree in ("katas", "solutions"):
        repo.write(f"{tree}/{lesson}/looping.py", looping)
        repo.write(f"{tree}/{lesson}/sound.py", sound)
    repo.write(f"katas/{lesson}/test_looping.py", test_looping)
    repo.write(f"katas/{lesson}/test_sound.py", test_sound)
    return repo


@pytest.fixture(scope="module")
def spark_course(tmp_path_factory) -> RepoCopy:
    return looping_course(tmp_path_factory, SPARK_CATALOG, SPARK_LESSON, LOOPING,
                          "def total(spark):\n    return spark.sparkContext.parallelize(range(10), 2).sum()\n",
                          TEST_LOOPING, TEST_SPARK_SOUND)


@pytest.mark.needs("java")
def test_an_endless_loop_in_a_spark_task_is_stopped_and_the_session_serves_the_next_kata(spark_course):
    # The test waits in collect() while the loop runs in a Python worker the JVM forked: the
    # job must be cancelled (its workers killed) so the next kata's job gets the task slots,
    # and the failure must point at the loop, not only at collect().
    outcome = run_lesson(spark_course, SPARK_LESSON, bound=150)
    out = "\n".join(outcome.lines)
    assert "kata 9.2.1: still running after 8 s, its time budget, so it was stopped." in out, out
    # The stack is sampled while the loop spins: either of its two lines may be the one running.
    assert re.search(rf"katas/{SPARK_LESSON}/looping\.py:[34] in square\(\)", out), out
    assert re.search(r"while True:|^\s+pass$", out, re.M), out
    assert "kata 9.2.1: stopped after 2 s at" in out, "the kata's second test should not wait 8 s again:\n" + out
    assert "test_sound.py ." in out, f"the next kata's Spark job did not run and pass:\n{out}"
    assert outcome.code == 1, out
    assert len(outcome.lines) <= 45, out
    assert not outcome.left_running, f"still running after the run: {outcome.left_running}"
    print(f"loop in a Spark task: run ended in {outcome.seconds:.1f} s")


@pytest.mark.needs("java")
def test_ctrl_c_while_a_spark_task_loops_ends_the_run(spark_course):
    # PySpark's own Ctrl-C handler cancels on the connection the interrupted collect() is
    # using, and the run went on with a Py4JError as the test's failure. Ctrl-C is sent while
    # the learner's function runs in a Python worker, so the test is waiting in collect().
    outcome = run_lesson(spark_course, SPARK_LESSON, bound=150, interrupt_when=_python_workers_running)
    out = "\n".join(outcome.lines)
    assert "KeyboardInterrupt" in out and outcome.code == 2, out
    assert "test_sound.py" not in out, f"the run went on after Ctrl-C:\n{out}"
    assert outcome.seconds < 20, f"Ctrl-C took {outcome.seconds:.1f} s to end the run"
    assert not outcome.left_running, f"still running after Ctrl-C: {outcome.left_running}"
    print(f"Ctrl-C during a looping Spark task: run ended {outcome.seconds:.1f} s after it")


def _python_workers_running(sid: int) -> bool:
    """A Python worker forked by the worker daemon, in the run's session."""
    daemon = "fixtures.engines.spark.daemon"
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) == sid and daemon in p.cmdline() and daemon in p.parent().cmdline():
                return True
        except (ProcessLookupError, psutil.Error, AttributeError):
            continue
    return False


# ---------------------------------------------------------------- ranks of a process group

TORCH_LESSON = "ch9/l3_rank_faults"
TORCH_CATALOG = CATALOG_TEMPLATE.format(lesson="9.3", title="A learner's mistake in a rank of a process group",
                                        folder=TORCH_LESSON, budget=6, needs='["torch"]', broken="looping")

RANK_LOOP = '''
def total(rank, world_size):
    while rank == 1:
        pass
    return rank
'''

TEST_RANK_LOOP = '''
from fixtures import lesson_module

looping = lesson_module(__file__, "looping")


def test_total(process_group):
    assert process_group.run(looping.total, 2) == [0, 1]
'''

TEST_RANK_SOUND = '''
from fixtures import lesson_module

sound = lesson_module(__file__, "sound")


def test_ranks(process_group):
    assert process_group.run(sound.ranks, 2) == [0, 1]
'''


def _ranks_running(sid: int) -> bool:
    """A rank or a TensorFlow worker (forked by a fork server) of the run's session has been
    running the learner's loop for a while: it has used half a second of CPU. (CPU used so far,
    not a momentary sample: on two busy cores a sample of a looping process can read low.)"""
    for p in psutil.process_iter():
        try:
            if os.getsid(p.pid) == sid and "forkserver" in " ".join(p.parent().cmdline()) \
                    and p.cpu_times().user > 0.5:
                return True
        except (ProcessLookupError, psutil.Error, AttributeError):
            continue
    return False


# ---------------------------------------------------------------- workers of a TensorFlow cluster

TF_LESSON = "ch9/l4_tf_faults"
TF_CATALOG = CATALOG_TEMPLATE.format(lesson="9.4", title="A learner's mistake in a TensorFlow worker",
                                     folder=TF_LESSON, budget=8, needs='["tensorflow"]', broken="looping")

# Worker 1 loops inside a tf.function-free step, worker 0 waits for it in a collective.
TF_LOOP = '''
def total():
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    while strategy.cluster_resolver.task_id == 1:
        pass
    return float(strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None))
'''

TEST_TF_LOOP = '''
from fixtures import lesson_module

looping = lesson_module(__file__, "looping")


def test_total(tf_workers):
    assert tf_workers.cluster(looping.total, workers=2).values == [2.0, 2.0]
'''

TEST_TF_SOUND = '''
from fixtures import lesson_module

sound = lesson_module(__file__, "sound")


def test_replicas(tf_workers):
    assert tf_workers.local(sound.replicas) == 2
'''


# One case per engine that runs learner code in processes of its own: (lesson folder, kata id,
# budget, where the loop is, its line, the needs mark).
LOOPING_MEMBERS = {
    # where and its line: patterns; a stack taken in a loop shows whichever of its lines ran
    "rank": (TORCH_LESSON, "9.3.1", 6, r"looping\.py:[34] in total\(\)", r"while rank == 1:|^\s+pass$", "torch"),
    "tf-worker": (TF_LESSON, "9.4.1", 8, r"looping\.py:[67] in total\(\)",
                  r"while strategy.cluster_resolver.task_id == 1:|^\s+pass$", "tensorflow"),
}


@pytest.fixture(scope="module", params=[
    pytest.param(kind, marks=pytest.mark.needs(case[-1])) for kind, case in LOOPING_MEMBERS.items()])
def member_course(request, tmp_path_factory):
    if request.param == "rank":
        repo = looping_course(tmp_path_factory, TORCH_CATALOG, TORCH_LESSON, RANK_LOOP,
                              "import torch.distributed as dist\n\n\ndef ranks(rank, world_size):\n"
                              "    return dist.get_rank()\n", TEST_RANK_LOOP, TEST_RANK_SOUND)
    else:
        repo = looping_course(tmp_path_factory, TF_CATALOG, TF_LESSON, TF_LOOP,
                              "def replicas():\n    import tensorflow as tf\n\n"
                              "    return tf.distribute.MirroredStrategy(['/cpu:0', '/cpu:1']).num_replicas_in_sync\n",
                              TEST_TF_LOOP, TEST_TF_SOUND)
    return repo, LOOPING_MEMBERS[request.param]


def test_a_member_that_loops_past_the_budget_is_shown_and_reaped(member_course):
    """A rank or a TensorFlow worker loops: the test is stopped at the budget, the loop's line is
    shown from the member's own stack, every member is reaped, and the next kata's engine works."""
    course, (lesson, kata, budget, where, line, _) = member_course
    outcome = run_lesson(course, lesson, bound=120)
    out = "\n".join(outcome.lines)
    assert f"kata {kata}: still running after {budget} s, its time budget, so it was stopped." in out, out
    assert re.search(f"katas/{lesson}/{where}", out) and re.search(line, out, re.M), out
    assert "test_sound.py ." in out, f"the next kata's engine did not run and pass:\n{out}"
    assert outcome.code == 1 and len(outcome.lines) <= 45, out
    assert not outcome.left_running, f"still running after the run: {outcome.left_running}"


def test_ctrl_c_while_a_member_loops_ends_the_run(member_course):
    course, (lesson, *_) = member_course
    outcome = run_lesson(course, lesson, bound=120, interrupt_when=_ranks_running)
    out = "\n".join(outcome.lines)
    assert "KeyboardInterrupt" in out and outcome.code == 2, out
    assert outcome.seconds < 15, f"Ctrl-C took {outcome.seconds:.1f} s to end the run"
    assert not outcome.left_running, f"still running after Ctrl-C: {outcome.left_running}"
    print(f"Ctrl-C while a {lesson} member loops: run ended {outcome.seconds:.1f} s after it")


# ---------------------------------------------------------------- containers the Docker engine started

DOCKER_LESSON = "ch9/l5_docker_faults"
DOCKER_CATALOG = CATALOG_TEMPLATE.format(lesson="9.5", title="A learner's server that never answers",
                                         folder=DOCKER_LESSON, budget=8, needs='["docker", "base-images"]',
                                         broken="looping")

# The learner's image starts but never serves: the test waits for its health route.
DOCKER_LOOP = '''
def dockerfile():
    return 'FROM python:3.11-slim\\nRUN echo built > /built\\nCMD ["sleep", "300"]\\n'
'''

TEST_DOCKER_LOOP = '''
from fixtures import lesson_module
from fixtures.engines.docker import build as docker_build
from fixtures.engines.docker.run import serve

looping = lesson_module(__file__, "looping")


def test_serves(docker_scope, tmp_path):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(looping.dockerfile())
    built = docker_build.build(docker_scope, tmp_path / "ctx", "never", log=tmp_path / "build.log")
    docker_scope.network("lb")
    serve(docker_scope, built.tag, port=8000, log=tmp_path / "run.log", timeout=300)
'''

TEST_DOCKER_SOUND = '''
from fixtures import lesson_module
from fixtures.engines.docker import build as docker_build

sound = lesson_module(__file__, "sound")


def test_runs(docker_scope, tmp_path):
    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(sound.dockerfile())
    built = docker_build.build(docker_scope, tmp_path / "ctx", "sound", log=tmp_path / "build.log")
    assert docker_scope.client.containers.run(built.tag, remove=True, labels=docker_scope.labels).strip() == b"ok"
'''


@contextlib.contextmanager
def _docker():
    from fixtures.engines.probes import docker_client

    client = docker_client()
    try:
        yield client
    finally:
        client.close()


def _docker_state() -> dict[str, set[str]]:
    with _docker() as client:
        return {"containers": {c.id for c in client.containers.list(all=True)},
                "images": {i.id for i in client.images.list(all=True)},
                "networks": {n.id for n in client.networks.list()}}


def _scope_container_running(sid: int) -> bool:
    from fixtures.engines.docker.scope import LABEL

    with _docker() as client:
        return bool(client.containers.list(filters={"label": LABEL}))


@pytest.fixture(scope="module")
def docker_course(tmp_path_factory) -> RepoCopy:
    return looping_course(tmp_path_factory, DOCKER_CATALOG, DOCKER_LESSON, DOCKER_LOOP,
                          "def dockerfile():\n    return 'FROM python:3.11-slim\\nCMD [\"echo\", \"ok\"]\\n'\n",
                          TEST_DOCKER_LOOP, TEST_DOCKER_SOUND)


@pytest.mark.needs("docker", "base-images")
def test_a_server_that_never_answers_is_stopped_and_nothing_is_left_in_docker(docker_course):
    before = _docker_state()
    outcome = run_lesson(docker_course, DOCKER_LESSON, bound=120)
    out = "\n".join(outcome.lines)
    assert "kata 9.5.1: still running after 8 s, its time budget, so it was stopped." in out, out
    assert "test_sound.py ." in out, f"the next kata's build did not run and pass:\n{out}"
    assert "leaked by the tests" not in out, out  # the scope removed it all, not the leak guard
    assert _docker_state() == before
    assert not outcome.left_running, f"still running after the run: {outcome.left_running}"


@pytest.mark.needs("docker", "base-images")
def test_ctrl_c_while_waiting_for_a_container_leaves_nothing_in_docker(docker_course):
    before = _docker_state()
    outcome = run_lesson(docker_course, DOCKER_LESSON, bound=120, interrupt_when=_scope_container_running)
    out = "\n".join(outcome.lines)
    assert "KeyboardInterrupt" in out and outcome.code == 2, out
    assert outcome.seconds < 15, f"Ctrl-C took {outcome.seconds:.1f} s to end the run"
    assert _docker_state() == before
    assert not outcome.left_running, f"still running after Ctrl-C: {outcome.left_running}"
    print(f"Ctrl-C while waiting for a container: run ended {outcome.seconds:.1f} s after it")
