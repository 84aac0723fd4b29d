"""Kata 2.2.9: each worker its own part of the data, when the data is a few files of uneven size.

The dataset you return is given to MultiWorkerMirroredStrategy's
`experimental_distribute_dataset` on every worker. By default (AutoShardPolicy.AUTO) it then
shards by FILE: each worker reads whole files. Whether that is what you want depends on the files.
"""

from __future__ import annotations

import tensorflow as tf


def worker_dataset(files: list[str], global_batch: int, seed: int) -> tf.data.Dataset:
    """The integer ids in `files` (text files, one id a line), shuffled with `seed`, in batches of
    `global_batch`, such that each worker of the cluster sees its own part of every epoch: every id
    exactly once across the workers, and about as many ids on each worker."""
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    ids = tf.data.TextLineDataset(files).map(lambda line: tf.strings.to_number(line, tf.int64))
    # DATA sharding: every worker reads everything and keeps every n-th element, so every
    # worker must produce the same order: the same seed on all of them.
    return ids.shuffle(1024, seed=seed).batch(global_batch).with_options(options)
