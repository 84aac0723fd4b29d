"""Kata 1.2.4: a task that fails once still gives the right answer."""

from collections import Counter

from pyspark import TaskContext

from fixtures import lesson_module
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
    assert set(sizes) <= set(range(16))
    mean = len(RECORDS) / 16
    assert min(sizes.values()) > 0.6 * mean and max(sizes.values()) < 1.4 * mean, f"bucket sizes {sorted(sizes.values())}"


def test_the_seed_changes_the_assignment(spark):
    rdd = spark.sparkContext.parallelize(RECORDS, 4)
    a = dict(retries.assign_buckets(rdd, 16, seed=1).collect())
    b = dict(retries.assign_buckets(rdd, 16, seed=2).collect())
    assert sum(a[r] != b[r] for r in RECORDS) > len(RECORDS) / 2, "another seed should reshuffle most records"
