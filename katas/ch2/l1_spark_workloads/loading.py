"""Kata 2.1.1 (Exercise 1): loading data with Spark — CSV, JSON lines and Parquet, each with an explicit schema.

Read the lesson README first; `kata hint 2.1.1` gives a nudge when stuck.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: F401
from pyspark.sql import types as T

from fixtures import KataNotImplemented

CORRUPT = "_corrupt_record"

# The three schemas, written out: a reader that is handed its schema never has to guess one.
# The first field of each is given; add the others (the lesson README lists every column).
PRODUCT_SCHEMA = T.StructType([
    T.StructField("product_id", T.StringType()),
    # category and title (strings), price (a double)
])

USER_SCHEMA = T.StructType([
    T.StructField("user_id", T.LongType()),
    # country and segment (strings), signup_date (a date)
])

EVENT_SCHEMA = T.StructType([
    T.StructField("event_id", T.StringType()),
    # ts (a timestamp), user_id (a long), product_id and event_type (strings), quantity (an int),
    # and date (a date): the partition column, from the date=YYYY-MM-DD folder names
])


def read_products(spark: SparkSession, path: str) -> DataFrame:
    """products.csv as a DataFrame of PRODUCT_SCHEMA's columns plus `_corrupt_record`.

    The file has a header line; a title may be quoted and hold commas and doubled quotes
    ("" inside quotes, as spreadsheets write them). A malformed line stays a row: its raw
    text in `_corrupt_record` (a string, null on good rows). Must run no Spark job.
    """
    raise KataNotImplemented("2.1.1")


def read_users(spark: SparkSession, path: str) -> DataFrame:
    """users.jsonl (one JSON object a line) as USER_SCHEMA's columns plus `_corrupt_record`,
    malformed lines kept as for read_products. Must run no Spark job."""
    raise KataNotImplemented("2.1.1")


def split_malformed(df: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(good, bad) rows of a DataFrame read by read_products or read_users.

    good: the well-formed rows, without the `_corrupt_record` column; bad: the malformed rows,
    with their raw text in `_corrupt_record` (other columns may stay). Every row is in exactly
    one of them.
    """
    raise KataNotImplemented("2.1.1")


def read_events(spark: SparkSession, path: str) -> DataFrame:
    """The Parquet events under `path` (folders date=YYYY-MM-DD) as EVENT_SCHEMA's columns, in its
    order; `date` is the folder's date, a DateType partition column. Must run no Spark job."""
    raise KataNotImplemented("2.1.1")


def events_arrived_on(events: DataFrame, day: str) -> DataFrame:
    """The events of read_events that arrived on `day` ("YYYY-MM-DD"): those in its folder.

    Spark must read that folder's files only (partition pruning), not every file.
    """
    raise KataNotImplemented("2.1.1")
