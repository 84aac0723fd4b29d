"""Kata 2.1.3 (Exercise 3): performing actions on Spark DataFrames — what runs, and what reaches the driver.

Read the lesson README first; `kata hint 2.1.3` gives a nudge when stuck.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F  # noqa: F401

from fixtures import KataNotImplemented


def count_purchases(events: DataFrame) -> int:
    """How many events are purchases, counted by Spark (not on the driver)."""
    raise KataNotImplemented("2.1.3")


def preview(events: DataFrame, n: int) -> list[Row]:
    """Any n events as Rows, for a quick look: reading no more partitions than it takes."""
    raise KataNotImplemented("2.1.3")


def counts_by_type(events: DataFrame) -> dict[str, int]:
    """{event_type: number of events}: the small aggregate is computed by Spark, then collected."""
    raise KataNotImplemented("2.1.3")


def stream_rows(df: DataFrame) -> Iterator[Row]:
    """Every row of a result too large for the driver's memory, one at a time: the driver must
    never hold more than about one partition of it."""
    raise KataNotImplemented("2.1.3")


def write_by_date(df: DataFrame, path: str) -> None:
    """Write df as Parquet under `path`, one folder per `date` (date=YYYY-MM-DD). Writing again
    replaces what is there (a re-run leaves one copy). Nothing but a few counters reaches the driver."""
    raise KataNotImplemented("2.1.3")


def totals_by(scored: DataFrame, first: str, second: str) -> tuple[dict, dict]:
    """({value of `first`: sum of `amount`}, {value of `second`: sum of `amount`}).

    `scored` is expensive to compute (think of a model scoring every row): compute it once
    for both totals, not once per total, and leave no cached data behind when done.
    """
    raise KataNotImplemented("2.1.3")
