"""Capstone 2: a Keras digit classifier trained on a MultiWorkerMirroredStrategy cluster; it survives
the loss of a worker, and the chief exports it for Chapter 3 to serve.

The functions that train run in every worker process of the cluster at once, each process
started with its TF_CONFIG (by the tests, as a cluster manager would: tf_config() of
kata 2.2.8). When a worker is lost, the whole cluster is started again with the same
arguments: a restarted process knows only what it finds on disk.
`tf.keras` is Keras 2 (tf-keras) in this course.
"""

from __future__ import annotations

import shutil
import tempfile

import numpy as np
import tensorflow as tf


EPOCHS = 10
GLOBAL_BATCH = 64
SEED = 7


def build_model() -> tf.keras.Model:
    """A compiled classifier for 8x8 digits: 64 pixel values in [0, 1] -> 10 logits, one per digit,
    with an accuracy metric. The caller creates it inside the strategy's scope."""
    model = tf.keras.Sequential([
        tf.keras.layers.Input((64,)),
        tf.keras.layers.Dense(64, activation="relu"),
        tf.keras.layers.Dense(10),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01),
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def make_dataset(x: np.ndarray, y: np.ndarray, global_batch: int, seed: int) -> tf.data.Dataset:
    """(x, y) shuffled with `seed`, in batches of `global_batch`, such that each worker of the
    cluster trains on its own part of every epoch."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    # DATA sharding: every worker reads everything and keeps its share of each global batch,
    # so every worker must shuffle in the same order: the seed.
    return (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(len(x), seed=seed)
            .batch(global_batch).with_options(options))


def train(x: np.ndarray, y: np.ndarray, backup_dir: str, epochs: int = EPOCHS) -> tf.keras.Model:
    """Runs on every worker: train build_model() on (x, y) for `epochs` epochs of GLOBAL_BATCH with
    MultiWorkerMirroredStrategy, so that a cluster started again after losing a worker resumes from
    the last epoch it finished (backups in `backup_dir`); return the trained model."""
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = build_model()
    # The SAME backup_dir on every worker: the chief writes the backup, the others write
    # throw-away copies, and on restart every worker restores the chief's.
    model.fit(make_dataset(x, y, GLOBAL_BATCH, SEED), epochs=epochs, verbose=0,
              callbacks=[tf.keras.callbacks.BackupAndRestore(backup_dir)])
    return model


def _is_chief(model: tf.keras.Model) -> bool:
    resolver = getattr(model.distribute_strategy, "cluster_resolver", None)
    if resolver is None or resolver.task_type is None:
        return True  # not in a cluster: this process is all there is
    if "chief" in resolver.cluster_spec().as_dict():
        return resolver.task_type == "chief"
    return resolver.task_type == "worker" and resolver.task_id == 0


def export(model: tf.keras.Model, export_dir: str) -> None:
    """Runs on every worker after training: the chief, and only the chief, writes `model` to
    `export_dir` as a SavedModel (what TensorFlow Serving and Chapter 3 load)."""
    if _is_chief(model):
        model.save(export_dir)
        return
    # Every worker saves (saving may need the others' part of a collective); the others
    # write to a temporary folder of their own and remove it.
    scratch = tempfile.mkdtemp(prefix="kata-export-")
    try:
        model.save(scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def predict_saved(export_dir: str, x: np.ndarray) -> np.ndarray:
    """In a fresh process, from the SavedModel alone: the predicted digit for each row of `x`."""
    serve = tf.saved_model.load(export_dir).signatures["serving_default"]
    (logits,) = serve(tf.constant(x, tf.float32)).values()
    return np.argmax(logits.numpy(), axis=1)
