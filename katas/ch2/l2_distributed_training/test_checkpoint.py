"""Kata 2.2.5: rank 0 writes, every rank waits, and a resumed run ends where an uninterrupted one does."""

from pathlib import Path

import pytest
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from fixtures import lesson_module
from fixtures.data.digits import digits

checkpoint = lesson_module(__file__, "checkpoint")

SAMPLES, GLOBAL_BATCH, LR, MOMENTUM, EPOCHS = 256, 64, 0.2, 0.9, 4
SLOW_WRITE = 0.5  # seconds rank 0's write is held back (in one test), so a rank that does not wait for it shows


def _model(seed):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def _train(rank, world_size, X, y, path, epochs_now, seed, slow_write=0.0):
    """In each rank: build, load the checkpoint, run up to `epochs_now` epochs, saving after each.
    Momentum makes the optimizer's state matter: a resume without it takes other steps."""
    import time

    saves, early, in_place = [], [], []
    real_save = torch.save

    def observed_save(obj, f, *args, **kwargs):
        saves.append(rank)
        if isinstance(f, (str, Path)) and Path(f).resolve() == Path(path).resolve():
            in_place.append(str(f))
        time.sleep(slow_write)
        real_save(obj, f, *args, **kwargs)
        Path(f"{path}.written-{len(saves)}").touch()  # what the other ranks may wait for

    torch.save = observed_save
    for name, value in list(vars(checkpoint).items()):  # `from torch import save` too
        if value is real_save:
            setattr(checkpoint, name, observed_save)
    try:
        model = DistributedDataParallel(_model(seed))
        optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
        start = checkpoint.load_checkpoint(model, optimizer, path)
        for done, epoch in enumerate(range(start, min(EPOCHS, start + epochs_now)), start=1):
            for begin in range(0, len(X), GLOBAL_BATCH):
                xb = X[begin:begin + GLOBAL_BATCH].tensor_split(world_size)[rank]
                yb = y[begin:begin + GLOBAL_BATCH].tensor_split(world_size)[rank]
                optimizer.zero_grad()
                nn.functional.cross_entropy(model(xb), yb).backward()
                optimizer.step()
            checkpoint.save_checkpoint(model, optimizer, epoch, path)
            if not Path(f"{path}.written-{done}").exists():
                early.append(epoch)
        dist.barrier()
    finally:
        torch.save = real_save  # pickling the result back to the test uses torch.save too
    return {k: v.detach().clone() for k, v in model.module.state_dict().items()}, start, list(saves), early, in_place


@pytest.fixture(scope="module")
def data():
    return digits(SAMPLES)


def _states_equal(a, b):
    return set(a) == set(b) and all(torch.allclose(a[k], b[k], rtol=1e-5, atol=1e-6) for k in a)


def test_a_resumed_run_ends_where_an_uninterrupted_run_does(process_group, data, tmp_path):
    X, y = data
    whole = process_group.run(_train, 2, args=(X, y, str(tmp_path / "whole.pt"), EPOCHS, 1))
    path = str(tmp_path / "resumed.pt")
    first = process_group.run(_train, 2, args=(X, y, path, 2, 1))  # 2 epochs, then the job "dies"
    # The new job's model starts from other weights: only the checkpoint can bring it back.
    resumed = process_group.run(_train, 2, args=(X, y, path, EPOCHS, 99))
    assert [r[1] for r in first] == [0, 0], f"load_checkpoint with no file returned {[r[1] for r in first]}; expected 0"
    assert [r[1] for r in resumed] == [2, 2], (
        f"after epochs 0 and 1 were saved, load_checkpoint returned {[r[1] for r in resumed]} on ranks 0 and 1; "
        "expected 2 (the saved epoch + 1)")
    for rank in range(2):
        assert _states_equal(resumed[rank][0], whole[rank][0]), (
            f"rank {rank}: the run resumed after epoch 1 ended with other weights than the uninterrupted run: "
            "is the optimizer's state (its momentum) saved and loaded too?")


def test_only_rank_zero_writes_whole_files_and_no_rank_goes_on_before(process_group, data, tmp_path):
    X, y = data
    results = process_group.run(_train, 2, args=(X, y, str(tmp_path / "ckpt.pt"), 2, 1, SLOW_WRITE))
    for rank, (_, _, saves, early, in_place) in enumerate(results):
        assert saves == ([0, 0] if rank == 0 else []), (
            f"rank {rank} called torch.save {len(saves)} times in 2 epochs; only rank 0 writes, once per epoch")
        assert not early, (
            f"rank {rank} returned from save_checkpoint after epoch(s) {early} before the checkpoint was complete: "
            "every rank must wait for rank 0's write (dist.barrier())")
        assert not in_place, (
            f"rank {rank} wrote the checkpoint straight to {in_place[0]}: a crash in the middle of that write leaves "
            "a broken file and no checkpoint; write to a temporary name, then os.replace() it")
