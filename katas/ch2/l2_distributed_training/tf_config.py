"""Kata 2.2.8: TF_CONFIG, how each process of a MultiWorkerMirroredStrategy cluster learns who it is.

Every worker is started with the same list of addresses ("host:port", one per worker, in
order) and its own position in it. TensorFlow reads the cluster and the task from the
TF_CONFIG environment variable, a JSON string, when the strategy is created.
"""

from __future__ import annotations

import json

from fixtures import KataNotImplemented


def tf_config(addresses: list[str], index: int) -> str:
    """The TF_CONFIG (a JSON string) for the worker at addresses[index] in a cluster of all `addresses`."""
    raise KataNotImplemented("2.2.8")
