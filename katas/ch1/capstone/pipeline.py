"""Capstone 1: a Spark pipeline over request logs, run on a standalone cluster.

Read the lesson README first; `kata hint 1.c.1` (or 1.c.2, 1.c.3) gives a nudge when stuck.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: F401
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType  # noqa: F401

from fixtures import KataNotImplemented

CORRUPT = "_corrupt_record"

# Kata 1.c.1: the schema of one log line (see the lesson README for the fields), as a
# StructType, including a string column CORRUPT for lines that are not valid JSON.
REQUEST_SCHEMA: StructType | None = None


def read_requests(spark: SparkSession, path: str) -> DataFrame:
    """Read the JSON-lines request logs under `path` with the explicit REQUEST_SCHEMA.

    Malformed lines are kept (in the `_corrupt_record` column), not dropped. Lazy: no job."""
    raise KataNotImplemented("1.c.1")


def clean(requests: DataFrame) -> DataFrame:
    """The valid rows of `requests`, with an `event_date` (DATE, from `ts` in UTC).

    Valid: not malformed, no missing field, latency_ms >= 0, 100 <= status <= 599, tokens >= 0."""
    raise KataNotImplemented("1.c.2")


def daily_model_stats(valid: DataFrame) -> DataFrame:
    """Per (event_date, model): requests, errors (status >= 500), avg_latency_ms, total_tokens."""
    raise KataNotImplemented("1.c.2")


def run_pipeline(spark: SparkSession, input_path: str, output_path: str) -> dict:
    """Read, clean, aggregate, and write Parquet partitioned by event_date to `output_path`.

    Re-running replaces the previous output (idempotent). Returns
    {"rows_read": int, "bad_rows": int, "groups": int}. Never collects the data to the driver."""
    raise KataNotImplemented("1.c.3")
