"""Kata 2.1.1 (Exercise 1): loading CSV, JSON lines and Parquet with explicit schemas."""

import datetime as dt
from collections import Counter

import pytest

from fixtures import lesson_module
from fixtures.data.shop import read_reference
from fixtures.engines.spark import SparkObserver, dataframe, physical_plan, same_rows

loading = lesson_module(__file__, "loading")

CORRUPT = "_corrupt_record"


@pytest.fixture(scope="module")
def shop(shop_data):
    path, manifest = shop_data
    return path, manifest, read_reference(path)


def jobs_of(spark, read):
    with SparkObserver(spark) as seen:
        read()
    return seen.jobs


def types_of(df) -> dict[str, str]:
    return dict(df.dtypes)


def products(spark, path):
    return dataframe(loading.read_products(spark, str(path / "products.csv")), "read_products(spark, path)")


def users(spark, path):
    return dataframe(loading.read_users(spark, str(path / "users.jsonl")), "read_users(spark, path)")


def events(spark, path):
    return dataframe(loading.read_events(spark, str(path / "events")), "read_events(spark, path)")


def split(df, read_call):
    got = loading.split_malformed(df)
    if not (isinstance(got, tuple) and len(got) == 2):
        pytest.fail(f"split_malformed({read_call}) returned {got!r}; expected a tuple (good, bad) of two DataFrames",
                    pytrace=False)
    return (dataframe(got[0], f"split_malformed({read_call})[0]"), dataframe(got[1], f"split_malformed({read_call})[1]"))


def mismatch(reader: str, got: list, malformed: list) -> str:
    """What split_malformed put apart wrongly, and which malformed lines it missed: a few of each."""
    wrongly = sorted(set(got) - set(malformed))
    missed = sorted(set(malformed) - set(got))
    text = (f"split_malformed({reader}(...)) put {len(got)} line(s) apart as malformed; the file has "
            f"{len(malformed)} malformed lines.")
    if wrongly:
        text += f" Well-formed lines put apart ({len(wrongly)}), e.g. {wrongly[:2]}."
    if missed:
        text += f" Malformed lines not put apart ({len(missed)}), e.g. {missed[:2]}."
    if len(got) != len(set(got)):
        text += " Some lines were put apart more than once."
    return text


@pytest.mark.parametrize("reader, fmt, infer", [
    ("read_products", "CSV", lambda spark, path: spark.read.option("header", True).option("inferSchema", True)
     .csv(str(path / "products.csv"))),
    ("read_users", "JSON", lambda spark, path: spark.read.json(str(path / "users.jsonl"))),
    ("read_events", "Parquet", lambda spark, path: spark.read.parquet(str(path / "events"))),
], ids=["csv", "json", "parquet"])
def test_reading_with_an_explicit_schema_runs_no_job(spark, shop, reader, fmt, infer):
    path, _, _ = shop
    read = {"read_products": products, "read_users": users, "read_events": events}[reader]
    ran = jobs_of(spark, lambda: read(spark, path))
    if ran:
        inferring = jobs_of(spark, lambda: infer(spark, path))
        pytest.fail(f"{reader}(spark, path) ran {ran} Spark job(s) before any action; expected 0. Reading {fmt} "
                    f"without a schema makes Spark read the data to find one ({inferring} job(s) here, a full scan "
                    f"of a large input); with .schema(...) reading is lazy", pytrace=False)


def test_products_have_the_schema_asked_for(spark, shop):
    path, _, _ = shop
    expected = {"product_id": "string", "category": "string", "title": "string", "price": "double", CORRUPT: "string"}
    got = types_of(products(spark, path))
    assert got == expected, f"read_products(spark, path) has columns {got}; expected {expected}"


