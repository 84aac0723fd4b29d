"""Kata 2.1.5: batch inference partition by partition — the model loaded once per partition, not per row."""

import pickle

import pandas as pd
import pytest
from pyspark.sql import functions as F

from fixtures import lesson_module
from fixtures.data.models import FEATURES
from fixtures.data.shop import cart_conversions, read_reference
from fixtures.engines.spark import dataframe

batch_inference = lesson_module(__file__, "batch_inference")

PARTITIONS = 4
BATCH_ROWS = 100  # Arrow batches of 100 rows: a loader per batch shows up as dozens of loads


@pytest.fixture
def small_batches(spark):
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(BATCH_ROWS))
    yield
    spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")


@pytest.fixture(scope="module")
def carts(spark, shop_data):
    path, _ = shop_data
    rows = cart_conversions(read_reference(path))
    frame = pd.DataFrame(rows)[["event_id", *FEATURES]]
    df = spark.createDataFrame([tuple(r) for r in frame.itertuples(index=False)],
                               "event_id string, price double, hour int, quantity int").repartition(PARTITIONS)
    return frame, df


def test_scores_equal_the_models_own_predictions(spark, carts, conversion_model, small_batches):
    frame, df = carts
    model_path, counter = conversion_model
    scored = dataframe(batch_inference.score(df, str(model_path)), "score(df, model_path)")
    missing = {"event_id", *FEATURES, "probability"} - set(scored.columns)
    assert not missing, f"score(df, model_path) has columns {scored.columns}; missing {sorted(missing)}"
    got = {r["event_id"]: r["probability"] for r in scored.select("event_id", "probability").collect()}
    model = pickle.loads(model_path.read_bytes())
    expected = dict(zip(frame["event_id"], model.predict_proba(frame[FEATURES])[:, 1]))
    assert len(got) == len(expected), f"score(...) returned {len(got)} rows for {len(expected)}"
    wrong = [k for k in expected if got.get(k) is None or abs(got[k] - expected[k]) > 1e-12]
    assert not wrong, (f"{len(wrong)} of {len(expected)} probabilities differ from model.predict_proba(X)[:, 1] on "
                       f"the same rows, e.g. {wrong[0]}: got {got.get(wrong[0])}, expected {expected[wrong[0]]}")


def test_the_model_is_loaded_once_per_partition(spark, carts, conversion_model, small_batches):
    frame, df = carts
    model_path, counter = conversion_model
    counter.reset()
    scored = dataframe(batch_inference.score(df, str(model_path)), "score(df, model_path)")
    # An action that needs every probability: count() alone may skip computing the column.
    rows = scored.agg(F.count("probability").alias("n")).first()["n"]
    loads = counter.loads
    assert rows == len(frame), f"score(df, model_path) gave {rows} probabilities for {len(frame)} rows"
    assert loads <= PARTITIONS + 1, (
        f"scoring {len(frame):,} rows in {PARTITIONS} partitions loaded the model {loads:,} times; expected at most "
        f"{PARTITIONS + 1} (once per partition, or once on the driver to ship it). A row-at-a-time UDF loads it per "
        f"row, a plain pandas UDF per Arrow batch ({BATCH_ROWS} rows here); mapInPandas or an iterator pandas UDF "
        f"gets a whole partition's batches in one call")
