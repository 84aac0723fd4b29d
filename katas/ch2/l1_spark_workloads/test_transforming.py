"""Kata 2.1.2 (Exercise 2): transforming data — columns, aggregates, a broadcast join, windows, nulls.

Every expected answer here is computed in plain Python from the generated files, not with Spark.
"""

import datetime as dt
import re
from collections import defaultdict

import pytest
from pyspark.sql import types as T

from fixtures import lesson_module
from fixtures.data.shop import read_reference
from fixtures.engines.spark import SparkObserver, dataframe, physical_plan, same_rows

transforming = lesson_module(__file__, "transforming")

UTC = dt.timezone.utc
PRODUCTS = T.StructType([T.StructField("product_id", T.StringType()), T.StructField("category", T.StringType()),
                         T.StructField("title", T.StringType()), T.StructField("price", T.DoubleType())])
USERS = T.StructType([T.StructField("user_id", T.LongType()), T.StructField("country", T.StringType()),
                      T.StructField("segment", T.StringType()), T.StructField("signup_date", T.DateType())])
ENRICHED = T.StructType([
    T.StructField("event_id", T.StringType()), T.StructField("ts", T.TimestampType()),
    T.StructField("user_id", T.LongType()), T.StructField("product_id", T.StringType()),
    T.StructField("event_type", T.StringType()), T.StructField("quantity", T.IntegerType()),
    T.StructField("date", T.DateType()), T.StructField("category", T.StringType()),
    T.StructField("price", T.DoubleType()), T.StructField("country", T.StringType()),
    T.StructField("segment", T.StringType()), T.StructField("revenue", T.DoubleType())])


def reference_enriched(ref) -> list[dict]:
    products = {p["product_id"]: p for p in ref.products}
    users = {u["user_id"]: u for u in ref.users}
    rows = []
    for e in ref.events:
        p, u = products.get(e["product_id"], {}), users.get(e["user_id"], {})
        price = p.get("price")
        revenue = (e["quantity"] * price if price is not None else None) if e["event_type"] == "purchase" else 0.0
        rows.append({**e, "category": p.get("category"), "price": price, "country": u.get("country"),
                     "segment": u.get("segment"), "revenue": revenue})
    return rows


@pytest.fixture(scope="module")
def shop(spark, shop_data):
    path, _ = shop_data
    ref = read_reference(path)
    events = spark.read.parquet(str(path / "events"))
    products = spark.createDataFrame([tuple(p[f.name] for f in PRODUCTS) for p in ref.products], PRODUCTS)
    users = spark.createDataFrame([tuple(u[f.name] for f in USERS) for u in ref.users], USERS)
    expected = reference_enriched(ref)
    enriched = spark.createDataFrame([tuple(r[f.name] for f in ENRICHED) for r in expected], ENRICHED)
    yield {"ref": ref, "events": events, "products": products, "users": users, "expected": expected,
           "enriched": enriched.cache()}
    enriched.unpersist()


@pytest.fixture
def no_automatic_broadcast(spark):
    # Spark broadcasts any table its statistics call small (10 MB by default) on its own. At
    # scale the statistics are often missing or wrong: the broadcast must be asked for.
    spark.conf.set("spark.sql.autoBroadcastJoinThreshold", "-1")
    yield
    spark.conf.unset("spark.sql.autoBroadcastJoinThreshold")


def enrich(shop):
    return dataframe(transforming.enrich(shop["events"], shop["products"], shop["users"]),
                     "enrich(events, products, users)")


def broadcast_subtrees(plan: str) -> list[str]:
    """The text of each subtree under a BroadcastExchange: the tables shipped whole to every task."""
    lines = plan.splitlines()
    subtrees = []
    for i, line in enumerate(lines):
        if "BroadcastExchange" in line:
            depth = line.index("BroadcastExchange")
            block = [line]
            for following in lines[i + 1:]:
                if len(following) - len(following.lstrip(" :|+-")) <= depth:
                    break
                block.append(following)
            subtrees.append("\n".join(block))
    return subtrees


def test_enrich_keeps_every_event_with_its_product_user_and_revenue(spark, shop):
    columns = ["event_id", "category", "price", "country", "segment", "revenue"]
    # Every event stays, those of a product missing from the catalogue or of an unknown user
    # included (with nulls there): a left join.
    same_rows(enrich(shop), [{c: r[c] for c in columns} for r in shop["expected"]], key=("event_id",),
              call="enrich(events, products, users)")


