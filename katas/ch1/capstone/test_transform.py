"""Kata 1.c.2: clean the rows and aggregate per day and model."""

import pytest

from fixtures import lesson_module
from fixtures.data.request_logs import expected_daily_model_stats, is_valid, read_back

pipeline = lesson_module(__file__, "pipeline")

# The test's own reader, so this kata is checked on its own (not through 1.c.1's answer).
TEST_SCHEMA = ("request_id STRING, ts STRING, model STRING, latency_ms DOUBLE, status INT, tokens INT, "
               "_corrupt_record STRING")


def raw_requests(spark, path):
    return (spark.read.schema(TEST_SCHEMA).option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", "_corrupt_record").json(str(path)))


def test_clean_keeps_exactly_the_valid_rows(spark, request_logs):
    path, manifest = request_logs
    rows, _ = read_back(path)
    expected = sum(is_valid(r) for r in rows)
    assert expected == manifest.valid  # the generator and the independent check agree
    got = pipeline.clean(raw_requests(spark, path)).count()
    assert got == expected, f"clean() kept {got} rows; {expected} are valid ({manifest.invalid} invalid, {manifest.malformed} malformed)"


def test_daily_model_stats_match_an_independent_count(spark, request_logs):
    path, manifest = request_logs
    stats = pipeline.daily_model_stats(pipeline.clean(raw_requests(spark, path)))
    got = {(str(r["event_date"]), r["model"]): r for r in stats.collect()}  # 60 rows: fine to collect
    expected = expected_daily_model_stats(path)
    assert set(got) == set(expected), (
        f"groups differ: unexpected {sorted(set(got) - set(expected))[:3]}, missing {sorted(set(expected) - set(got))[:3]} "
        f"(late records belong to the day in their ts, not their folder)")
    for key, want in expected.items():
        row = got[key]
        assert row["requests"] == want["requests"], f"{key}: requests {row['requests']} != {want['requests']}"
        assert row["errors"] == want["errors"], f"{key}: errors {row['errors']} != {want['errors']}"
        assert row["total_tokens"] == want["total_tokens"], f"{key}: total_tokens differ"
        assert row["avg_latency_ms"] == pytest.approx(want["latency_sum"] / want["requests"]), f"{key}: avg latency"
