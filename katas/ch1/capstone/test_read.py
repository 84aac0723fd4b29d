"""Kata 1.c.1: read the logs with an explicit schema; count malformed lines, do not lose them."""

from fixtures import lesson_module
from fixtures.engines.spark import SparkObserver

pipeline = lesson_module(__file__, "pipeline")

FIELDS = {"request_id", "ts", "model", "latency_ms", "status", "tokens"}


def test_reading_with_an_explicit_schema_runs_no_job(spark, request_logs):
    path, _ = request_logs
    with SparkObserver(spark) as seen:
        df = pipeline.read_requests(spark, str(path))
    assert seen.jobs == 0, (f"read_requests ran {seen.jobs} Spark job(s): with an explicit schema reading is "
                            "lazy; schema inference scans the input first")
    missing = FIELDS - set(df.columns)
    assert not missing, f"read_requests returned columns {df.columns}; missing {sorted(missing)}"


def test_every_line_is_read_and_malformed_ones_are_kept(spark, request_logs):
    path, manifest = request_logs
    df = pipeline.read_requests(spark, str(path)).cache()  # cached: Spark refuses queries on the corrupt column alone
    try:
        assert df.count() == manifest.rows, "every line must become a row, malformed or not"
        assert "_corrupt_record" in df.columns, "keep malformed lines in a _corrupt_record column"
        corrupt = df.where(df["_corrupt_record"].isNotNull()).count()
        assert corrupt == manifest.malformed, (
            f"{corrupt} rows were marked corrupt; the generator truncated {manifest.malformed} lines")
    finally:
        df.unpersist()


def test_numbers_are_typed(spark, request_logs):
    path, _ = request_logs
    types = dict(pipeline.read_requests(spark, str(path)).dtypes)
    assert types.get("latency_ms") == "double", f"latency_ms read as {types.get('latency_ms')}"
    assert types.get("status") == "int" and types.get("tokens") == "int", f"status/tokens read as {types}"
