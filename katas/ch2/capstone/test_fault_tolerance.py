"""Kata 2.c.2: training on a 2-worker MultiWorkerMirroredStrategy cluster reaches the bar; and when a
worker is lost mid-training, the cluster started again resumes from its backup, not from scratch.

The `tf_workers` fixture starts each worker with its TF_CONFIG and reports which epochs Keras
ran on each. The loss is real: worker 1 is killed (SIGKILL) once the chief has finished epoch
KILL_AFTER, the chief fails when its next collective finds worker 1 gone, and, as a cluster
manager would, the test starts every worker again with the same arguments.
"""

import numpy as np
import pytest

from fixtures import lesson_module
from fixtures.data.digits import digits_split

ACCURACY_BAR = 0.9
EPOCHS = 10
KILL_AFTER = 2  # the chief's epoch after which worker 1 is lost


def _train_and_score(x, y, x_test, y_test, backup_dir, epochs):
    """Runs in each worker: the learner's training, then what the trained model really does."""
    model = lesson_module(__file__, "distributed_keras").train(x, y, backup_dir, epochs)
    predicted = np.argmax(model.predict(x_test, verbose=0), axis=1)
    return float((predicted == y_test).mean()), [w.copy() for w in model.get_weights()]


@pytest.fixture
def data():
    return digits_split()


def _check_trained(run):
    for worker, (accuracy, _) in enumerate(run.values):
        assert accuracy >= ACCURACY_BAR, (
            f"after training on 2 workers, worker {worker}'s model scored {accuracy:.3f} on held-out digits; "
            f"the bar is {ACCURACY_BAR}")
    first = run.values[0][1]
    worst = max(float(np.abs(a - b).max()) for a, b in zip(run.values[1][1], first))
    assert worst < 1e-4, (
        f"the 2 workers ended with weights differing by up to {worst:.3g}: they did not train as one "
        "(MultiWorkerMirroredStrategy, model built in its scope)")


def test_two_workers_train_to_the_bar(tf_workers, data, tmp_path):
    x, y, x_test, y_test = data
    epochs = EPOCHS
    run = tf_workers.cluster(_train_and_score, (x, y, x_test, y_test, str(tmp_path / "backup"), epochs), workers=2)
    for worker in range(2):
        assert run.epochs(worker) == list(range(epochs)), (
            f"worker {worker} ran Keras epochs {run.epochs(worker)}; expected 0 to {epochs - 1}, once each")
    _check_trained(run)


def test_after_a_lost_worker_the_cluster_resumes_from_its_backup(tf_workers, data, tmp_path):
    x, y, x_test, y_test = data
    epochs, backup = EPOCHS, str(tmp_path / "backup")
    args = (x, y, x_test, y_test, backup, epochs)
    # grace: TensorFlow aborts the chief 6 to 8 s after worker 1 stops sending heartbeats
    # (UnavailableError: tasks are unhealthy); it is left to end that way, as it would on a cluster.
    lost = tf_workers.cluster(_train_and_score, args, workers=2, kill=(1, KILL_AFTER), grace=15)
    assert lost.killed, (
        f"the chief never finished epoch {KILL_AFTER} (it ran epochs {lost.epochs(0)}), so the test could not "
        "kill a worker mid-training: does train() call fit for the epochs it is given?")
    again = tf_workers.cluster(_train_and_score, args, workers=2)
    resumed = again.epochs(0)
    assert resumed and resumed[0] > 0, (
        f"the restarted cluster ran epochs {resumed}: it started again from epoch 0, though the first one had "
        f"finished epochs 0 to {KILL_AFTER}. Back up the training state (tf.keras.callbacks.BackupAndRestore, "
        "the same folder on every worker) so a restart resumes")
    assert resumed[0] <= KILL_AFTER + 1 and resumed == list(range(resumed[0], epochs)), (
        f"the restarted cluster ran epochs {resumed}; the first run had finished epoch {KILL_AFTER}, so it should "
        f"resume at {KILL_AFTER + 1} (or earlier) and go on to {epochs - 1}")
    _check_trained(again)
