"""Kata 1.2.2: word count on Spark RDDs."""

import random
import re
from collections import Counter

from fixtures import lesson_module
from fixtures.engines.spark import SparkObserver

wc = lesson_module(__file__, "spark_wordcount")

rng = random.Random(5)
VOCAB = [f"term{i}" for i in range(3000)] + ["the", "of", "and"]
LINES = [" ".join(rng.choices(VOCAB, k=12)) + " The the OF and" for _ in range(3000)]
PARTITIONS = 4


def expected_counts():
    return Counter(w for line in LINES for w in re.findall(r"[a-z']+", line.lower()))


def test_counts_match_a_plain_count(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    result = wc.word_count(rdd)
    assert hasattr(result, "reduceByKey"), f"word_count returned {type(result).__name__}; expected an RDD"
    assert dict(result.collect()) == dict(expected_counts())


def test_building_the_count_runs_no_job(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    with SparkObserver(spark) as seen:
        wc.word_count(rdd)
    assert seen.jobs == 0, f"word_count ran {seen.jobs} Spark job(s); transformations should stay lazy"


def test_counts_are_combined_before_the_shuffle(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    distinct = len(expected_counts())
    with SparkObserver(spark) as seen:
        wc.word_count(rdd).count()
    total_words = sum(expected_counts().values())
    assert seen.shuffle_write_records <= distinct * PARTITIONS, (
        f"{seen.shuffle_write_records} records were shuffled for {total_words} words; with map-side combining "
        f"(reduceByKey) at most {distinct} distinct words x {PARTITIONS} partitions cross")


def test_top_words_are_the_most_frequent_first(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    counts = expected_counts()
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    got = wc.top_words(rdd, 5)
    assert [tuple(x) for x in got] == expected, f"top_words(lines, 5) returned {got}; expected {expected}"
