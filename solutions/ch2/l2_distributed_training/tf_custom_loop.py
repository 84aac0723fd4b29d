"""Kata 2.2.10: a custom training loop under a strategy: strategy.run on every replica, strategy.reduce after.

`model` and `optimizer` were created inside `strategy.scope()`; `dataset` is a
tf.data.Dataset of (x, y) batches of `global_batch` rows (logits out, integer labels).
"""

from __future__ import annotations

import tensorflow as tf


def train_custom(strategy: tf.distribute.Strategy, model: tf.keras.Model, optimizer: tf.keras.optimizers.Optimizer,
                 dataset: tf.data.Dataset, global_batch: int, epochs: int) -> list[float]:
    """Train with sparse categorical cross-entropy on logits, one optimizer step per global batch,
    the step `fit` would take; return each epoch's loss: the mean over its steps of the global batch's mean loss."""
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=tf.keras.losses.Reduction.NONE)
    distributed = strategy.experimental_distribute_dataset(dataset)

    def replica_step(x, y):
        with tf.GradientTape() as tape:
            # Divide by the GLOBAL batch: the replicas' gradients are summed when applied.
            loss = tf.nn.compute_average_loss(loss_fn(y, model(x, training=True)), global_batch_size=global_batch)
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    @tf.function
    def step(batch):
        per_replica = strategy.run(replica_step, args=batch)
        return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica, axis=None)

    losses = []
    for _ in range(epochs):
        total, steps = 0.0, 0
        for batch in distributed:
            total += float(step(batch))
            steps += 1
        losses.append(total / steps)
    return losses
