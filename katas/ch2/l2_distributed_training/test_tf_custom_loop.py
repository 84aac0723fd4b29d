"""Kata 2.2.10: a custom loop with strategy.run and strategy.reduce takes the steps Keras fit takes.

Both train the same model from the same weights on 2 replicas (MirroredStrategy over 2
logical CPU devices, the `tf_workers` fixture) on the same batches: the loss per epoch and
the final weights must agree.
"""

import numpy as np

from fixtures import lesson_module
from fixtures.data.digits import digit_arrays

GLOBAL_BATCH, EPOCHS, SEED, LR = 32, 2, 2, 0.1


def _model(tf):
    tf.keras.utils.set_random_seed(SEED)
    return tf.keras.Sequential([tf.keras.layers.Input((64,)), tf.keras.layers.Dense(32, activation="relu"),
                                tf.keras.layers.Dense(10)])


def _custom_and_fit(x, y):
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(GLOBAL_BATCH)
    with strategy.scope():
        model, optimizer = _model(tf), tf.keras.optimizers.SGD(LR)
    losses = lesson_module(__file__, "tf_custom_loop").train_custom(strategy, model, optimizer, dataset,
                                                                   GLOBAL_BATCH, EPOCHS)
    with strategy.scope():
        reference = _model(tf)
        reference.compile(tf.keras.optimizers.SGD(LR), tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = reference.fit(dataset, epochs=EPOCHS, verbose=0)
    return ([float(v) for v in losses] if losses is not None else None, history.history["loss"],
            model.get_weights(), reference.get_weights())


def test_custom_loop_takes_fits_steps(tf_workers):
    x, y = digit_arrays(512)
    losses, fit_losses, weights, fit_weights = tf_workers.local(_custom_and_fit, (x, y))
    assert losses is not None and len(losses) == EPOCHS, (
        f"train_custom(..., epochs={EPOCHS}) returned {losses!r}; expected one loss per epoch")
    assert np.allclose(losses, fit_losses, rtol=1e-4), (
        f"train_custom's loss per epoch was {np.round(losses, 5).tolist()}; fit's on the same batches "
        f"{np.round(fit_losses, 5).tolist()}. Each replica's loss is its share of the GLOBAL batch's mean "
        "(tf.nn.compute_average_loss with global_batch_size), and the replicas' losses add up (ReduceOp.SUM)")
    worst = max(float(np.abs(a - b).max()) for a, b in zip(weights, fit_weights))
    assert worst < 1e-4, (
        f"after {EPOCHS} epochs the weights differ from fit's by up to {worst:.3g}: the gradients are summed over "
        "the replicas when applied, so each replica's loss must be divided by the global batch size, not its own")
