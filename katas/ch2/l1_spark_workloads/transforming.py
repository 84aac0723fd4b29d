"""Kata 2.1.2 (Exercise 2): transforming data with Spark — columns, aggregates, joins, windows, nulls.

Every function here builds a DataFrame and returns it: transformations only, no action.
Read the lesson README first; `kata hint 2.1.2` gives a nudge when stuck.
"""

from __future__ import annotations

from pyspark.sql import DataFrame, Window  # noqa: F401
from pyspark.sql import functions as F  # noqa: F401

from fixtures import KataNotImplemented


def enrich(events: DataFrame, products: DataFrame, users: DataFrame) -> DataFrame:
    """Every event, with its product's `category` and `price`, its user's `country` and `segment`,
    and `revenue`: quantity x price for a purchase, 0.0 for any other event type.

    No event is lost: one whose product or user is unknown keeps nulls there (and a purchase
    of an unknown product has a null revenue). The product table is small: broadcast it. The
    user table grows with the business (millions of rows): never broadcast it.
    """
    raise KataNotImplemented("2.1.2")


def daily_category_revenue(enriched: DataFrame) -> DataFrame:
    """Per (day, category): `day` (the date the event happened, from `ts` in UTC, a DateType),
    `category`, `events` (all of them), `purchases`, `revenue` (their sum) and `buyers` (distinct
    users with a purchase). Events of unknown products (null category) are left out."""
    raise KataNotImplemented("2.1.2")


def top_products(enriched: DataFrame, n: int) -> DataFrame:
    """Per category, its products ranked by total revenue, highest first: `category`, `product_id`,
    `revenue`, `rank`. Only products with a purchase count; equal revenues share a rank and the
    next rank skips (1, 2, 2, 4). Keep the rows with rank <= n (so possibly more than n)."""
    raise KataNotImplemented("2.1.2")


def running_spend(enriched: DataFrame) -> DataFrame:
    """Each user's purchases in the order they happened (by `ts`, then `event_id`): `user_id`,
    `event_id`, `ts`, `revenue` and `spend_to_date`, the sum of the user's revenue up to and
    including this purchase. Purchases of unknown products (null revenue) add nothing."""
    raise KataNotImplemented("2.1.2")


def users_outside(users: DataFrame, country: str) -> DataFrame:
    """The users whose country is not `country`, users of unknown (null) country included."""
    raise KataNotImplemented("2.1.2")
