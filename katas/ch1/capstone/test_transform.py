"""Kata 1.c.2: clean the rows and aggregate per day and model."""

import json

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
    assert got == expected, (
        f"clean() kept {got} rows; {expected} are valid ({manifest.invalid} invalid, {manifest.malformed} malformed). "
        "The two tests below show which rules or edge values it gets wrong")


# clean()'s validity rules, one at a time, written out here (not taken from the generator
# or a solution): how to spot a raw row that breaks the rule, and what a valid row needs.
def _missing(field):
    return lambda row: row.get(field) is None


def _below(field, limit):
    return lambda row: row.get(field) is not None and row[field] < limit


def _above(field, limit):
    return lambda row: row.get(field) is not None and row[field] > limit


BROKEN_RULES = [
    ("request_id is missing", _missing("request_id"), "every field present"),
    ("ts is missing", _missing("ts"), "every field present"),
    ("model is missing", _missing("model"), "every field present"),
    ("latency_ms is missing", _missing("latency_ms"), "every field present"),
    ("status is missing", _missing("status"), "every field present"),
    ("tokens is missing", _missing("tokens"), "every field present"),
    ("latency_ms is negative", _below("latency_ms", 0), "latency_ms >= 0"),
    ("status is below 100", _below("status", 100), "100 <= status <= 599"),
    ("status is above 599", _above("status", 599), "100 <= status <= 599"),
    ("tokens is negative", _below("tokens", 0), "tokens >= 0"),
]

# Valid rows exactly on a rule's boundary.
EDGES = [
    ("latency_ms is exactly 0", lambda row: row["latency_ms"] == 0, "latency_ms >= 0"),
    ("status is exactly 100", lambda row: row["status"] == 100, "100 <= status <= 599"),
    ("status is exactly 599", lambda row: row["status"] == 599, "100 <= status <= 599"),
    ("tokens is exactly 0", lambda row: row["tokens"] == 0, "tokens >= 0"),
]

FIELDS = ("request_id", "ts", "model", "latency_ms", "status", "tokens")


def kept_by_clean(spark, rows):
    """How many of `rows` (raw rows, parsed) clean() keeps."""
    # Shaped like raw_requests(): absent fields are null, and nothing here is malformed.
    requests = spark.createDataFrame([tuple(row.get(f) for f in FIELDS) + (None,) for row in rows], TEST_SCHEMA)
    return pipeline.clean(requests.coalesce(1)).count()


def test_clean_drops_the_rows_that_break_each_rule(spark, request_logs):
    rows, _ = read_back(request_logs[0])
    broken = {rule: [row for row in rows if breaks(row)] for rule, breaks, _ in BROKEN_RULES}
    absent = [rule for rule, found in broken.items() if not found]
    assert not absent, f"the generated input has no row where {absent}: the generator must break every rule"
    if kept_by_clean(spark, [row for found in broken.values() for row in found]) == 0:
        return
    # Something survived that should not have: find out which rules clean() misses.
    wrong = []
    for rule, _, needs in BROKEN_RULES:
        kept = kept_by_clean(spark, broken[rule])
        if kept:
            wrong.append(f"  {rule}: kept {kept} of {len(broken[rule])}, e.g. {json.dumps(broken[rule][0])} "
                         f"(a valid row needs {needs})")
    assert not wrong, ("clean() kept input rows that break a validity rule; expected it to drop every one of them:\n"
                       + "\n".join(wrong))
    pytest.fail("clean() kept some of the invalid input rows; expected it to drop every one of them")


def test_clean_keeps_valid_rows_on_the_edge_of_a_rule(spark, request_logs):
    rows, _ = read_back(request_logs[0])
    on_edge = {edge: [row for row in rows if is_valid(row) and is_on_it(row)] for edge, is_on_it, _ in EDGES}
    absent = [edge for edge, found in on_edge.items() if not found]
    assert not absent, f"the generated input has no valid row where {absent}: the generator must produce edge rows"
    every_edge_row = list({id(row): row for found in on_edge.values() for row in found}.values())
    if kept_by_clean(spark, every_edge_row) == len(every_edge_row):
        return
    # Some were dropped: find out which edges clean() gets wrong.
    wrong = []
    for edge, _, rule in EDGES:
        kept = kept_by_clean(spark, on_edge[edge])
        if kept != len(on_edge[edge]):
            wrong.append(f"  {edge}: kept {kept} of {len(on_edge[edge])}, e.g. {json.dumps(on_edge[edge][0])} "
                         f"(the rule is {rule}: the edge value passes it)")
    assert not wrong, ("clean() dropped valid rows that sit exactly on the edge of a rule; expected it to keep "
                       "every one of them:\n" + "\n".join(wrong))
    pytest.fail("clean() dropped some valid rows that sit on the edge of a rule; expected it to keep all of them")


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
        assert row["errors"] == want["errors"], (
            f"{key}: errors {row['errors']} != {want['errors']}: an error is a status >= 500 (the input has rows "
            "with 499, a client that gave up, and with exactly 500)")
        assert row["total_tokens"] == want["total_tokens"], f"{key}: total_tokens differ"
        assert row["avg_latency_ms"] == pytest.approx(want["latency_sum"] / want["requests"]), f"{key}: avg latency"
