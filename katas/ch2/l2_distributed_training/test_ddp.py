"""Kata 2.2.4: DDP training equals one process on the global batch, on every rank, with each rank
doing its share of the work and, with accumulation, one gradient all-reduce per global batch."""

import pytest
import torch
from torch import nn

from fixtures import lesson_module
from fixtures.data.digits import digits

ddp = lesson_module(__file__, "ddp")

SAMPLES, EPOCHS, GLOBAL_BATCH, LR, SEED = 512, 2, 64, 0.5, 3
STEPS = EPOCHS * SAMPLES // GLOBAL_BATCH


def _one_process(X, y):
    """The reference: the same model and data in one process, one step per global batch."""
    model = ddp.make_model(SEED)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    for _ in range(EPOCHS):
        for start in range(0, len(X), GLOBAL_BATCH):
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(X[start:start + GLOBAL_BATCH]), y[start:start + GLOBAL_BATCH]).backward()
            optimizer.step()
    return {k: v.detach() for k, v in model.state_dict().items()}


def _train_in_rank(rank, world_size, function, X, y, extra):
    """Runs in each rank: the learner's training, with the model's inputs and DDP's gradient
    all-reduces counted (a forward pre-hook on the model, a comm hook on every DDP made)."""
    from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook
    from torch.nn.parallel import DistributedDataParallel

    seen, syncs = [0], [0]
    make_model = ddp.make_model

    def counted_model(seed):
        model = make_model(seed)
        model.register_forward_pre_hook(lambda module, args: seen.__setitem__(0, seen[0] + args[0].shape[0]))
        return model

    def counting_hook(state, bucket):
        syncs[0] += 1
        return allreduce_hook(state, bucket)

    class CountedDDP(DistributedDataParallel):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.register_comm_hook(None, counting_hook)

    import torch.nn.parallel as parallel
    ddp.make_model = counted_model
    parallel.DistributedDataParallel = CountedDDP
    for name, value in list(vars(ddp).items()):
        if value is DistributedDataParallel:
            setattr(ddp, name, CountedDDP)
    state = getattr(ddp, function)(X, y, epochs=EPOCHS, global_batch=GLOBAL_BATCH, lr=LR, seed=SEED, **extra)
    return {k: v.detach().clone() for k, v in state.items()}, seen[0], syncs[0]


@pytest.fixture(scope="module")
def data():
    X, y = digits(SAMPLES)
    return X, y, _one_process(X, y)


def _check(results, reference, function, world_size):
    for rank, (state, seen, syncs) in enumerate(results):
        assert set(state) == set(reference), (
            f"rank {rank}: {function}() returned a state_dict with keys {sorted(state)[:4]}...; expected the model's "
            f"own keys {sorted(reference)[:4]}... (model.module.state_dict(), not the DDP wrapper's)")
        for key, want in reference.items():
            assert torch.allclose(state[key], want, rtol=1e-4, atol=1e-5), (
                f"rank {rank}: {function}() ended with {key} differing from one process trained on the global batch "
                f"by up to {(state[key] - want).abs().max().item():.3g} (are gradients averaged, not summed? is each "
                "step one global batch, in order?)")
        share = EPOCHS * SAMPLES // world_size
        assert seen == share, (
            f"rank {rank} ran the model on {seen} samples; its share of {EPOCHS} epochs of {SAMPLES} samples on "
            f"{world_size} ranks is {share} (each rank computes on its part of every global batch, not all of it)")
    first = results[0][0]
    for rank, (state, *_) in enumerate(results[1:], start=1):
        for key in first:
            assert torch.equal(state[key], first[key]), f"rank {rank}'s {key} differs from rank 0's: the replicas diverged"


@pytest.mark.parametrize("world_size", [2, 4])
def test_ddp_equals_one_process_on_the_global_batch_on_every_rank(process_group, data, world_size):
    X, y, reference = data
    results = process_group.run(_train_in_rank, world_size, args=("train", X, y, {}))
    _check(results, reference, "train", world_size)


def test_gradient_accumulation_syncs_once_per_global_batch(process_group, data):
    X, y, reference = data
    results = process_group.run(_train_in_rank, 2, args=("train_accumulating", X, y, {"micro_batches": 4}))
    _check(results, reference, "train_accumulating", 2)
    for rank, (_, _, syncs) in enumerate(results):
        assert syncs == STEPS, (
            f"rank {rank}: gradients were all-reduced {syncs} times in {STEPS} global batches of 4 micro-batches; "
            f"accumulating under model.no_sync() all-reduces once per global batch ({STEPS})")
