"""The TensorFlow launcher: one process or a cluster, results and Keras events back, failures named
by task, a stop mid-training on cue, nothing left running."""

from __future__ import annotations

import json
import os
import time

import psutil
import pytest

from fixtures.course.errors import KataNotImplemented, KataRankFailure


def _devices_and_keras():
    import tensorflow as tf

    return len(tf.config.list_logical_devices("CPU")), tf.keras.__name__, "TF_CONFIG" in os.environ


def _cluster_view():
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    value = strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)
    resolver = strategy.cluster_resolver
    return strategy.num_replicas_in_sync, float(value), resolver.task_type, resolver.task_id


def _fit(epochs, folder):
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        model = tf.keras.Sequential([tf.keras.layers.Input((4,)), tf.keras.layers.Dense(1)])
        model.compile("sgd", "mse")
    data = tf.data.Dataset.from_tensor_slices((tf.ones((64, 4)), tf.ones((64, 1)))).batch(16)
    model.fit(data, epochs=epochs, verbose=0)
    model.save(folder if strategy.cluster_resolver.task_id == 0 else f"{folder}-{strategy.cluster_resolver.task_id}")
    return "done"


def _raises_on_worker_1():
    from fixtures.engines.tfdist.worker import task

    if task()[1] == 1:
        raise ValueError("no data for worker 1")
    return "ok"


def _exits_on_worker_0():
    from fixtures.engines.tfdist.worker import task

    if task()[1] == 0:
        os._exit(3)
    return "ok"


def _loops_on_worker_1():
    from fixtures.engines.tfdist.worker import task

    while task()[1] == 1:
        pass
    return "ok"


def _waits_for_a_peer_that_returned():
    import tensorflow as tf

    from fixtures.engines.tfdist.worker import task

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    if task()[1] == 0:
        strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)
    return "ok"


def _stub():
    from fixtures.course.errors import KataNotImplemented

    raise KataNotImplemented("2.2.8")


def _workers_alive() -> list[psutil.Process]:
    """Workers are children of the TensorFlow fork server."""
    from fixtures.engines.tfdist import forkserver

    pid = forkserver._server._forkserver_pid
    return [p for p in psutil.Process(pid).children() if p.status() != psutil.STATUS_ZOMBIE] if pid else []


def test_a_local_process_has_the_logical_devices_and_keras_2(tf_workers):
    assert tf_workers.local(_devices_and_keras, devices=3) == (3, "tf_keras.api._v2.keras", False)


def test_a_cluster_forms_from_the_tf_config_it_is_given(tf_workers):
    run = tf_workers.cluster(_cluster_view, workers=2)
    assert run.values == [(2, 2.0, "worker", 0), (2, 2.0, "worker", 1)]
    assert run.names == ["worker 0", "worker 1"]
    print(f"a 2-worker cluster formed, reduced and returned in {run.seconds:.2f} s")


def test_a_learners_tf_config_that_is_not_a_string_is_refused_before_any_start(tf_workers):
    with pytest.raises(TypeError, match="TF_CONFIG is an environment variable: a JSON string"):
        tf_workers.cluster(_cluster_view, tf_config=lambda addresses, index: {"cluster": {"worker": addresses}})


def test_epochs_and_saves_come_back_as_events(tf_workers, tmp_path):
    run = tf_workers.cluster(_fit, (3, str(tmp_path / "model")), workers=2)
    assert run.values == ["done", "done"]
    assert run.epochs(0) == run.epochs(1) == [0, 1, 2]
    assert run.saved(0) == [str(tmp_path / "model")] and run.saved(1) == [str(tmp_path / "model-1")]


def test_kill_takes_one_worker_once_the_chief_ended_that_epoch(tf_workers, tmp_path, tf_forkserver):
    run = tf_workers.cluster(_fit, (50, str(tmp_path / "model")), workers=2, kill=(1, 1))
    assert run.killed and run.values == [None, None]
    assert run.epochs(0)[:2] == [0, 1] and len(run.epochs(0)) < 50
    # The survivor's end is TensorFlow's business (an error within seconds, or the grace period).
    assert len(run.aftermath) == 1 and run.aftermath[0].startswith("worker 0: "), run.aftermath
    print(run.aftermath)
    assert not _workers_alive()


def test_an_exception_comes_back_with_the_task_that_raised_it(tf_workers):
    with pytest.raises(KataRankFailure) as failure:
        tf_workers.cluster(_raises_on_worker_1, workers=2)
    text = str(failure.value)
    assert text.startswith("worker 1 raised ValueError: no data for worker 1"), text
    assert "tests/test_tfdist.py:" in text and "in _raises_on_worker_1()" in text, text
    assert failure.value.member == "worker" and os.path.isdir(failure.value.logs)


def test_a_worker_that_exits_is_named(tf_workers):
    with pytest.raises(KataRankFailure) as failure:
        tf_workers.cluster(_exits_on_worker_0, workers=2)
    assert str(failure.value).startswith("worker 0 exited with code 3"), str(failure.value)


def test_a_worker_that_loops_is_stopped_at_the_limit_with_its_stack(tf_workers, tf_forkserver):
    started = time.monotonic()
    with pytest.raises(KataRankFailure) as failure:
        tf_workers.cluster(_loops_on_worker_1, workers=2, limit=5)
    text = str(failure.value)
    assert text.startswith("worker 1 still running after 5 s, and stopped while the others had returned"), text
    assert "in _loops_on_worker_1()" in text, text
    assert time.monotonic() - started < 15
    assert not _workers_alive()


def test_a_collective_one_worker_never_makes_is_stopped_at_the_limit(tf_workers):
    with pytest.raises(KataRankFailure) as failure:
        tf_workers.cluster(_waits_for_a_peer_that_returned, workers=2, limit=8)
    text = str(failure.value)
    print(text)
    assert text.startswith("worker 0 still running after 8 s"), text
    assert "in _waits_for_a_peer_that_returned()" in text, text


def test_a_stub_in_the_workers_is_not_implemented_not_a_cluster_failure(tf_workers):
    with pytest.raises(KataNotImplemented) as raised:
        tf_workers.cluster(_stub, workers=2)
    assert raised.value.kata_id == "2.2.8"


def test_tensorflow_is_never_imported_into_the_test_process():
    import sys

    assert "tensorflow" not in sys.modules, "something imported TensorFlow into the pytest process"


def test_a_tf_config_names_the_worker(tf_workers):
    def config(addresses, index):
        return json.dumps({"cluster": {"chief": addresses[:1], "worker": addresses[1:]},
                           "task": {"type": "chief", "index": 0} if index == 0 else {"type": "worker", "index": index - 1}})

    with pytest.raises(KataRankFailure) as failure:
        tf_workers.cluster(_raises_on_worker_1, workers=3, tf_config=config)
    text = str(failure.value)
    # The third process is task ("worker", 1): it raised, and it is named by its task.
    assert text.startswith("worker 1 raised ValueError: no data for worker 1"), text
    assert "\n  chief 0: " in text and "\n  worker 0: " in text, text
