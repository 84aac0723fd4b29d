"""Kata 2.1.5: scalable batch inference — a trained model applied partition by partition."""

from __future__ import annotations

import pickle
from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import types as T


def score(df: DataFrame, model_path: str) -> DataFrame:
    """df with one more column, `probability` (double): the model's probability of class 1 for
    each row, i.e. model.predict_proba(X)[:, 1] where X holds the row's values of the columns
    model.feature_names_in_, in that order.

    The model is a pickled scikit-learn classifier at `model_path` (pickle.load it). Loading it
    is slow (a real model: hundreds of MB): load it once per partition, or once on the driver
    and ship it; never once per row or per batch of rows.
    """
    schema = T.StructType(df.schema.fields + [T.StructField("probability", T.DoubleType())])

    def predict(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        # mapInPandas calls this once per partition: the model is loaded once, then used
        # for every Arrow batch of the partition.
        with open(model_path, "rb") as f:
            model = pickle.load(f)
        columns = list(model.feature_names_in_)
        for batch in batches:
            yield batch.assign(probability=model.predict_proba(batch[columns])[:, 1])

    return df.mapInPandas(predict, schema)
