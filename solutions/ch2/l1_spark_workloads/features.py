"""Kata 2.1.4: features at scale — a pyspark.ml pipeline fitted on a DataFrame."""

from __future__ import annotations

from pyspark.ml import Pipeline
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import OneHotEncoder, StandardScaler, StringIndexer, VectorAssembler


def feature_pipeline() -> Pipeline:
    """An unfitted Pipeline for rows with `category`, `segment` (strings), `price` (double),
    `hour` (int) and `label` (0.0 or 1.0: did the cart become a purchase?).

    Fitted on training rows, its transform adds `features`, a vector of
      price, hour, one-hot category, one-hot segment
    with every entry divided by that entry's sample standard deviation over the training rows
    (not centred: zeros stay zeros). A one-hot block has one slot per value seen in training,
    most frequent value first (equal counts: alphabetical order); a value never seen in
    training is all zeros. And `prediction` (0.0 or 1.0), from a logistic regression on `features`.
    """
    return Pipeline(stages=[
        # handleInvalid="keep" gives unseen values an extra last index; the encoder's dropLast
        # then drops exactly that slot, so an unseen value is all zeros instead of an error.
        StringIndexer(inputCols=["category", "segment"], outputCols=["category_index", "segment_index"],
                      handleInvalid="keep"),
        OneHotEncoder(inputCols=["category_index", "segment_index"], outputCols=["category_vec", "segment_vec"]),
        VectorAssembler(inputCols=["price", "hour", "category_vec", "segment_vec"], outputCol="raw_features"),
        StandardScaler(inputCol="raw_features", outputCol="features", withMean=False, withStd=True),
        LogisticRegression(featuresCol="features", labelCol="label"),
    ])
