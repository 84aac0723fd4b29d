"""The Spark fixtures: a real local session, a real standalone cluster, honest observation."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from fixtures.engines.spark import (LOOPBACK, SparkObserver, StandaloneCluster, partition_sizes, spark_env,
                            physical_plan, spark_home, submit_python)

pytestmark = pytest.mark.needs("java")

WORDS = [f"w{i % 10}" for i in range(10_000)]  # 10 distinct words, 1,000 times each


def test_the_local_session_is_tuned_for_tests(spark):
    conf = spark.sparkContext.getConf()
    assert spark.sparkContext.master == "local[2,3]"
    assert conf.get("spark.sql.shuffle.partitions") == "4"
    assert conf.get("spark.driver.host") == LOOPBACK


def test_transformations_run_no_job_and_an_action_does(spark):
    with SparkObserver(spark) as lazy:
        df = spark.range(1000).withColumnRenamed("id", "n").filter("n % 2 = 0")
    assert lazy.jobs == 0
    with SparkObserver(spark) as eager:
        assert df.count() == 500
    assert eager.jobs >= 1 and eager.stages >= 1


def test_reduce_by_key_shuffles_far_fewer_bytes_than_group_by_key(spark):
    import random

    rng = random.Random(3)
    pairs = [(w, rng.random()) for w in WORDS]  # random values: shuffle compression cannot hide them
    rdd = spark.sparkContext.parallelize(pairs, 4)
    with SparkObserver(spark) as reduced:
        sums = dict(rdd.reduceByKey(lambda a, b: a + b).collect())
    with SparkObserver(spark) as grouped:
        grouped_sums = {k: sum(v) for k, v in rdd.groupByKey().collect()}
    assert sums.keys() == grouped_sums.keys() == {f"w{i}" for i in range(10)}
    assert all(abs(sums[k] - grouped_sums[k]) < 1e-6 for k in sums)
    # PySpark builds groupByKey on combineByKey with list combiners: both write one
    # record per word per input partition, but groupByKey's records carry every value.
    assert 0 < reduced.shuffle_write_records <= 10 * 4
    assert grouped.shuffle_write_bytes > 20 * reduced.shuffle_write_bytes, (
        grouped.shuffle_write_bytes, reduced.shuffle_write_bytes)


def test_collect_sends_rows_to_the_driver_and_count_does_not(spark):
    df = spark.range(50_000).selectExpr("id", "repeat('x', 20) as pad")
    with SparkObserver(spark) as counted:
        df.count()
    with SparkObserver(spark) as collected:
        df.collect()
    # Results travel compressed (about 5 bytes a row here), yet dwarf count()'s partial sums.
    assert collected.result_bytes > 20 * counted.result_bytes
    assert collected.result_bytes > 50_000


def test_partition_sizes_and_the_physical_plan(spark):
    from pyspark.sql.functions import broadcast

    assert partition_sizes(spark.sparkContext.parallelize(range(10), 3)) == [3, 3, 4]
    facts = spark.range(1000).selectExpr("id", "id % 5 as k")
    dims = spark.range(5).selectExpr("id as k", "cast(id as string) as name")
    assert "BroadcastHashJoin" in physical_plan(facts.join(broadcast(dims), "k"))


@pytest.mark.timeout(240)
def test_the_standalone_cluster_runs_a_job_on_both_workers(spark_cluster, tmp_path):
    assert spark_cluster.alive_workers() == 2
    driver = tmp_path / "driver.py"
    driver.write_text(textwrap.dedent("""
        from pyspark.sql import SparkSession
        spark = SparkSession.builder.config("spark.ui.enabled", "false").getOrCreate()
        sc = spark.sparkContext
        total = sc.parallelize(range(1, 101), 4).map(lambda x: x * x).sum()
        executors = sc._jsc.sc().getExecutorMemoryStatus().size() - 1  # minus the driver
        print(f"RESULT {total} {executors}")
        spark.stop()
        """))
    submit = [str(spark_home() / "bin" / "spark-submit"), "--master", spark_cluster.master_url,
              "--conf", f"spark.driver.host={LOOPBACK}", "--conf", "spark.executor.memory=512m", str(driver)]
    out = subprocess.run(submit, capture_output=True, text=True, timeout=180, env=spark_env(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    line = next(l for l in out.stdout.splitlines() if l.startswith("RESULT"))
    total, executors = map(int, line.split()[1:])
    assert total == sum(x * x for x in range(1, 101))
    assert executors == 2, f"the job should get one executor on each of the 2 workers, got {executors}"


@pytest.mark.timeout(120)
def test_stopping_a_cluster_leaves_no_process(tmp_path):
    cluster = StandaloneCluster(tmp_path, workers=1).start()
    pids = [p.pid for p in cluster.processes]
    jvms = [c.pid for p in pids for c in psutil.Process(p).children(recursive=True)]
    assert cluster.alive_workers() == 1
    cluster.stop()
    alive = [pid for pid in pids + jvms if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes still alive after stop(): {alive}"


def test_a_submitted_driver_that_loops_is_killed_with_its_jvm_and_says_where(spark_cluster, tmp_path):
    # spark-submit's JVM starts the Python driver as its child: killing the JVM alone left the
    # driver looping, reparented away from the test run where no leak check could see it.
    # Ctrl-C arrives once the driver is in its loop (a file it writes says so), as a learner's
    # would, or a test's deadline.
    looping = tmp_path / "looping"
    driver = tmp_path / "looping_driver.py"
    driver.write_text(textwrap.dedent(f"""
        from pathlib import Path
        from fixtures.engines.spark.workers import dump_stacks_on_request

        def plan():
            Path({str(looping)!r}).touch()
            while True:
                pass

        dump_stacks_on_request()
        plan()
        """))

    def ctrl_c_once_looping():
        give_up = time.monotonic() + 120
        while not looping.exists() and time.monotonic() < give_up:
            time.sleep(0.1)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    threading.Thread(target=ctrl_c_once_looping, daemon=True).start()
    with pytest.raises(KeyboardInterrupt) as stopped:
        submit_python(spark_cluster, driver, [], tmp_path, timeout=180)
    assert looping.exists(), "the driver never reached its loop"
    group = [p for p in psutil.process_iter() if str(driver) in " ".join(_cmdline(p))]
    assert not group, f"still running after the submit was stopped: {[p.pid for p in group]}"
    frames = [(f.name, f.lineno) for stack in getattr(stopped.value, "kata_stacks", []) for f in stack]
    assert ("plan", 7) in frames or ("plan", 8) in frames, f"the driver's stack was not read: {frames}"


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline() if p.status() != psutil.STATUS_ZOMBIE else []
    except psutil.Error:
        return []
