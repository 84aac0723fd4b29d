"""Kata 2.1.3 (Exercise 3): actions — what runs, and how much of the data reaches the driver.

The driver is one process on one machine. These tests watch what Spark really sent to it
(SparkObserver reads the application's own metrics) on DataFrames too large to collect lightly.
"""

from collections.abc import Iterator

import pytest
from pyspark.sql import Row
from pyspark.sql import functions as F

from fixtures import lesson_module
from fixtures.course.expect import returned
from fixtures.data.shop import read_reference
from fixtures.engines.spark import SparkObserver

actions = lesson_module(__file__, "actions")

# Each task's result also carries its metrics (2-4 KB), whatever the data: the allowance per task.
PER_TASK = 5_000
# Event i has type TYPES[i % 6]: three types, three different counts (a filter that picks the
# wrong type cannot come out right by chance).
TYPES = ["view", "view", "view", "cart", "cart", "purchase"]


def synthetic_events(spark, rows: int, partitions: int = 4):
    """`rows` events, `partitions` partitions, types in a known rhythm: large enough that collecting
    them is plainly visible, cheap to make (nothing is read from disk)."""
    kinds = F.array(*(F.lit(t) for t in TYPES))
    return spark.range(0, rows, 1, partitions).select(
        F.format_string("e%08d", "id").alias("event_id"), (F.col("id") % 600).alias("user_id"),
        F.element_at(kinds, (F.col("id") % len(TYPES) + 1).cast("int")).alias("event_type"),
        (F.col("id") % 3 + 1).cast("int").alias("quantity"))


