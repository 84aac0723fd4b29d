"""Kata 2.c.1: the model and its input pipeline: global batches, shuffled the same way on every
worker, each worker its own part; and an architecture that learns digits to the bar.

The pipeline is checked on a real 2-worker cluster (the `tf_workers` fixture); the model is
trained on 2 replicas in one process (MirroredStrategy), measured on digits it never saw.
"""

import itertools

import numpy as np

from fixtures import lesson_module
from fixtures.data.digits import digits_split

ACCURACY_BAR = 0.9  # held-out digits; always answering the commonest digit scores about 0.1
BATCH, SEED, ROWS = 16, 3, 160


def _kata():
    return lesson_module(__file__, "distributed_keras")


def _rows_seen(ids):
    """Runs in each worker: which rows (row i is filled with the value i) its replica got, per batch."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    x = np.repeat(ids[:, None], 64, axis=1).astype("float32")
    dataset = _kata().make_dataset(x, ids % 10, BATCH, SEED)
    seen = []
    # One epoch's steps, whether the dataset ends there or repeats (fit with steps_per_epoch).
    steps = itertools.islice(strategy.experimental_distribute_dataset(dataset), ROWS // BATCH)
    for features, _ in steps:
        for part in strategy.experimental_local_results(features):
            seen.append(part.numpy()[:, 0].astype(int).tolist())
    return seen


def _train_and_score(x, y, x_test, y_test):
    import tensorflow as tf

    kata = _kata()
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        model = kata.build_model()
    model.fit(kata.make_dataset(x, y, kata.GLOBAL_BATCH, SEED), epochs=kata.EPOCHS, verbose=0)
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    return float((predicted == y_test).mean())


def test_pipeline_gives_each_worker_its_own_shuffled_part(tf_workers):
    ids = np.arange(ROWS)
    run = tf_workers.cluster(_rows_seen, (ids,), workers=2)
    parts = [[i for batch in batches for i in batch] for batches in run.values]
    together = parts[0] + parts[1]
    assert sorted(set(parts[0]) & set(parts[1])) == [], (
        f"rows {sorted(set(parts[0]) & set(parts[1]))[:8]} reached both workers in one epoch: shard the data "
        "(AutoShardPolicy.DATA), and shuffle with the seed so every worker has the same order to shard")
    sizes = {len(batch) for batches in run.values for batch in batches}
    assert sizes == {BATCH // 2}, (
        f"with make_dataset(..., global_batch={BATCH}) each worker's batches had {sorted(sizes)} rows; "
        f"expected {BATCH // 2} on each of 2 workers (the global batch is split between them)")
    assert sorted(together) == list(range(ROWS)), (
        f"in the {ROWS // BATCH} steps of an epoch the workers saw {len(parts[0])} and {len(parts[1])} rows, "
        f"{len(set(together))} different, of {ROWS}: every row once, across the workers")
    assert parts[0] != sorted(parts[0]), f"worker 0 got its rows in order {parts[0][:8]}...: shuffle them"


def test_model_learns_digits_to_the_bar(tf_workers):
    x, y, x_test, y_test = digits_split()
    accuracy = tf_workers.local(_train_and_score, (x, y, x_test, y_test))
    assert accuracy >= ACCURACY_BAR, (
        f"build_model() trained for EPOCHS on make_dataset's batches scored {accuracy:.3f} on {len(y_test)} "
        f"held-out digits; the bar is {ACCURACY_BAR} (a model that always answers one digit scores about 0.1). "
        "More units, a better learning rate (Adam), or more epochs?")