def test_the_product_table_is_broadcast(spark, shop, no_automatic_broadcast):
    plan = physical_plan(enrich(shop))
    shipped = broadcast_subtrees(plan)
    assert any(re.search(r"\bcategory#", sub) for sub in shipped), (
        "enrich(...)'s physical plan broadcasts no product table: the small catalogue should be shipped whole to "
        "every task (F.broadcast), so the events need not be shuffled to meet it. The plan:\n" + plan[:1500])


def test_the_large_tables_are_not_broadcast(spark, shop, no_automatic_broadcast):
    plan = physical_plan(enrich(shop))
    large = [sub for sub in broadcast_subtrees(plan) if re.search(r"\b(user_id|event_id)#", sub)]
    assert not large, (
        "enrich(...) broadcasts a large table (users or events): every task would receive all of it, which at "
        "millions of rows exhausts executor memory. Join users with an ordinary (shuffled) join. Broadcast:\n"
        + large[0][:1200])


BUILDERS = {
    "enrich": lambda s: transforming.enrich(s["events"], s["products"], s["users"]),
    "daily_category_revenue": lambda s: transforming.daily_category_revenue(s["enriched"]),
    "top_products": lambda s: transforming.top_products(s["enriched"], 3),
    "running_spend": lambda s: transforming.running_spend(s["enriched"]),
    "users_outside": lambda s: transforming.users_outside(s["users"], "DE"),
}


@pytest.mark.parametrize("name", BUILDERS)
def test_building_a_transformation_runs_no_job(spark, shop, name):
    with SparkObserver(spark) as seen:
        dataframe(BUILDERS[name](shop), f"{name}(...)")
    assert seen.jobs == 0, (f"{name}(...) ran {seen.jobs} Spark job(s) before returning; transformations are lazy: "
                            "build the DataFrame and return it, and leave the actions (count, collect, show, "
                            "toPandas) to the caller")


def test_daily_category_revenue(spark, shop):
    got = dataframe(transforming.daily_category_revenue(shop["enriched"]), "daily_category_revenue(enriched)")
    groups = defaultdict(lambda: {"events": 0, "purchases": 0, "revenue": 0.0, "buyers": set()})
    for r in shop["expected"]:
        if r["category"] is None:
            continue
        g = groups[(r["ts"].astimezone(UTC).date(), r["category"])]
        g["events"] += 1
        g["revenue"] += r["revenue"]
        if r["event_type"] == "purchase":
            g["purchases"] += 1
            g["buyers"].add(r["user_id"])
    expected = [{"day": day, "category": cat, "events": g["events"], "purchases": g["purchases"],
                 "revenue": g["revenue"], "buyers": len(g["buyers"])} for (day, cat), g in groups.items()]
    same_rows(got, expected, key=("day", "category"), call="daily_category_revenue(enriched)")


def ranked(totals: dict[tuple[str, str], float], n: int) -> list[dict]:
    """Rows of rank <= n, with rank() semantics: ties share a rank, the next rank skips."""
    rows = []
    for category in {c for c, _ in totals}:
        mine = [(p, v) for (c, p), v in totals.items() if c == category]
        for product, value in mine:
            rank = 1 + sum(1 for _, other in mine if other > value)
            if rank <= n:
                rows.append({"category": category, "product_id": product, "revenue": value, "rank": rank})
    return rows


def top(enriched, n):
    got = dataframe(transforming.top_products(enriched, n), f"top_products(enriched, {n})")
    missing = {"category", "product_id", "revenue", "rank"} - set(got.columns)
    assert not missing, f"top_products(enriched, {n}) has columns {got.columns}; missing {sorted(missing)}"
    return got.select("category", "product_id", got["revenue"].cast("double"), got["rank"].cast("int"))


def test_top_products_per_category(spark, shop):
    totals = defaultdict(float)
    for r in shop["expected"]:
        if r["event_type"] == "purchase" and r["category"] is not None:
            totals[(r["category"], r["product_id"])] += r["revenue"]
    same_rows(top(shop["enriched"], 3), ranked(totals, 3), key=("category", "product_id"),
              call="top_products(enriched, 3)")


