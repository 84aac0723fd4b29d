"""Kata 1.2.4: a task that fails once still gives the right answer."""

import os
import random
from collections import Counter
from contextlib import contextmanager

from pyspark import TaskContext

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.engines.spark import SparkObserver

retries = lesson_module(__file__, "retries")

RECORDS = [f"user-{i}" for i in range(4000)]


def fail_first_attempt_of_partition_1(index, records):
    """Injected fault: partition 1's first attempt dies after producing its records."""
    yield from records
    if index == 1 and TaskContext.get().attemptNumber() == 0:
        raise RuntimeError("injected fault: executor lost")


def test_buckets_survive_a_retried_task(spark):
    clean = spark.sparkContext.parallelize(RECORDS, 4)
    expected = dict(retries.assign_buckets(clean, 16, seed=42).collect())
    flaky = clean.mapPartitionsWithIndex(fail_first_attempt_of_partition_1)
    with SparkObserver(spark) as seen:
        got = dict(retries.assign_buckets(flaky, 16, seed=42).collect())
    assert seen.failed_tasks >= 1, "the injected fault did not fire; the test itself is broken"
    changed = [r for r in RECORDS if got.get(r) != expected.get(r)]
    assert not changed, (f"{len(changed)} records got a different bucket when a task was retried "
                         f"(e.g. {changed[:3]}): is the bucket random rather than derived from the record?")


def test_buckets_are_in_range_and_even(spark):
    rdd = spark.sparkContext.parallelize(RECORDS, 4)
    got = dict(retries.assign_buckets(rdd, 16, seed=7).collect())
    assert set(got) == set(RECORDS)
    sizes = Counter(got.values())
    outside = sorted(set(sizes) - set(range(16)))
    assert not outside, f"assign_buckets(records, 16, seed=7) gave buckets {outside}, outside 0..15"
    unused = sorted(set(range(16)) - set(sizes))
    assert not unused, f"assign_buckets(records, 16, seed=7) never used bucket(s) {unused} for {len(RECORDS)} records"
    mean = len(RECORDS) / 16
    assert min(sizes.values()) > 0.6 * mean and max(sizes.values()) < 1.4 * mean, (
        f"records per bucket {[sizes[b] for b in range(16)]}: expected each near {mean:.0f}")


def test_a_bucket_depends_only_on_the_record_and_the_seed(spark):
    sc = spark.sparkContext
    first = dict(retries.assign_buckets(sc.parallelize(RECORDS, 4), 16, seed=42).collect())
    again = dict(retries.assign_buckets(sc.parallelize(RECORDS, 4), 16, seed=42).collect())
    assert again == first, "assign_buckets gave different buckets when run twice on the same records"
    shuffled = random.Random(3).sample(RECORDS, len(RECORDS))
    other_layout = dict(retries.assign_buckets(sc.parallelize(shuffled, 7), 16, seed=42).collect())
    moved = [r for r in RECORDS if other_layout.get(r) != first.get(r)]
    assert not moved, (
        f"{len(moved)} records got another bucket when the same records came in another order over 7 partitions "
        f"instead of 4 (e.g. {moved[0]!r}: {first.get(moved[0])} then {other_layout.get(moved[0])}): a bucket "
        "must come from the record and the seed only, not from its partition or its position")


@contextmanager
def python_workers_with_hash_seed(sc, seed):
    """Jobs run in this block get Python workers started with PYTHONHASHSEED=seed.

    PySpark starts every Python worker with the driver's PYTHONHASHSEED (0 when unset), so
    that its own partitioner's hash() agrees across workers: hash() of a string survives a
    retry inside one application. Another run of the job, or a cluster whose executors set
    another PYTHONHASHSEED, hashes strings differently; this block is that other run.
    """
    old = sc.environment.get("PYTHONHASHSEED")
    sc.environment["PYTHONHASHSEED"] = str(seed)
    try:
        yield
    finally:
        if old is None:
            del sc.environment["PYTHONHASHSEED"]
        else:
            sc.environment["PYTHONHASHSEED"] = old


def test_buckets_do_not_depend_on_the_workers_hash_seed(spark):
    sc = spark.sparkContext

    def workers_hash():  # (PYTHONHASHSEED, hash("user-1")) as a Python worker sees them
        return sc.parallelize(["user-1"], 1).map(lambda r: (os.environ.get("PYTHONHASHSEED"), hash(r))).first()

    usual = dict(retries.assign_buckets(sc.parallelize(RECORDS, 4), 16, seed=42).collect())
    usual_hash = workers_hash()
    with python_workers_with_hash_seed(sc, 4242):
        other = dict(retries.assign_buckets(sc.parallelize(RECORDS, 4), 16, seed=42).collect())
        other_hash = workers_hash()
    assert usual_hash[1] != other_hash[1], (
        f"workers reported (PYTHONHASHSEED, hash('user-1')) = {usual_hash}, then {other_hash}: the test failed "
        "to start workers with another hash seed; the test itself is broken")
    changed = [r for r in RECORDS if other.get(r) != usual.get(r)]
    assert not changed, (
        f"{len(changed)} records got another bucket from Python workers started with PYTHONHASHSEED=4242 "
        f"(e.g. {changed[0]!r}: {usual.get(changed[0])} then {other.get(changed[0])}). PySpark fixes the hash "
        "seed of one application's workers, so hash() survives a retry, but another run of the job may not "
        "have the same seed: derive the bucket with a stable digest (hashlib, zlib.crc32) of the record and the seed")


def test_bucket_count_is_checked_at_once(spark):
    rdd = spark.sparkContext.parallelize(RECORDS[:100], 2)
    for bad in (0, -4):
        rejects(retries.assign_buckets, rdd, bad, 7, why="a record needs at least one bucket to go to; say so "
                "when the RDD is built, not later inside a job")
    one = retries.assign_buckets(rdd, 1, seed=7).collect()
    assert {bucket for _, bucket in one} == {0}, f"with 1 bucket every record is in bucket 0, got {one[:5]}..."


def test_the_seed_changes_the_assignment(spark):
    rdd = spark.sparkContext.parallelize(RECORDS, 4)
    a = dict(retries.assign_buckets(rdd, 16, seed=1).collect())
    b = dict(retries.assign_buckets(rdd, 16, seed=2).collect())
    assert sum(a[r] != b[r] for r in RECORDS) > len(RECORDS) / 2, "another seed should reshuffle most records"
