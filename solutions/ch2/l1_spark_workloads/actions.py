"""Kata 2.1.3 (Exercise 3): performing actions on Spark DataFrames — what runs, and what reaches the driver."""

from __future__ import annotations

from collections.abc import Iterator

from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F


def count_purchases(events: DataFrame) -> int:
    """How many events are purchases, counted by Spark (not on the driver)."""
    return events.where(F.col("event_type") == "purchase").count()


def preview(events: DataFrame, n: int) -> list[Row]:
    """Any n events as Rows, for a quick look: reading no more partitions than it takes."""
    # take(n) scans one partition, then more only if that one had fewer than n rows.
    return events.take(n)


def counts_by_type(events: DataFrame) -> dict[str, int]:
    """{event_type: number of events}: the small aggregate is computed by Spark, then collected."""
    return {row["event_type"]: row["count"] for row in events.groupBy("event_type").count().collect()}


def stream_rows(df: DataFrame) -> Iterator[Row]:
    """Every row of a result too large for the driver's memory, one at a time: the driver must
    never hold more than about one partition of it."""
    return df.toLocalIterator()


def write_by_date(df: DataFrame, path: str) -> None:
    """Write df as Parquet under `path`, one folder per `date` (date=YYYY-MM-DD). Writing again
    replaces what is there (a re-run leaves one copy). Nothing but a few counters reaches the driver."""
    df.write.mode("overwrite").partitionBy("date").parquet(path)


def totals_by(scored: DataFrame, first: str, second: str) -> tuple[dict, dict]:
    """({value of `first`: sum of `amount`}, {value of `second`: sum of `amount`}).

    `scored` is expensive to compute (think of a model scoring every row): compute it once
    for both totals, not once per total, and leave no cached data behind when done.
    """
    scored.cache()
    try:
        by_first = {r[first]: r["total"] for r in scored.groupBy(first).agg(F.sum("amount").alias("total")).collect()}
        by_second = {r[second]: r["total"] for r in scored.groupBy(second).agg(F.sum("amount").alias("total")).collect()}
    finally:
        scored.unpersist()  # "cache everything" fills executor memory with data nobody reads again
    return by_first, by_second
