"""Kata 2.2.10: a custom training loop under a strategy: strategy.run on every replica, strategy.reduce after.

`model` and `optimizer` were created inside `strategy.scope()`; `dataset` is a
tf.data.Dataset of (x, y) batches of `global_batch` rows (logits out, integer labels).
"""

from __future__ import annotations

import tensorflow as tf

from fixtures import KataNotImplemented


def train_custom(strategy: tf.distribute.Strategy, model: tf.keras.Model, optimizer: tf.keras.optimizers.Optimizer,
                 dataset: tf.data.Dataset, global_batch: int, epochs: int) -> list[float]:
    """Train with sparse categorical cross-entropy on logits, one optimizer step per global batch,
    the step `fit` would take; return each epoch's loss: the mean over its steps of the global batch's mean loss."""
    raise KataNotImplemented("2.2.10")
