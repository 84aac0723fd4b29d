"""Kata 2.1.5: scalable batch inference — a trained model applied partition by partition.

Read the lesson README first; `kata hint 2.1.5` gives a nudge when stuck.
"""

from __future__ import annotations

import pickle  # noqa: F401
from collections.abc import Iterator  # noqa: F401

import pandas as pd  # noqa: F401
from pyspark.sql import DataFrame
from pyspark.sql import types as T  # noqa: F401

from fixtures import KataNotImplemented


def score(df: DataFrame, model_path: str) -> DataFrame:
    """df with one more column, `probability` (double): the model's probability of class 1 for
    each row, i.e. model.predict_proba(X)[:, 1] where X holds the row's values of the columns
    model.feature_names_in_, in that order.

    The model is a pickled scikit-learn classifier at `model_path` (pickle.load it). Loading it
    is slow (a real model: hundreds of MB): load it once per partition, or once on the driver
    and ship it; never once per row or per batch of rows.
    """
    raise KataNotImplemented("2.1.5")
