"""Kata 2.2.8: the learner's TF_CONFIG starts a real MultiWorkerMirroredStrategy cluster: every
worker knows all the others and its own place, and after training their weights agree.

The first test reads the JSON in this process; the others start the workers (the
`tf_workers` fixture) each with TF_CONFIG = tf_config(addresses, its index).
"""

import json

import numpy as np
import pytest

from fixtures import lesson_module
from fixtures.data.digits import digit_arrays

tf_config = lesson_module(__file__, "tf_config")

ADDRESSES = ["10.0.0.1:2222", "10.0.0.2:2222", "10.0.0.3:2222"]


def test_config_names_every_worker_once_and_this_one_by_its_address():
    for index, address in enumerate(ADDRESSES):
        text = tf_config.tf_config(list(ADDRESSES), index)
        assert isinstance(text, str), (
            f"tf_config(addresses, {index}) returned {type(text).__name__}; TF_CONFIG is an environment "
            "variable, so it is a string: json.dumps(...) of the config")
        try:
            config = json.loads(text)
        except ValueError as err:
            pytest.fail(f"tf_config(addresses, {index}) returned {text[:80]!r}, which is not JSON: {err}")
        cluster, task = config.get("cluster"), config.get("task")
        assert isinstance(cluster, dict) and isinstance(task, dict), (
            f"tf_config(addresses, {index}) gave {config}; expected an object with a 'cluster' "
            "(task type -> list of addresses) and a 'task' (its type and index)")
        listed = [a for tasks in cluster.values() for a in tasks]
        assert sorted(listed) == sorted(ADDRESSES), (
            f"tf_config(addresses, {index}): the cluster lists {listed}; expected every one of {ADDRESSES} exactly once")
        kind, position = task.get("type"), task.get("index")
        assert kind in cluster and isinstance(position, int) and 0 <= position < len(cluster[kind]), (
            f"tf_config(addresses, {index}): task {task} is not a place in the cluster {cluster}")
        assert cluster[kind][position] == address, (
            f"tf_config(addresses, {index}) says this process is {kind} {position}, at {cluster[kind][position]}; "
            f"it is the one at addresses[{index}] = {address}")


def _train():
    """Runs in each worker: a few steps of MultiWorkerMirroredStrategy training; what it agreed on."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    x, y = digit_arrays(256)
    with strategy.scope():
        tf.keras.utils.set_random_seed(0)
        model = tf.keras.Sequential([tf.keras.layers.Input((64,)), tf.keras.layers.Dense(10)])
        model.compile(tf.keras.optimizers.SGD(0.1), tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(32), epochs=2, verbose=0)
    resolver = strategy.cluster_resolver
    return strategy.num_replicas_in_sync, (resolver.task_type, resolver.task_id), model.get_weights()


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_started_with_it_train_as_one_cluster(tf_workers, workers):
    run = tf_workers.cluster(_train, workers=workers, tf_config=tf_config.tf_config)
    replicas = [value[0] for value in run.values]
    assert replicas == [workers] * workers, (
        f"with TF_CONFIG from tf_config(), each of the {workers} workers saw {replicas} replicas in the cluster; "
        f"expected {workers} everywhere: a worker that lists only itself trains alone")
    tasks = [value[1] for value in run.values]
    assert len(set(tasks)) == workers, f"two workers believed they were the same task: {tasks}"
    first = run.values[0][2]
    for index, (_, _, weights) in enumerate(run.values[1:], start=1):
        worst = max(float(np.abs(a - b).max()) for a, b in zip(weights, first))
        assert worst < 1e-5, (
            f"after training, worker {index}'s weights differ from worker 0's by up to {worst:.3g}: "
            "the workers did not all-reduce their gradients with each other")
