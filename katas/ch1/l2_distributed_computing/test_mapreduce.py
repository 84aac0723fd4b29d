"""Kata 1.2.1: MapReduce from scratch."""

import json
import os
import random
import re
import subprocess
import sys
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.course.trees import REPO_ROOT

mr = lesson_module(__file__, "mapreduce")

VOCABULARY = ["spark", "shuffle", "worker", "map", "reduce", "node", "key", "value", "task", "data",
              "the", "a", "of", "and", "to", "partition", "cluster", "scale"]


def make_documents(count=24, words=60, seed=11):
    rng = random.Random(seed)
    # Zipf-like: a few words dominate, as in real text.
    weights = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
    return [" ".join(rng.choices(VOCABULARY, weights, k=words)).capitalize() + "." for _ in range(count)]


DOCS = make_documents()


def words_of(doc):  # the test's own tokenizer: the independent check
    return re.findall(r"[a-z']+", doc.lower())


def pid_mapper(document):
    return [("pid", os.getpid())]


def pid_reducer(key, pids):
    return sorted(set(pids))


def keys_mapper(document):
    # Several keys, so that several reducers have work.
    return [(f"key-{i}", 1) for i in range(8)]


def reducer_pid(key, values):
    return os.getpid()  # where this reduce call ran


def combiner_pid(key, values):
    return os.getpid()  # where this combine call ran: it becomes the value the reducer sees


def collect_values(key, values):
    return sorted(set(values))


def test_word_count_matches_a_plain_count():
    result = mr.run_mapreduce(DOCS, mr.wc_mapper, mr.wc_reducer, workers=2, reducers=3)
    expected = Counter(w for doc in DOCS for w in words_of(doc))
    assert dict(result.output) == dict(expected), (
        "run_mapreduce(word count) disagrees with collections.Counter on these words: "
        f"{sorted(k for k in set(expected) | set(result.output) if expected.get(k) != result.output.get(k))[:5]}")


def test_without_a_combiner_every_word_is_shuffled():
    result = mr.run_mapreduce(DOCS, mr.wc_mapper, mr.wc_reducer, workers=2, reducers=2)
    total = sum(len(words_of(doc)) for doc in DOCS)
    assert result.shuffled_records == total, f"shuffled {result.shuffled_records} records; the map emitted {total}"


def test_a_combiner_shrinks_the_shuffle_and_keeps_the_answer():
    plain = mr.run_mapreduce(DOCS, mr.wc_mapper, mr.wc_reducer, workers=2, reducers=2)
    combined = mr.run_mapreduce(DOCS, mr.wc_mapper, mr.wc_reducer, workers=2, reducers=2, combiner=mr.wc_reducer)
    assert combined.output == plain.output
    # One map task per document: after combining, one record per distinct word per document.
    expected = sum(len(set(words_of(doc))) for doc in DOCS)
    assert combined.shuffled_records == expected, (
        f"with a combiner {combined.shuffled_records} records were shuffled; one per distinct word per map task "
        f"is {expected} (without: {plain.shuffled_records})")


def test_map_tasks_run_in_worker_processes():
    result = mr.run_mapreduce(DOCS, pid_mapper, pid_reducer, workers=2, reducers=1)
    pids = result.output["pid"]
    assert os.getpid() not in pids, "map tasks ran in the test's own process: use a pool of worker processes"
    assert 1 <= len(pids) <= 2, f"2 workers were asked for, map tasks ran in {len(pids)} processes"


def test_reduce_tasks_run_in_worker_processes():
    result = mr.run_mapreduce(DOCS, keys_mapper, reducer_pid, workers=2, reducers=3)
    assert sorted(result.output) == [f"key-{i}" for i in range(8)], f"output keys {sorted(result.output)}"
    pids = set(result.output.values())
    assert os.getpid() not in pids, (
        f"run_mapreduce(..., workers=2, reducers=3) called the reducer in the test's own process (pid {os.getpid()}) "
        "for some keys: the reduce tasks must run in the pool of worker processes too, not in a loop in the caller")
    assert 1 <= len(pids) <= 2, f"2 workers were asked for, reduce tasks ran in {len(pids)} processes: {sorted(pids)}"


