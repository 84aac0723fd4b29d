"""Kata 2.1.1 (Exercise 1): loading data with Spark — CSV, JSON lines and Parquet, each with an explicit schema."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

CORRUPT = "_corrupt_record"

PRODUCT_SCHEMA = T.StructType([
    T.StructField("product_id", T.StringType()),
    T.StructField("category", T.StringType()),
    T.StructField("title", T.StringType()),
    T.StructField("price", T.DoubleType()),
])

USER_SCHEMA = T.StructType([
    T.StructField("user_id", T.LongType()),
    T.StructField("country", T.StringType()),
    T.StructField("segment", T.StringType()),
    T.StructField("signup_date", T.DateType()),
])

EVENT_SCHEMA = T.StructType([
    T.StructField("event_id", T.StringType()),
    T.StructField("ts", T.TimestampType()),
    T.StructField("user_id", T.LongType()),
    T.StructField("product_id", T.StringType()),
    T.StructField("event_type", T.StringType()),
    T.StructField("quantity", T.IntegerType()),
    T.StructField("date", T.DateType()),
])


def _with_corrupt_column(schema: T.StructType) -> T.StructType:
    # The reader puts a malformed line's raw text here, but only if the schema has the column.
    return T.StructType(schema.fields + [T.StructField(CORRUPT, T.StringType())])


def read_products(spark: SparkSession, path: str) -> DataFrame:
    """products.csv as a DataFrame of PRODUCT_SCHEMA's columns plus `_corrupt_record`.

    The file has a header line; a title may be quoted and hold commas and doubled quotes
    ("" inside quotes, as spreadsheets write them). A malformed line stays a row: its raw
    text in `_corrupt_record` (a string, null on good rows). Must run no Spark job.
    """
    return (spark.read.schema(_with_corrupt_column(PRODUCT_SCHEMA))
            .option("header", True)
            .option("escape", '"')  # RFC 4180: a quote inside a quoted field is written twice
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .csv(path))


def read_users(spark: SparkSession, path: str) -> DataFrame:
    """users.jsonl (one JSON object a line) as USER_SCHEMA's columns plus `_corrupt_record`,
    malformed lines kept as for read_products. Must run no Spark job."""
    return (spark.read.schema(_with_corrupt_column(USER_SCHEMA))
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .json(path))


def split_malformed(df: DataFrame) -> tuple[DataFrame, DataFrame]:
    """(good, bad) rows of a DataFrame read by read_products or read_users.

    good: the well-formed rows, without the `_corrupt_record` column; bad: the malformed rows,
    with their raw text in `_corrupt_record` (other columns may stay). Every row is in exactly
    one of them.
    """
    # Spark refuses a query over a raw CSV/JSON file that references only the corrupt
    # column; filtering on it and keeping every column is allowed.
    good = df.where(F.col(CORRUPT).isNull()).drop(CORRUPT)
    bad = df.where(F.col(CORRUPT).isNotNull())
    return good, bad


def read_events(spark: SparkSession, path: str) -> DataFrame:
    """The Parquet events under `path` (folders date=YYYY-MM-DD) as EVENT_SCHEMA's columns, in its
    order; `date` is the folder's date, a DateType partition column. Must run no Spark job."""
    return spark.read.schema(EVENT_SCHEMA).parquet(path)


def events_arrived_on(events: DataFrame, day: str) -> DataFrame:
    """The events of read_events that arrived on `day` ("YYYY-MM-DD"): those in its folder.

    Spark must read that folder's files only (partition pruning), not every file.
    """
    return events.where(F.col("date") == F.lit(day).cast("date"))
