"""Capstone 2: a Keras digit classifier trained on a MultiWorkerMirroredStrategy cluster; it survives
the loss of a worker, and the chief exports it for Chapter 3 to serve.

The functions that train run in every worker process of the cluster at once, each process
started with its TF_CONFIG (by the tests, as a cluster manager would: tf_config() of
kata 2.2.8). When a worker is lost, the whole cluster is started again with the same
arguments: a restarted process knows only what it finds on disk.
`tf.keras` is Keras 2 (tf-keras) in this course.
"""

from __future__ import annotations

import shutil  # noqa: F401
import tempfile  # noqa: F401

import numpy as np
import tensorflow as tf

from fixtures import KataNotImplemented

EPOCHS = 10
GLOBAL_BATCH = 64
SEED = 7


def build_model() -> tf.keras.Model:
    """A compiled classifier for 8x8 digits: 64 pixel values in [0, 1] -> 10 logits, one per digit,
    with an accuracy metric. The caller creates it inside the strategy's scope."""
    raise KataNotImplemented("2.c.1")


def make_dataset(x: np.ndarray, y: np.ndarray, global_batch: int, seed: int) -> tf.data.Dataset:
    """(x, y) shuffled with `seed`, in batches of `global_batch`, such that each worker of the
    cluster trains on its own part of every epoch."""
    raise KataNotImplemented("2.c.1")


def train(x: np.ndarray, y: np.ndarray, backup_dir: str, epochs: int = EPOCHS) -> tf.keras.Model:
    """Runs on every worker: train build_model() on (x, y) for `epochs` epochs of GLOBAL_BATCH with
    MultiWorkerMirroredStrategy, so that a cluster started again after losing a worker resumes from
    the last epoch it finished (backups in `backup_dir`); return the trained model."""
    raise KataNotImplemented("2.c.2")


def export(model: tf.keras.Model, export_dir: str) -> None:
    """Runs on every worker after training: the chief, and only the chief, writes `model` to
    `export_dir` as a SavedModel (what TensorFlow Serving and Chapter 3 load)."""
    raise KataNotImplemented("2.c.3")


def predict_saved(export_dir: str, x: np.ndarray) -> np.ndarray:
    """In a fresh process, from the SavedModel alone: the predicted digit for each row of `x`."""
    raise KataNotImplemented("2.c.3")