def test_the_combiner_runs_inside_the_map_tasks():
    result = mr.run_mapreduce(DOCS, keys_mapper, collect_values, workers=2, reducers=3, combiner=combiner_pid)
    pids = {pid for values in result.output.values() for pid in values}
    assert os.getpid() not in pids, (
        f"run_mapreduce(..., combiner=...) called the combiner in the test's own process (pid {os.getpid()}): "
        "a combiner runs inside each map task, before its output leaves the worker")
    assert 1 <= len(pids) <= 2, f"2 workers were asked for, the combiner ran in {len(pids)} processes: {sorted(pids)}"


def test_partitioning_is_stable_across_processes_and_spreads_keys():
    keys = [f"key-{i}" for i in range(2000)]
    here = [mr.partition_for(k, 4) for k in keys]
    assert set(here) == {0, 1, 2, 3}
    shares = Counter(here)
    assert min(shares.values()) > 0.15 * len(keys), f"keys per reducer {dict(shares)}: far from even"
    code = ("import json\nfrom fixtures import lesson_module\n"
            f"mr = lesson_module({str(__file__)!r}, 'mapreduce')\n"
            f"print(json.dumps([mr.partition_for(k, 4) for k in {keys!r}]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60,
                         env=dict(os.environ, PYTHONHASHSEED="999"))
    assert out.returncode == 0, out.stderr[-2000:]
    assert json.loads(out.stdout) == here, "another process puts keys on other reducers (is hash() salted?)"


def meeting_mapper(document):
    """Word count's map that first waits (up to 10 s) until another map task is running too."""
    room = Path(os.environ["KATA_MEETING_ROOM"])
    (room / f"{os.getpid()}-{zlib.crc32(document.encode())}").touch()
    give_up = time.monotonic() + 10
    while len(list(room.iterdir())) < 2:
        if time.monotonic() > give_up:
            raise RuntimeError("this map task waited 10 s and no other map task ran at the same time")
        time.sleep(0.01)
    return [(word, 1) for word in words_of(document)]


def test_by_default_map_tasks_run_two_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setenv("KATA_MEETING_ROOM", str(tmp_path))
    docs = DOCS[:2]
    try:
        result = mr.run_mapreduce(docs, meeting_mapper, mr.wc_reducer)
    except RuntimeError as err:
        pytest.fail(f"run_mapreduce(two documents, mapper, reducer) with the default workers: {err}. The "
                    "default pool has 2 worker processes, so both map tasks should run at once")
    assert result.output == Counter(w for d in docs for w in words_of(d))


def test_one_worker_and_one_reducer_still_count_right():
    # Called with keywords: the first three parameters have names a caller may use.
    result = mr.run_mapreduce(documents=DOCS, mapper=mr.wc_mapper, reducer=mr.wc_reducer, workers=1, reducers=1)
    expected = Counter(w for d in DOCS for w in words_of(d))
    assert result.output == expected, "one worker process and one reducer must give the same counts as many"


@pytest.mark.parametrize("documents", [["a document"], []], ids=["one-document", "no-documents"])
@pytest.mark.parametrize("workers, reducers", [(0, 2), (-1, 2), (2, 0), (2, -1)])
def test_rejects_an_empty_pool(workers, reducers, documents):
    rejects(mr.run_mapreduce, documents, mr.wc_mapper, mr.wc_reducer, workers=workers, reducers=reducers,
            why="a job needs at least one worker process and one reducer, even before it has documents")


def test_partition_for_rejects_no_reducers():
    rejects(mr.partition_for, "spark", 0, why="a key needs at least one reducer to go to")
