"""Kata 1.2.3: skew and salting."""

from collections import Counter, defaultdict

import pytest

from fixtures import lesson_module
from fixtures.engines.spark import partition_sizes

salting = lesson_module(__file__, "salting")

# 90% of the records share one key: the shape of real traffic (one big customer, one
# popular model) that leaves one task doing most of the work.
RECORDS = [("hot", i % 7) if i % 10 else (f"cold-{i % 100}", i % 5) for i in range(20_000)]
# The same skew as a count: every value is 1, so a salt derived from the value (or from the
# whole record) would put every hot record under one salt.
COUNT_RECORDS = [("hot", 1) if i % 10 else (f"cold-{i % 100}", 1) for i in range(20_000)]


def expected_sums(records=RECORDS):
    sums = defaultdict(int)
    for key, value in records:
        sums[key] += value
    return dict(sums)


def test_salted_sum_gives_the_same_sums(spark):
    rdd = spark.sparkContext.parallelize(RECORDS, 4)
    assert dict(salting.salted_sum(rdd, 8).collect()) == expected_sums()


def test_salting_shrinks_the_largest_partition(spark):
    rdd = spark.sparkContext.parallelize(RECORDS, 4)
    plain = partition_sizes(rdd.partitionBy(8))
    salted_rdd = salting.salt_keys(rdd, 8)
    salted = partition_sizes(salted_rdd.partitionBy(8))
    assert sum(salted) == sum(plain) == len(RECORDS)
    assert max(salted) * 3 < max(plain), (
        f"largest partition: {max(plain)} records before salting, {max(salted)} after; 8 salts should split "
        "the hot key over several partitions")
    salts = Counter(key[1] for key, _ in salted_rdd.collect() if key[0] == "hot")
    assert set(salts) <= set(range(8)) and len(salts) >= 6, f"hot key salts used: {sorted(salts)}"


def test_salting_spreads_a_hot_key_whose_values_are_all_equal(spark):
    rdd = spark.sparkContext.parallelize(COUNT_RECORDS, 4)
    got = dict(salting.salted_sum(rdd, 8).collect())
    expected = expected_sums(COUNT_RECORDS)
    wrong = sorted(k for k in set(got) | set(expected) if got.get(k) != expected.get(k))
    assert not wrong, (
        f"salted_sum(pairs, 8) on (key, 1) records disagrees with a plain sum on {len(wrong)} keys, e.g. "
        + ", ".join(f"{k!r}: got {got.get(k)}, expected {expected.get(k)}" for k in wrong[:3]))
    plain = partition_sizes(rdd.partitionBy(8))
    salted_rdd = salting.salt_keys(rdd, 8)
    salted = partition_sizes(salted_rdd.partitionBy(8))
    salts = Counter(key[1] for key, _ in salted_rdd.collect() if key[0] == "hot")
    assert set(salts) <= set(range(8)) and len(salts) >= 6, (
        f"salt_keys(pairs, 8) gave the {expected['hot']:,} ('hot', 1) records the salts {dict(sorted(salts.items()))}: "
        "a salt computed from the value (or the whole record) is the same for equal records; vary it per record "
        "(its position in the partition, a counter, a seeded random per partition)")
    assert max(salted) * 3 < max(plain), (
        f"largest partition: {max(plain)} records before salting, {max(salted)} after; 8 salts should split "
        "the hot key over several partitions")


def test_salting_is_deterministic(spark):
    rdd = spark.sparkContext.parallelize(RECORDS, 4)
    assert salting.salt_keys(rdd, 8).collect() == salting.salt_keys(rdd, 8).collect(), (
        "salting the same data twice gave different salts: a retried task would disagree with its first attempt")


def test_rejects_no_buckets(spark):
    rdd = spark.sparkContext.parallelize(RECORDS[:10], 1)
    with pytest.raises(ValueError):
        salting.salt_keys(rdd, 0)


def test_one_bucket_is_no_salt_at_all(spark):
    rdd = spark.sparkContext.parallelize(RECORDS[:1000], 2)
    assert dict(salting.salted_sum(rdd, 1).collect()) == expected_sums(RECORDS[:1000]), (
        "salted_sum(pairs, 1): one bucket means every record of a key keeps the same salt; the sums stay right")
