"""Kata 2.c.3: after training on a 2-worker cluster, only the chief writes the model, as a SavedModel
that a fresh process loads and predicts with: the same digits the trained model predicted.

The cluster (the `tf_workers` fixture) trains a small model of the test's own, so this kata
does not depend on the others; the fixture reports every model save each worker made. It
runs twice: with TF_CONFIG listing two `worker` tasks (worker 0 is the chief), and with a
`chief` task and one `worker` (both have task index 0).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from fixtures import lesson_module
from fixtures.data.digits import digits_split


def _kata():
    return lesson_module(__file__, "distributed_keras")


def _train_and_export(x, y, x_test, export_dir):
    """Runs in each worker: a short MultiWorkerMirroredStrategy training, then the learner's export."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    with strategy.scope():
        tf.keras.utils.set_random_seed(1)
        model = tf.keras.Sequential([tf.keras.layers.Input((64,)), tf.keras.layers.Dense(10)])
        model.compile(tf.keras.optimizers.Adam(0.05), tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(64, drop_remainder=True), epochs=3, verbose=0)
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    _kata().export(model, export_dir)
    resolver = strategy.cluster_resolver
    return f"{resolver.task_type} {resolver.task_id}", predicted


def _serve(export_dir, x):
    """In a fresh process: the SavedModel's serving signature, as TensorFlow Serving would call it."""
    import tensorflow as tf

    loaded = tf.saved_model.load(export_dir)
    if "serving_default" not in loaded.signatures:
        return None
    outputs = loaded.signatures["serving_default"](tf.constant(x, tf.float32))
    (logits,) = outputs.values()
    return np.argmax(logits.numpy(), axis=1)


def _predict_saved(export_dir, x):
    return np.asarray(_kata().predict_saved(export_dir, x))


def _export_alone(x, y, export_dir):
    """In one process, no cluster (the default strategy): train briefly, export."""
    import tensorflow as tf

    model = tf.keras.Sequential([tf.keras.layers.Input((64,)), tf.keras.layers.Dense(10)])
    model.compile("adam", tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=1, verbose=0)
    _kata().export(model, export_dir)
    return (Path(export_dir) / "saved_model.pb").exists()


def _chief_and_worker(addresses, index):
    """A cluster with a `chief` task, as many training services start one: the chief is task
    ("chief", 0), the other ("worker", 0): a task index alone does not tell who is the chief."""
    task = {"type": "chief", "index": 0} if index == 0 else {"type": "worker", "index": index - 1}
    return json.dumps({"cluster": {"chief": addresses[:1], "worker": addresses[1:]}, "task": task})


@pytest.fixture(scope="module", params=["workers only", "chief and worker"])
def exported(request, tmp_path_factory, tf_forkserver):
    """One cluster for the three tests, for each shape of TF_CONFIG. What it raised is kept and
    raised again in each test, so a stub or a hang fails the tests themselves (not their setup)
    and the cluster runs once."""
    from fixtures.engines.tfdist import TFLauncher

    x, y, x_test, _ = digits_split()
    folder = tmp_path_factory.mktemp("export")
    export_dir = folder / "digits"
    try:
        # 30 s: training and export take about 3; a worker left waiting in a save the other
        # never made is stopped sooner than at the kata's budget.
        run = TFLauncher(folder / "workers").cluster(
            _train_and_export, (x, y, x_test, str(export_dir)), workers=2, limit=30,
            tf_config=_chief_and_worker if request.param == "chief and worker" else None)
    except Exception as exc:  # noqa: BLE001 - raised again by every test
        return exc
    return run, export_dir, x_test


def _result(exported):
    if isinstance(exported, Exception):
        raise exported
    return exported


def test_only_the_chief_writes_the_model(exported):
    run, export_dir, _ = _result(exported)
    chief, other = run.values[0][0], run.values[1][0]
    assert str(export_dir) in run.saved(0), (
        f"the chief ({chief}) saved a model to {run.saved(0) or 'nowhere'}; expected {export_dir}")
    assert str(export_dir) not in run.saved(1), (
        f"{other} saved to {export_dir} too: two workers writing one folder at once can leave a mix of both. "
        "Only the chief writes the export; another worker saves to a temporary folder of its own, if at all")
    left = sorted(p.name for p in export_dir.parent.iterdir() if p.name not in (export_dir.name, "workers"))
    assert not left, f"export() left {left} beside {export_dir.name}: remove a worker's temporary copy"
    assert (export_dir / "saved_model.pb").exists(), (
        f"{export_dir} holds {sorted(p.name for p in export_dir.iterdir()) if export_dir.exists() else 'nothing'}; "
        "expected a SavedModel (saved_model.pb and variables/): model.save(folder) or model.export(folder)")


def test_the_export_serves_in_a_fresh_process(exported, tf_workers):
    run, export_dir, x_test = _result(exported)
    served = tf_workers.local(_serve, (str(export_dir), x_test), devices=1)
    assert served is not None, f"{export_dir} has no serving_default signature: TensorFlow Serving could not call it"
    agree = float((served == run.values[0][1]).mean())
    assert agree == 1.0, (
        f"the SavedModel's serving signature agrees with the trained model on {agree:.1%} of held-out digits; "
        "expected all of them: is what was exported the trained model?")


def test_predict_saved_answers_from_the_export_alone(exported, tf_workers):
    run, export_dir, x_test = _result(exported)
    predicted = tf_workers.local(_predict_saved, (str(export_dir), x_test), devices=1)
    assert predicted.shape == (len(x_test),), (
        f"predict_saved(export_dir, x) returned shape {predicted.shape} for {len(x_test)} rows; expected one digit a row")
    agree = float((predicted == run.values[0][1]).mean())
    assert agree == 1.0, (
        f"predict_saved() agrees with the trained model on {agree:.1%} of held-out digits; expected all of them "
        "(the digit is the argmax of the 10 logits)")


def test_a_single_process_is_its_own_chief(tf_workers, tmp_path):
    x, y, _, _ = digits_split()
    saved = tf_workers.local(_export_alone, (x, y, str(tmp_path / "digits")), devices=1)
    assert saved, (
        "export() in a process that is not part of a cluster (no TF_CONFIG, the default strategy) wrote no "
        "SavedModel: a process alone is its own chief")