def purchase(spark, rows, others=()):
    """A small enriched table of purchases (event_id, user_id, category, product_id, ts second, revenue),
    plus `others`: (event_id, user_id, category, product_id, event type) views and carts, revenue 0.0."""
    full = []
    for event_id, user, category, product, second, revenue in rows:
        ts = dt.datetime(2026, 11, 2, 12, 0, second, tzinfo=UTC)
        full.append((event_id, ts, user, product, "purchase", 1, ts.date(), category, revenue, "DE", "vip", revenue))
    for event_id, user, category, product, kind in others:
        ts = dt.datetime(2026, 11, 2, 13, 0, 0, tzinfo=UTC)
        full.append((event_id, ts, user, product, kind, 1, ts.date(), category, 4.0, "DE", "vip", 0.0))
    return spark.createDataFrame(full, ENRICHED)


def test_top_products_ranks_ties_together(spark):
    # Books p7 was viewed and p8 put in a cart, never bought: they have no revenue to rank.
    enriched = purchase(spark, [
        ("e1", 1, "toys", "p1", 0, 30.0), ("e2", 2, "toys", "p2", 1, 20.0), ("e3", 3, "toys", "p3", 2, 20.0),
        ("e4", 4, "toys", "p4", 3, 5.0), ("e5", 5, "toys", "p5", 4, 1.0), ("e6", 6, "books", "p6", 5, 9.0)],
        others=[("e7", 7, "books", "p7", "view"), ("e8", 8, "books", "p8", "cart")])
    # Two products tie for second place: both are ranked 2, the next is 4, so n=3 keeps three toys.
    expected = [{"category": "toys", "product_id": "p1", "revenue": 30.0, "rank": 1},
                {"category": "toys", "product_id": "p2", "revenue": 20.0, "rank": 2},
                {"category": "toys", "product_id": "p3", "revenue": 20.0, "rank": 2},
                {"category": "books", "product_id": "p6", "revenue": 9.0, "rank": 1}]
    same_rows(top(enriched, 3), expected, key=("category", "product_id"), call="top_products(enriched, 3)")


def test_running_spend_follows_event_time(spark, shop):
    per_user = defaultdict(list)
    for r in shop["expected"]:
        if r["event_type"] == "purchase":
            per_user[r["user_id"]].append(r)
    rows = []
    for user, purchases in per_user.items():
        total = 0.0
        for r in sorted(purchases, key=lambda r: (r["ts"], r["event_id"])):
            total += r["revenue"] or 0.0
            rows.append({"user_id": user, "event_id": r["event_id"], "revenue": r["revenue"], "spend_to_date": total})
    got = dataframe(transforming.running_spend(shop["enriched"]), "running_spend(enriched)")
    same_rows(got, rows, key=("event_id",), call="running_spend(enriched)")


def test_running_spend_counts_purchases_in_the_same_second_one_at_a_time(spark):
    # Two purchases in the same second, listed out of order. Ordered by ts alone they are peers,
    # and the default window frame (RANGE ... CURRENT ROW) gives both the total of both.
    enriched = purchase(spark, [("e9", 7, "toys", "p1", 30, 5.0), ("e3", 7, "toys", "p2", 10, 2.0),
                                ("e5", 7, "toys", "p3", 30, 1.0)])
    got = dataframe(transforming.running_spend(enriched), "running_spend(enriched)")
    rows = sorted((r["event_id"], r["spend_to_date"]) for r in got.collect())
    expected = [("e3", 2.0), ("e5", 3.0), ("e9", 8.0)]
    assert rows == expected, (f"running_spend gave (event_id, spend_to_date) {rows}; expected {expected}: in order "
                              "of ts, then event_id, each purchase adding only its own revenue")


def test_users_outside_a_country_include_unknown_countries(spark, shop):
    ref = shop["ref"]
    got = dataframe(transforming.users_outside(shop["users"], "DE"), "users_outside(users, 'DE')")
    ids = sorted(r["user_id"] for r in got.select("user_id").collect())
    expected = sorted(u["user_id"] for u in ref.users if u["country"] != "DE")
    unknown = sum(1 for u in ref.users if u["country"] is None)
    assert ids == expected, (
        f"users_outside(users, 'DE') returned {len(ids)} users; expected {len(expected)}, of which {unknown} have "
        f"no known country. In SQL, null != 'DE' is null, not true, so a plain != filter drops them")
