"""Kata 1.2.2: word count on Spark RDDs."""

import random
import re
import string
from collections import Counter

from fixtures import lesson_module
from fixtures.engines.spark import SparkObserver

wc = lesson_module(__file__, "spark_wordcount")

PARTITIONS = 4


def make_vocabulary(size, seed):
    """`size` distinct made-up words of 3-9 letters, sorted."""
    rng = random.Random(seed)
    words = set()
    while len(words) < size:
        words.add("".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 9))))
    return sorted(words)


def make_lines(vocabulary, count, words_per_line, seed):
    """Zipf-like text, as real text is: a few words are everywhere, most are rare."""
    rng = random.Random(seed)
    ranked = rng.sample(vocabulary, len(vocabulary))  # frequency order is not alphabetical order
    weights = [1 / (rank + 1) for rank in range(len(ranked))]
    return [" ".join(rng.choices(ranked, weights, k=words_per_line)).capitalize() + "." for _ in range(count)]


def words_of(line):  # the test's own tokenizer: the independent check
    return re.findall(r"[a-z']+", line.lower())


def ranking(counts):
    """Every (word, count), most frequent first, equal counts in alphabetical order of the word."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


# 160,000 words over about 2,000 distinct ones: each word repeats ~20 times in every partition,
# so combining inside a partition shrinks what crosses the shuffle many times over.
LINES = make_lines(make_vocabulary(2000, seed=3) + ["don't", "it's"], count=8000, words_per_line=20, seed=5)
COUNTS = Counter(w for line in LINES for w in words_of(line))


def ties_lines():
    """One leader (7 times), 24 words tied at 3, 8 words once; shuffled over lines."""
    rng = random.Random(9)
    names = rng.sample(make_vocabulary(33, seed=9), 33)
    words = [names[0]] * 7 + [w for w in names[1:25] for _ in range(3)] + names[25:]
    rng.shuffle(words)
    return [" ".join(words[i:i + 5]) for i in range(0, len(words), 5)]


def wide_lines():
    """12,000 distinct words, each at least once, a few of them often: a large vocabulary."""
    rng = random.Random(13)
    vocabulary = make_vocabulary(12_000, seed=13)
    ranked = rng.sample(vocabulary, len(vocabulary))
    words = ranked + rng.choices(ranked[:50], [1 / (rank + 1) for rank in range(50)], k=3000)
    rng.shuffle(words)
    return [" ".join(words[i:i + 20]) for i in range(0, len(words), 20)]


def test_counts_match_a_plain_count(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    result = wc.word_count(rdd)
    assert hasattr(result, "reduceByKey"), f"word_count returned {type(result).__name__}; expected an RDD"
    got = dict(result.collect())
    wrong = sorted(w for w in set(COUNTS) | set(got) if COUNTS.get(w) != got.get(w))
    assert not wrong, (f"word_count(lines) disagrees with a plain count on {len(wrong)} words, e.g. "
                       + ", ".join(f"{w!r}: got {got.get(w)}, expected {COUNTS.get(w)}" for w in wrong[:3]))


def test_building_the_count_runs_no_job(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    with SparkObserver(spark) as seen:
        wc.word_count(rdd)
    assert seen.jobs == 0, f"word_count ran {seen.jobs} Spark job(s); transformations should stay lazy"


def test_counts_are_combined_before_the_shuffle(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    # What shipping every (word, 1) costs on this data: the test's own word count without a combiner.
    with SparkObserver(spark) as every_word:
        rdd.flatMap(lambda line: re.findall(r"[a-z']+", line.lower())).map(lambda w: (w, 1)) \
            .partitionBy(PARTITIONS).count()
    with SparkObserver(spark) as seen:
        wc.word_count(rdd).count()
    total, distinct = sum(COUNTS.values()), len(COUNTS)
    # Bytes, not records: PySpark hands the shuffle pickled batches of records, so Spark's record
    # count is a count of batches. Spark's bytes are the data itself (lz4-compressed).
    limit = every_word.shuffle_write_bytes // 3
    assert seen.shuffle_write_bytes <= limit, (
        f"word_count(lines).count() shuffled {seen.shuffle_write_bytes:,} bytes for {total:,} words "
        f"({distinct:,} distinct); shipping every (word, 1) pair shuffles {every_word.shuffle_write_bytes:,}. "
        f"Combining inside each partition first (reduceByKey) sends one record per distinct word per partition: "
        f"expected at most {limit:,} bytes")
    assert seen.shuffle_write_records <= distinct * PARTITIONS, (
        f"{seen.shuffle_write_records:,} records were shuffled for {total:,} words; with map-side combining "
        f"at most {distinct:,} distinct words x {PARTITIONS} partitions cross")


def test_top_words_are_the_most_frequent_first(spark):
    rdd = spark.sparkContext.parallelize(LINES, PARTITIONS)
    expected = ranking(COUNTS)[:10]
    got = wc.top_words(rdd, 10)
    assert [tuple(x) for x in got] == expected, f"top_words(lines, 10) returned {got}; expected {expected}"


def test_top_words_breaks_ties_alphabetically(spark):
    lines = ties_lines()
    rdd = spark.sparkContext.parallelize(lines, PARTITIONS)
    counts = Counter(w for line in lines for w in words_of(line))
    for n in (6, 100):  # fewer than the 33 distinct words (the cut falls inside a tie), and more
        expected = ranking(counts)[:n]
        got = [tuple(x) for x in wc.top_words(rdd, n)]
        assert got == expected, (
            f"top_words(lines, {n}) returned {got}; expected {expected}: most frequent first, equal counts "
            f"in alphabetical order of the word" + (" (all 33 words when n is larger)" if n > 33 else ""))


def test_top_words_sends_only_n_words_to_the_driver(spark):
    lines = wide_lines()
    rdd = spark.sparkContext.parallelize(lines, PARTITIONS)
    counts = Counter(w for line in lines for w in words_of(line))
    n = 10
    with SparkObserver(spark) as seen:
        got = wc.top_words(rdd, n)
    assert [tuple(x) for x in got] == ranking(counts)[:n], f"top_words(lines, {n}) returned {got}"
    # Every task result also carries its metrics (about 2-4 KB), whatever the data.
    tasks = seen.result_tasks
    limit = 5_000 * tasks + 200 * n
    assert seen.result_bytes <= limit, (
        f"top_words(lines, {n}) over {len(counts):,} distinct words: its {tasks} result tasks sent "
        f"{seen.result_bytes:,} bytes to the driver; {n} words need at most {limit:,} (5 KB of task metrics "
        f"per task, 200 B per word). Collecting every count and sorting on the driver ships the whole "
        f"vocabulary: keep the best n of each partition on the executors (takeOrdered)")
