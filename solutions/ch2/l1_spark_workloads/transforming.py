"""Kata 2.1.2 (Exercise 2): transforming data with Spark — columns, aggregates, joins, windows, nulls.

Every function here builds a DataFrame and returns it: transformations only, no action.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def enrich(events: DataFrame, products: DataFrame, users: DataFrame) -> DataFrame:
    """Every event, with its product's `category` and `price`, its user's `country` and `segment`,
    and `revenue`: quantity x price for a purchase, 0.0 for any other event type.

    No event is lost: one whose product or user is unknown keeps nulls there (and a purchase
    of an unknown product has a null revenue). The product table is small: broadcast it. The
    user table grows with the business (millions of rows): never broadcast it.
    """
    catalogue = products.select("product_id", "category", "price")
    people = users.select("user_id", "country", "segment")
    return (events
            # Broadcast: every task gets the whole small table, so the events are not shuffled for it.
            .join(F.broadcast(catalogue), "product_id", "left")
            .join(people, "user_id", "left")
            .withColumn("revenue", F.when(F.col("event_type") == "purchase", F.col("quantity") * F.col("price"))
                        .otherwise(F.lit(0.0))))


def daily_category_revenue(enriched: DataFrame) -> DataFrame:
    """Per (day, category): `day` (the date the event happened, from `ts` in UTC, a DateType),
    `category`, `events` (all of them), `purchases`, `revenue` (their sum) and `buyers` (distinct
    users with a purchase). Events of unknown products (null category) are left out."""
    purchase = F.col("event_type") == "purchase"
    return (enriched.where(F.col("category").isNotNull())
            .withColumn("day", F.to_date("ts"))
            .groupBy("day", "category")
            .agg(F.count(F.lit(1)).alias("events"),
                 F.count(F.when(purchase, True)).alias("purchases"),
                 F.sum("revenue").alias("revenue"),
                 F.countDistinct(F.when(purchase, F.col("user_id"))).alias("buyers")))


def top_products(enriched: DataFrame, n: int) -> DataFrame:
    """Per category, its products ranked by total revenue, highest first: `category`, `product_id`,
    `revenue`, `rank`. Only products with a purchase count; equal revenues share a rank and the
    next rank skips (1, 2, 2, 4). Keep the rows with rank <= n (so possibly more than n)."""
    totals = (enriched.where((F.col("event_type") == "purchase") & F.col("category").isNotNull())
              .groupBy("category", "product_id").agg(F.sum("revenue").alias("revenue")))
    by_revenue = Window.partitionBy("category").orderBy(F.col("revenue").desc())
    return totals.withColumn("rank", F.rank().over(by_revenue)).where(F.col("rank") <= n)


def running_spend(enriched: DataFrame) -> DataFrame:
    """Each user's purchases in the order they happened (by `ts`, then `event_id`): `user_id`,
    `event_id`, `ts`, `revenue` and `spend_to_date`, the sum of the user's revenue up to and
    including this purchase. Purchases of unknown products (null revenue) add nothing."""
    in_order = (Window.partitionBy("user_id").orderBy("ts", "event_id")
                .rowsBetween(Window.unboundedPreceding, Window.currentRow))
    return (enriched.where(F.col("event_type") == "purchase")
            .select("user_id", "event_id", "ts", "revenue")
            .withColumn("spend_to_date", F.coalesce(F.sum("revenue").over(in_order), F.lit(0.0))))


def users_outside(users: DataFrame, country: str) -> DataFrame:
    """The users whose country is not `country`, users of unknown (null) country included."""
    # country != 'DE' is NULL, not true, when country is null: the filter would drop those users.
    return users.where(~F.col("country").eqNullSafe(country))
