"""Kata 2.2.7: under MirroredStrategy the input pipeline makes GLOBAL batches, the variables are
mirrored, and training on 2 replicas takes the steps one device takes on the same global batches.

Each test runs a function of this file in a fresh TensorFlow process with 2 logical CPU
devices (the `tf_workers` fixture); TensorFlow is imported there, never in the test process.
"""

import numpy as np

from fixtures import lesson_module
from fixtures.data.digits import digit_arrays

PER_REPLICA, SEED, EPOCHS, SAMPLES = 8, 5, 2, 512  # 512 rows: whole global batches only


def _kata():
    return lesson_module(__file__, "tf_mirrored")


def _mirrored(devices=2):
    import tensorflow as tf

    return tf.distribute.MirroredStrategy([f"/cpu:{i}" for i in range(devices)])


def _batch_sizes():
    kata = _kata()
    one = _mirrored(devices=1)
    return kata.global_batch_size(_mirrored(), PER_REPLICA), kata.global_batch_size(one, PER_REPLICA)


def _replica_shapes(x, y):
    """The rows each replica gets from the first batch of make_dataset, through the strategy."""
    import tensorflow as tf

    strategy = _mirrored()
    dataset = _kata().make_dataset(x, y, strategy, PER_REPLICA)
    if not isinstance(dataset, tf.distribute.DistributedDataset):
        dataset = strategy.experimental_distribute_dataset(dataset)
    features, _ = next(iter(dataset))
    return [int(part.shape[0]) for part in strategy.experimental_local_results(features)]


def _mirrored_variables():
    strategy = _mirrored()
    model = _kata().build_model(strategy, SEED)
    outside = [v.name for v in model.trainable_variables if not strategy.extended.variable_created_in_scope(v)]
    return len(model.trainable_variables), outside, model.optimizer is not None, model.compiled_loss is not None


def _train_both(x, y):
    """Two replicas (the learner's pipeline and model) against one device (the test's), same global batches."""
    import tensorflow as tf

    kata = _kata()
    strategy = _mirrored()
    model = kata.build_model(strategy, SEED)
    history = model.fit(kata.make_dataset(x, y, strategy, PER_REPLICA), epochs=EPOCHS, verbose=0)

    reference = kata.make_model(SEED)
    reference.compile(optimizer=tf.keras.optimizers.SGD(kata.LEARNING_RATE),
                      loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    global_batch = PER_REPLICA * 2
    reference_history = reference.fit(x, y, batch_size=global_batch, epochs=EPOCHS, shuffle=False, verbose=0)
    return ([w.copy() for w in model.get_weights()], [w.copy() for w in reference.get_weights()],
            history.history["loss"], reference_history.history["loss"])


def test_global_batch_is_per_replica_times_replicas(tf_workers):
    two, one = tf_workers.local(_batch_sizes)
    assert (two, one) == (2 * PER_REPLICA, PER_REPLICA), (
        f"global_batch_size(strategy, {PER_REPLICA}) returned {two} with 2 replicas and {one} with 1; expected "
        f"{2 * PER_REPLICA} and {PER_REPLICA}: the per-replica size times strategy.num_replicas_in_sync")


def test_each_replica_gets_the_per_replica_batch(tf_workers):
    x, y = digit_arrays(64)
    shapes = tf_workers.local(_replica_shapes, (x, y))
    assert shapes == [PER_REPLICA, PER_REPLICA], (
        f"the first batch of make_dataset(..., per_replica_batch={PER_REPLICA}) reached the 2 replicas as {shapes} rows; "
        f"expected {[PER_REPLICA, PER_REPLICA]}. The strategy splits each batch between the replicas, so the "
        "dataset must be batched by the GLOBAL size (per-replica size x replicas)")


def test_model_variables_are_mirrored(tf_workers):
    count, outside, has_optimizer, has_loss = tf_workers.local(_mirrored_variables)
    assert count > 0 and not outside, (
        f"build_model() made {len(outside)} of its {count} variables outside strategy.scope() ({', '.join(outside[:3])}): "
        "create the model (make_model) inside `with strategy.scope():`, so every replica has a copy kept in sync")
    assert has_optimizer and has_loss, "build_model() returned a model that is not compiled: call model.compile(...) in the scope"


def test_two_replicas_train_like_one_device_on_the_global_batch(tf_workers):
    x, y = digit_arrays(SAMPLES)
    weights, reference, losses, reference_losses = tf_workers.local(_train_both, (x, y))
    assert len(weights) == len(reference)
    worst = max(float(np.abs(a - b).max()) for a, b in zip(weights, reference))
    assert worst < 1e-4, (
        f"after {EPOCHS} epochs on 2 replicas, the weights differ from one device trained on batches of "
        f"{2 * PER_REPLICA} by up to {worst:.3g} (losses per epoch {np.round(losses, 4).tolist()} vs "
        f"{np.round(reference_losses, 4).tolist()}). Each step must see one global batch of "
        f"{2 * PER_REPLICA} rows, in order, with SGD(LEARNING_RATE)")
    assert np.allclose(losses, reference_losses, rtol=1e-4), (
        f"fit's loss per epoch was {losses}; one device on the same batches: {reference_losses}")

