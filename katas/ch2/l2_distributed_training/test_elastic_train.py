"""Kata 2.2.6: torchrun restarts the workers after one is killed, and training resumes from the checkpoint.

The test runs your script under `torchrun --standalone --nproc-per-node=2 --max-restarts=2`,
through an entry point that counts the samples each worker's DDP model sees and the files
it saves and, in the
crash test, kills rank 1 with SIGKILL as it starts epoch 3.
"""

import pytest
import torch
from torch import nn

from fixtures import lesson_module
from fixtures.data.digits import digits
from fixtures.engines.torchdist.elastic import run_torchrun, worker_errors

elastic_train = lesson_module(__file__, "elastic_train")

SAMPLES, EPOCHS, RANKS, CRASH_EPOCH = 512, 6, 2, 3
SHARE = SAMPLES // RANKS  # samples a rank's model sees per epoch


def _one_process(X, y):
    model = elastic_train.make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=elastic_train.LR, momentum=elastic_train.MOMENTUM)
    batch = elastic_train.GLOBAL_BATCH
    for _ in range(EPOCHS):
        for begin in range(0, len(X), batch):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(X[begin:begin + batch]), y[begin:begin + batch]).backward()
            optimizer.step()
    return model.state_dict()


@pytest.fixture(scope="module")
def reference():
    X, y = digits(SAMPLES)
    return X, y, _one_process(X, y)


def _run(tmp_path, X, y, crash):
    torch.save((X, y), tmp_path / "data.pt")
    args = ["--data", str(tmp_path / "data.pt"), "--checkpoint", str(tmp_path / "ckpt.pt"),
            "--out", str(tmp_path / "model.pt"), "--epochs", str(EPOCHS)]
    code, log, observed = run_torchrun(elastic_train.__name__, args, tmp_path, nproc=RANKS, crash=crash)
    assert code == 0, (f"torchrun exited with {code}: the job did not finish. The workers said:\n  "
                       + "\n  ".join(worker_errors(log)) + f"\n  (whole log: {log})")
    assert (tmp_path / "model.pt").exists(), "the job finished but rank 0 did not save the model to --out"
    return torch.load(tmp_path / "model.pt"), observed


def _assert_weights(state, want, what):
    assert set(state) == set(want), f"{what}: --out holds keys {sorted(state)[:4]}...; expected the model's {sorted(want)[:4]}..."
    for key in want:
        assert torch.allclose(state[key], want[key], rtol=1e-4, atol=1e-5), (
            f"{what}: the saved {key} differs from one process trained on the same global batches by up to "
            f"{(state[key] - want[key]).abs().max().item():.3g}")


def test_the_script_trains_data_parallel_under_torchrun(reference, tmp_path):
    X, y, want = reference
    state, observed = _run(tmp_path, X, y, crash=None)
    _assert_weights(state, want, "an uninterrupted run")
    saves = {o["rank"]: o["saves"] for o in observed}
    assert saves[0] > 0 and all(n == 0 for rank, n in saves.items() if rank != 0), (
        f"torch.save calls by rank: {saves}; rank 0 writes the checkpoints and the model, the other ranks "
        "only wait (identical replicas writing one file race each other)")
    seen = {o["rank"]: o["samples"] for o in observed}
    assert seen == {r: EPOCHS * SHARE for r in range(RANKS)}, (
        f"samples each rank's DDP model saw: {seen}; in {EPOCHS} epochs of {SAMPLES} on {RANKS} ranks each sees "
        f"{EPOCHS * SHARE} (its part of every global batch)")


def test_a_killed_worker_is_restarted_and_training_resumes_from_the_checkpoint(reference, tmp_path):
    X, y, want = reference
    state, observed = _run(tmp_path, X, y, crash=(1, CRASH_EPOCH * SHARE))
    restarted = [o for o in observed if o["restart"] >= 1]
    assert sorted(o["rank"] for o in restarted) == list(range(RANKS)), (
        f"rank 1 was killed in epoch {CRASH_EPOCH}, but torchrun's restarted workers that finished were {restarted}")
    for o in restarted:
        redo = o["samples"] // SHARE
        assert o["samples"] == (EPOCHS - CRASH_EPOCH) * SHARE, (
            f"after the restart, rank {o['rank']}'s model saw {o['samples']} samples ({redo} epochs' worth); "
            f"resuming from the checkpoint of epoch {CRASH_EPOCH - 1} leaves {EPOCHS - CRASH_EPOCH} epochs to run "
            "(did it start over instead of loading the checkpoint?)")
    _assert_weights(state, want, f"a run whose rank 1 was killed in epoch {CRASH_EPOCH}")
