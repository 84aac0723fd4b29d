"""Kata 2.2.7: MirroredStrategy: one model copied onto every device, each global batch split between them.

Everything here runs in a fresh TensorFlow process whose CPU is split into logical devices
(the test does that before TensorFlow starts); `strategy` is a tf.distribute.MirroredStrategy
over them, so `strategy.num_replicas_in_sync` is the number of replicas.
`tf.keras` is Keras 2 (tf-keras) in this course.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from fixtures import KataNotImplemented

LEARNING_RATE = 0.1


def make_model(seed: int) -> tf.keras.Model:
    """Given: a small classifier for 8x8 digits (64 inputs, 10 logits), with weights fixed by `seed`."""
    tf.keras.utils.set_random_seed(seed)
    return tf.keras.Sequential([
        tf.keras.layers.Input((64,)),
        tf.keras.layers.Dense(32, activation="relu"),
        tf.keras.layers.Dense(10),
    ])


def global_batch_size(strategy: tf.distribute.Strategy, per_replica_batch: int) -> int:
    """The batch size the input pipeline must produce so that each replica gets `per_replica_batch`."""
    raise KataNotImplemented("2.2.7")


def make_dataset(x: np.ndarray, y: np.ndarray, strategy: tf.distribute.Strategy,
                 per_replica_batch: int) -> tf.data.Dataset:
    """(x, y) pairs in order (no shuffling), in batches that give each replica `per_replica_batch` rows:
    a tf.data.Dataset, which Keras fit distributes between the replicas itself."""
    raise KataNotImplemented("2.2.7")


def build_model(strategy: tf.distribute.Strategy, seed: int) -> tf.keras.Model:
    """make_model(seed), compiled with SGD(LEARNING_RATE), sparse categorical cross-entropy on
    logits and an accuracy metric, with its variables (and the optimizer's) mirrored on every replica."""
    raise KataNotImplemented("2.2.7")
