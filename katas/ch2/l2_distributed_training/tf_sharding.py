"""Kata 2.2.9: each worker its own part of the data, when the data is a few files of uneven size.

The dataset you return is given to MultiWorkerMirroredStrategy's
`experimental_distribute_dataset` on every worker. By default (AutoShardPolicy.AUTO) it then
shards by FILE: each worker reads whole files. Whether that is what you want depends on the files.
"""

from __future__ import annotations

import tensorflow as tf

from fixtures import KataNotImplemented


def worker_dataset(files: list[str], global_batch: int, seed: int) -> tf.data.Dataset:
    """The integer ids in `files` (text files, one id a line), shuffled with `seed`, in batches of
    `global_batch`, such that each worker of the cluster sees its own part of every epoch: every id
    exactly once across the workers, and about as many ids on each worker."""
    raise KataNotImplemented("2.2.9")
