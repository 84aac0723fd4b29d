"""Kata 2.1.4: a pyspark.ml feature pipeline, checked against features computed in plain Python."""

import math
import statistics
from collections import Counter

import pytest
from pyspark.ml import Pipeline

from fixtures import lesson_module
from fixtures.course.expect import returned
from fixtures.data.shop import cart_conversions, read_reference

features = lesson_module(__file__, "features")

COLUMNS = "event_id string, category string, segment string, price double, hour int, label double"
# A category and a segment the training rows never saw: new values appear after every training run.
UNSEEN = [("new-1", "furniture", "regular", 42.0, 9, 0.0), ("new-2", "books", "student", 7.5, 20, 1.0)]


@pytest.fixture(scope="module")
def split(spark, shop_data):
    path, manifest = shop_data
    rows = cart_conversions(read_reference(path))
    last_day = max(r["date"] for r in rows)  # train on the first days, test on the last
    as_tuple = lambda r: (r["event_id"], r["category"], r["segment"], r["price"], r["hour"], r["label"])  # noqa: E731
    train = [as_tuple(r) for r in rows if r["date"] != last_day]
    test = [as_tuple(r) for r in rows if r["date"] == last_day] + UNSEEN
    return train, test, spark.createDataFrame(train, COLUMNS), spark.createDataFrame(test, COLUMNS)


@pytest.fixture(scope="module")
def fitted(split):
    _, _, train_df, test_df = split
    pipeline = returned(features.feature_pipeline(), Pipeline, call="feature_pipeline()",
                        expected_text="an unfitted pyspark.ml Pipeline",
                        advice="Return Pipeline(stages=[...]); the test calls fit() and transform() itself.")
    model = pipeline.fit(train_df)
    return {r["event_id"]: r for r in model.transform(test_df).collect()}


def reference_features(train, test) -> dict[str, list[float]]:
    """The features the docstring describes, computed from the rows with the standard library."""
    def order(values):
        return [v for v, _ in sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))]

    categories, segments = order(r[1] for r in train), order(r[2] for r in train)

    def raw(row):
        return ([row[3], float(row[4])] + [1.0 if row[1] == c else 0.0 for c in categories]
                + [1.0 if row[2] == s else 0.0 for s in segments])

    columns = list(zip(*(raw(r) for r in train)))
    spread = [statistics.stdev(c) for c in columns]
    return {r[0]: [x / s if s else 0.0 for x, s in zip(raw(r), spread)] for r in test}


def test_features_are_scaled_with_the_training_rows_statistics(split, fitted):
    train, test, _, _ = split
    expected = reference_features(train, test)
    first = next(iter(fitted.values()))
    assert "features" in first, f"the fitted pipeline's output has columns {list(first.asDict())}; expected 'features'"
    wrong = []
    for event_id, want in expected.items():
        got = fitted[event_id]["features"].toArray().tolist()
        if len(got) != len(want) or any(not math.isclose(g, w, rel_tol=1e-9, abs_tol=1e-12) for g, w in zip(got, want)):
            wrong.append((event_id, got, want))
    assert not wrong, (
        f"{len(wrong)} of {len(expected)} test rows have other features than expected; e.g. {wrong[0][0]}: got "
        f"{[round(x, 4) for x in wrong[0][1]]}, expected {[round(x, 4) for x in wrong[0][2]]} (price, hour, "
        f"one-hot category, one-hot segment, each divided by its sample standard deviation over the TRAINING rows)")


def test_values_never_seen_in_training_get_no_slot(split, fitted):
    train, test, _, _ = split
    expected = reference_features(train, test)
    for event_id in ("new-1", "new-2"):
        got = fitted[event_id]["features"].toArray().tolist()
        assert got == pytest.approx(expected[event_id], rel=1e-9), (
            f"row {event_id} (a category or segment unseen in training) has features {got}; expected "
            f"{expected[event_id]}: an unseen value is all zeros in its one-hot block (and is not an error)")


def test_the_model_learns_something(split, fitted):
    _, test, _, _ = split
    truth = {r[0]: r[5] for r in test}
    first = next(iter(fitted.values()))
    assert "prediction" in first, f"the fitted pipeline's output has columns {list(first.asDict())}; expected 'prediction'"
    right = sum(fitted[k]["prediction"] == v for k, v in truth.items())
    majority = max(Counter(truth.values()).values())
    assert right > majority, (
        f"the pipeline's model predicts {right} of {len(truth)} held-out carts right; always answering the most "
        f"common label gets {majority}. Is the model a classifier trained on 'features' and 'label'?")
