"""Kata 2.2.1: all_reduce (sum and mean), broadcast and all_gather, run on real processes.

Each test starts a gloo process group of real OS processes (the `process_group` fixture)
and runs a function of this file in every rank; what each rank returned comes back here.
"""

import pytest
import torch

from fixtures import lesson_module

collectives = lesson_module(__file__, "collectives")


def _rank_tensor(rank: int) -> torch.Tensor:
    # Different on every rank, and not symmetric in the rank, so a wrong source or order shows.
    return torch.tensor([1.0, -2.0, 0.5, 3.0]) * (rank + 1) + rank * 10


def _call(rank, world_size, name):
    t = _rank_tensor(rank)
    before = t.clone()
    got = getattr(collectives, name)(t)
    return got, torch.equal(t, before)


def _check(results, name, expected_for_rank):
    for rank, (got, unchanged) in enumerate(results):
        assert unchanged, (f"{name}() changed the tensor rank {rank} passed in: torch.distributed's collectives "
                           "work in place, so work on a copy (t.clone())")
        want = expected_for_rank(rank)
        if isinstance(want, list):
            assert isinstance(got, list) and len(got) == len(want), \
                f"rank {rank}: {name}() returned {got!r}; expected a list of {len(want)} tensors, one per rank"
            for i, (g, w) in enumerate(zip(got, want)):
                assert torch.allclose(g, w), f"rank {rank}: {name}()[{i}] is {g.tolist()}; expected rank {i}'s tensor {w.tolist()}"
        else:
            assert isinstance(got, torch.Tensor), f"rank {rank}: {name}() returned {type(got).__name__}; expected a tensor"
            assert torch.allclose(got, want), f"rank {rank}: {name}() returned {got.tolist()}; expected {want.tolist()}"


@pytest.mark.parametrize("world_size", [2, 3])
def test_global_sum_is_the_same_sum_on_every_rank(process_group, world_size):
    results = process_group.run(_call, world_size, args=("global_sum",))
    total = sum(_rank_tensor(r) for r in range(world_size))
    _check(results, "global_sum", lambda rank: total)


@pytest.mark.parametrize("world_size", [2, 3])
def test_global_mean_divides_by_the_number_of_ranks(process_group, world_size):
    results = process_group.run(_call, world_size, args=("global_mean",))
    mean = sum(_rank_tensor(r) for r in range(world_size)) / world_size
    _check(results, "global_mean", lambda rank: mean)


def test_from_rank_zero_gives_every_rank_rank_zeros_tensor(process_group):
    results = process_group.run(_call, 3, args=("from_rank_zero",))
    _check(results, "from_rank_zero", lambda rank: _rank_tensor(0))


def test_gather_all_gives_every_rank_every_tensor_in_rank_order(process_group):
    results = process_group.run(_call, 3, args=("gather_all",))
    _check(results, "gather_all", lambda rank: [_rank_tensor(r) for r in range(3)])