def test_every_product_line_is_kept_and_the_malformed_ones_apart(spark, shop):
    path, _, ref = shop
    good, bad = split(products(spark, path), "read_products(spark, path)")
    bad_lines = sorted(row[CORRUPT] for row in bad.collect())
    assert bad_lines == sorted(ref.bad_product_lines), (
        mismatch("read_products", bad_lines, ref.bad_product_lines)
        + ' (A title like "Garden item 3, ""deluxe"", boxed" is well-formed CSV: inside quotes, a quote is '
          "written twice)")
    assert CORRUPT not in good.columns, f"the good rows still have a {CORRUPT} column: {good.columns}"
    same_rows(good, ref.products, key=("product_id",), call="split_malformed(read_products(spark, path))[0]")


def test_users_keep_malformed_lines_and_unknown_countries(spark, shop):
    path, _, ref = shop
    df = users(spark, path)
    expected_types = {"user_id": "bigint", "country": "string", "segment": "string", "signup_date": "date",
                      CORRUPT: "string"}
    assert types_of(df) == expected_types, f"read_users(spark, path) has columns {types_of(df)}; expected {expected_types}"
    good, bad = split(df, "read_users(spark, path)")
    bad_lines = sorted(row[CORRUPT] for row in bad.collect())
    assert bad_lines == sorted(ref.bad_user_lines), mismatch("read_users", bad_lines, ref.bad_user_lines)
    # Users whose country is unknown (null, or no field at all) are users all the same.
    same_rows(good, ref.users, key=("user_id",), call="split_malformed(read_users(spark, path))[0]")


def test_events_come_with_their_folders_date(spark, shop):
    path, manifest, ref = shop
    df = events(spark, path)
    expected = [("event_id", "string"), ("ts", "timestamp"), ("user_id", "bigint"), ("product_id", "string"),
                ("event_type", "string"), ("quantity", "int"), ("date", "date")]
    assert df.dtypes == expected, f"read_events(spark, path) has columns {df.dtypes}; expected {expected}, in that order"
    per_day = {row["date"]: row["count"] for row in df.groupBy("date").count().collect()}
    expected_days = Counter(e["date"] for e in ref.events)
    assert per_day == dict(expected_days), (
        f"read_events counted {per_day} events per folder date; the files hold {dict(expected_days)}")
    late = df.where("to_date(ts) <> date").count()
    assert late == manifest.late_events, f"{late} events have a date other than their folder's; expected {manifest.late_events}"


def test_one_day_reads_only_that_days_files(spark, shop):
    path, manifest, ref = shop
    day = manifest.days[1]
    everything = spark.read.parquet(str(path / "events"))  # the test's own reader: this kata's filter alone
    files_that_day = len(list((path / "events" / f"date={day}").glob("*.parquet")))
    with SparkObserver(spark) as seen:
        subset = dataframe(loading.events_arrived_on(everything, day), f"events_arrived_on(events, {day!r})")
        got = subset.count()
    expected = {e["event_id"] for e in ref.events if e["date"] == dt.date.fromisoformat(day)}
    ids = {r["event_id"] for r in subset.select("event_id").collect()}
    assert got == len(expected) and ids == expected, (
        f"events_arrived_on(events, {day!r}) has {got} events, {len(ids - expected)} of them from other folders and "
        f"{len(expected - ids)} of the folder's missing; expected the {len(expected)} events of date={day} (events "
        f"arrive late: their ts may be the day before)")
    assert seen.partitions_read == 1 and seen.files_read == files_that_day, (
        f"events_arrived_on(events, {day!r}).count() opened {seen.files_read} file(s) in {seen.partitions_read} "
        f"date= folder(s), counted over every query it ran; expected only the {files_that_day} files of "
        f"date={day}, in 1 folder. Filter on the partition column "
        f"itself (date), not on something computed from other columns, so Spark can skip the other folders")
    plan = physical_plan(subset)
    assert "PartitionFilters: [" in plan and "PartitionFilters: []" not in plan, (
        "the physical plan shows no partition filter:\n" + plan[:800])