def expected_counts(rows: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for i, kind in enumerate(TYPES):
        counts[kind] = counts.get(kind, 0) + len(range(i, rows, len(TYPES)))
    return counts


def test_count_purchases_counts_on_the_executors(spark):
    rows = 1_000_000
    with SparkObserver(spark) as seen:
        got = actions.count_purchases(synthetic_events(spark, rows))
    expected = expected_counts(rows)["purchase"]
    assert got == expected and isinstance(got, int), f"count_purchases(events) returned {got!r}; expected {expected}"
    limit = PER_TASK * max(seen.result_tasks, 1)
    assert seen.result_bytes <= limit, (
        f"count_purchases(events) over {rows:,} events brought {seen.result_bytes:,} bytes to the driver; a count "
        f"needs only numbers (at most {limit:,} bytes for {seen.result_tasks} tasks). count() counts on the "
        f"executors; len(collect()) ships every row first")


def test_preview_reads_only_the_partitions_it_needs(spark, shop_data):
    path, _ = shop_data
    events = spark.read.parquet(str(path / "events")).repartition(8).cache()
    try:
        events.count()  # materialized once here, so the observed preview reads cached partitions
        ids = {r["event_id"] for r in events.select("event_id").collect()}
        with SparkObserver(spark) as seen:
            got = actions.preview(events, 5)
        got = returned(got, list, call="preview(events, 5)", expected_text="a list of 5 Rows",
                       advice="take(n) returns a list of Rows; a DataFrame (limit) is a plan, not rows.")
        assert len(got) == 5 and all(isinstance(r, Row) and r["event_id"] in ids for r in got), (
            f"preview(events, 5) returned {got[:6]}; expected 5 Rows of events")
        assert seen.result_tasks <= 2, (
            f"preview(events, 5) ran {seen.result_tasks} tasks over the 8 partitions of events; 5 rows are in the "
            f"first partition Spark reads. take(n) stops as soon as it has n rows; collect()[:n] reads them all")
    finally:
        events.unpersist()


def test_counts_by_type_collects_only_the_aggregate(spark):
    rows = 1_000_000
    with SparkObserver(spark) as seen:
        got = actions.counts_by_type(synthetic_events(spark, rows))
    got = returned(got, dict, call="counts_by_type(events)", expected_text="a dict {event_type: count}",
                   advice="Collect the aggregate's few rows and build the dict from them.")
    expected = expected_counts(rows)
    assert got == expected, f"counts_by_type(events) returned {got}; expected {expected}"
    limit = PER_TASK * max(seen.result_tasks, 1)
    assert seen.result_bytes <= limit, (
        f"counts_by_type(events) over {rows:,} events brought {seen.result_bytes:,} bytes to the driver; three "
        f"counts need at most {limit:,} ({seen.result_tasks} tasks). Aggregate with Spark (groupBy().count()), "
        f"then collect the three rows")


def test_stream_rows_holds_about_one_partition_at_a_time(spark):
    rows, partitions = 40_000, 8
    df = spark.range(0, rows, 1, partitions).withColumn("payload", F.repeat(F.lit("x"), 40))
    with SparkObserver(spark) as seen:
        it = actions.stream_rows(df)
        it = returned(it, Iterator, call="stream_rows(df)", expected_text="an iterator of Rows",
                      advice="toLocalIterator() returns one: it fetches a partition when the caller reaches it. "
                             "A list already holds every row.")
        first = next(it)
    rest = list(it)
    assert seen.result_tasks <= 2, (
        f"after the first row of stream_rows(df), {seen.result_tasks} of the {partitions} partitions had been "
        f"sent to the driver; an iterator over a large result fetches one partition when it is reached. "
        f"collect() (even inside a generator) fetches all of them at once")
    ids = sorted([first["id"]] + [r["id"] for r in rest])
    assert ids == list(range(rows)), f"stream_rows(df) yielded {len(ids):,} rows; expected each of the {rows:,} once"


def test_write_by_date_writes_one_folder_per_date_and_rewrites_in_place(spark, shop_data, tmp_path):
    path, manifest = shop_data
    events = spark.read.parquet(str(path / "events"))
    out = tmp_path / "by-date"
    with SparkObserver(spark) as seen:
        actions.write_by_date(events, str(out))
    folders = sorted(p.name for p in out.glob("date=*"))
    assert folders == [f"date={d}" for d in manifest.days], f"write_by_date wrote folders {folders}"
    limit = PER_TASK * max(seen.result_tasks, 1)
    assert seen.result_bytes <= limit, (
        f"write_by_date brought {seen.result_bytes:,} bytes to the driver; a Spark write sends back only task "
        f"status (at most {limit:,} for {seen.result_tasks} tasks). Writing from the driver (toPandas, collect) "
        f"pulls the whole data set through one process")
    actions.write_by_date(events, str(out))  # a re-run must not add a second copy
    back = spark.read.parquet(str(out))
    assert back.count() == manifest.events, (
        f"after writing twice, {out} holds {back.count():,} events; expected {manifest.events:,}: writing again "
        f"replaces (mode('overwrite')), it does not append")
    ref = read_reference(path)
    per_day = {str(r["date"]): r["count"] for r in back.groupBy("date").count().collect()}
    expected = {d: sum(1 for e in ref.events if str(e["date"]) == d) for d in manifest.days}
    assert per_day == expected, f"the folders hold {per_day} events per date; expected {expected}"


def test_totals_by_computes_the_expensive_step_once_and_releases_it(spark, shop_data):
    path, manifest = shop_data
    calls = spark.sparkContext.accumulator(0)

    def expensive_amount(quantity):  # stands for a model scoring a row; counts how often it runs
        calls.add(1)
        return float(quantity) * 1.5

    scored = spark.read.parquet(str(path / "events")).withColumn(
        "amount", F.udf(expensive_amount, "double")("quantity"))
    persisted = spark.sparkContext._jsc.getPersistentRDDs().size()  # cached data Spark holds now
    by_type, by_date = actions.totals_by(scored, "event_type", "date")
    ref = read_reference(path)
    exp_type, exp_date = {}, {}
    for e in ref.events:
        exp_type[e["event_type"]] = exp_type.get(e["event_type"], 0.0) + e["quantity"] * 1.5
        exp_date[e["date"]] = exp_date.get(e["date"], 0.0) + e["quantity"] * 1.5
    assert by_type == pytest.approx(exp_type) and by_date == pytest.approx(exp_date), (
        f"totals_by(scored, 'event_type', 'date') returned {by_type}, {by_date}; expected {exp_type}, {exp_date}")
    assert calls.value == manifest.events, (
        f"the expensive column was computed {calls.value:,} times for {manifest.events:,} rows; once per row is "
        f"enough. Each action recomputes a DataFrame from its source unless it is cached (or both totals come "
        f"from one pass)")
    left = spark.sparkContext._jsc.getPersistentRDDs().size() - persisted
    if left > 0:
        scored.unpersist()
    assert left <= 0, ("totals_by left data cached: executor memory stays taken by rows nobody will read again. "
                       "unpersist() what you cached once the actions that need it have run")
