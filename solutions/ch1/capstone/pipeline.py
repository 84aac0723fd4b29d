"""Capstone 1: a Spark pipeline over request logs, run on a standalone cluster."""

from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

CORRUPT = "_corrupt_record"

# Written out, never inferred: inference reads the whole input once more before the
# job starts, and guesses types from whatever the sample happens to contain.
REQUEST_SCHEMA = StructType([
    StructField("request_id", StringType()),
    StructField("ts", StringType()),
    StructField("model", StringType()),
    StructField("latency_ms", DoubleType()),
    StructField("status", IntegerType()),
    StructField("tokens", IntegerType()),
    StructField(CORRUPT, StringType()),
])


def read_requests(spark: SparkSession, path: str) -> DataFrame:
    """Read the JSON-lines request logs under `path` with the explicit REQUEST_SCHEMA.

    Malformed lines are kept (in the `_corrupt_record` column), not dropped. Lazy: no job.
    """
    return (spark.read.schema(REQUEST_SCHEMA)
            .option("mode", "PERMISSIVE")  # keep bad lines, so they can be counted
            .option("columnNameOfCorruptRecord", CORRUPT)
            .json(path))


def _is_valid():
    return (F.col(CORRUPT).isNull() & F.col("request_id").isNotNull() & F.col("ts").isNotNull()
            & F.col("model").isNotNull() & (F.col("latency_ms") >= 0)
            & F.col("status").between(100, 599) & (F.col("tokens") >= 0))


def clean(requests: DataFrame) -> DataFrame:
    """The valid rows of `requests`, with an `event_date` (DATE, from `ts` in UTC).

    Valid: not malformed, no missing field, latency_ms >= 0, 100 <= status <= 599, tokens >= 0.
    """
    # The event date comes from the record, not from the folder it arrived in:
    # late records belong to the day they happened.
    return requests.where(_is_valid()).withColumn("event_date", F.to_date(F.to_timestamp("ts")))


def daily_model_stats(valid: DataFrame) -> DataFrame:
    """Per (event_date, model): requests, errors (status >= 500), avg_latency_ms, total_tokens."""
    return valid.groupBy("event_date", "model").agg(
        F.count(F.lit(1)).alias("requests"),
        F.sum(F.when(F.col("status") >= 500, 1).otherwise(0)).alias("errors"),
        F.avg("latency_ms").alias("avg_latency_ms"),
        F.sum("tokens").alias("total_tokens"),
    )


def run_pipeline(spark: SparkSession, input_path: str, output_path: str) -> dict:
    """Read, clean, aggregate, and write Parquet partitioned by event_date to `output_path`.

    Re-running replaces the previous output (idempotent). Returns
    {"rows_read": int, "bad_rows": int, "groups": int}. Never collects the data to the driver.
    """
    requests = read_requests(spark, input_path)
    # One pass counts everything; only two numbers travel to the driver.
    counts = requests.agg(F.count(F.lit(1)).alias("rows"),
                          F.sum(F.when(_is_valid(), 0).otherwise(1)).alias("bad")).first()
    stats = daily_model_stats(clean(requests))
    # overwrite replaces the whole output: a re-run after a failure leaves no
    # duplicate or stale partitions.
    stats.write.mode("overwrite").partitionBy("event_date").parquet(output_path)
    groups = spark.read.parquet(output_path).count()
    return {"rows_read": int(counts["rows"]), "bad_rows": int(counts["bad"] or 0), "groups": int(groups)}
