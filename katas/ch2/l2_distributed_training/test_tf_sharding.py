"""Kata 2.2.9: distributed by MultiWorkerMirroredStrategy, the learner's dataset gives each worker its
own part of every epoch: no id seen twice, none missed, the parts about equal, and shuffled.

The ids are in 3 text files of very different sizes (48, 6 and 18 ids): as a real dataset's
parts often are. Each test starts 2 workers (the `tf_workers` fixture).
"""

import pytest

from fixtures import lesson_module

GLOBAL_BATCH, SEED, EPOCHS, WORKERS = 8, 11, 2, 2
SIZES = [48, 6, 18]


def _ids_seen(files):
    """Runs in each worker: the ids this worker's replica got, per epoch, in order."""
    import tensorflow as tf

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    dataset = lesson_module(__file__, "tf_sharding").worker_dataset(files, GLOBAL_BATCH, SEED)
    distributed = strategy.experimental_distribute_dataset(dataset)
    epochs = []
    for _ in range(EPOCHS):
        seen = []
        for batch in distributed:
            for part in strategy.experimental_local_results(batch):
                seen += part.numpy().tolist()
        epochs.append(seen)
    return epochs


@pytest.fixture
def files(tmp_path):
    paths, first = [], 0
    for i, size in enumerate(SIZES):
        path = tmp_path / f"part-{i}.txt"
        path.write_text("".join(f"{first + k}\n" for k in range(size)))
        paths.append(str(path))
        first += size
    return paths


def test_each_worker_sees_its_own_part_of_every_epoch(tf_workers, files):
    run = tf_workers.cluster(_ids_seen, (files,), workers=WORKERS)
    total = sum(SIZES)
    for epoch in range(EPOCHS):
        parts = [worker_epochs[epoch] for worker_epochs in run.values]
        sizes = [len(part) for part in parts]
        everything = [i for part in parts for i in part]
        twice = sorted({i for i in everything if everything.count(i) > 1})
        assert not twice, (
            f"epoch {epoch}: ids {twice[:8]}{'...' if len(twice) > 8 else ''} reached more than one worker "
            f"(workers saw {sizes} ids of {total}). Each worker must see its own part: is the data sharded "
            "(AutoShardPolicy), and does every worker shuffle in the same order?")
        missed = sorted(set(range(total)) - set(everything))
        assert not missed, (
            f"epoch {epoch}: ids {missed[:8]}{'...' if len(missed) > 8 else ''} reached no worker "
            f"(workers saw {sizes} ids of {total})")
        assert max(sizes) - min(sizes) <= GLOBAL_BATCH // WORKERS, (
            f"epoch {epoch}: the workers saw {sizes} ids. Sharded by FILE (the AUTO policy's choice for files), "
            f"a worker reads whole files: with files of {SIZES} ids one worker does most of the work, and in "
            "training the other waits for it at every step (or runs out of batches first)")


def test_every_epoch_is_shuffled_the_same_way_on_every_worker(tf_workers, files):
    run = tf_workers.cluster(_ids_seen, (files,), workers=WORKERS)
    for worker, epochs in enumerate(run.values):
        assert epochs[0] != sorted(epochs[0]), (
            f"worker {worker} got its ids in file order {epochs[0][:8]}...: shuffle them (with the seed)")
        assert epochs[0] != epochs[1], (
            f"worker {worker} got the same order in epoch 0 and epoch 1: a shuffle should differ per epoch "
            "(Dataset.shuffle does so by default)")
