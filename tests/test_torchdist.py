"""The process-group launcher: results back, failures named by rank and collective, nothing left running."""

from __future__ import annotations

import os
import time

import psutil
import pytest

from fixtures.course.errors import KataRankFailure


def _sum_of_ranks(rank, world_size):
    import torch
    import torch.distributed as dist

    t = torch.tensor([float(rank + 1)])
    dist.all_reduce(t)
    return t.item(), dist.get_rank(), dist.get_world_size(), torch.get_num_threads()


def _skips_all_reduce_on_rank_1(rank, world_size):
    import torch
    import torch.distributed as dist

    t = torch.ones(1)
    if rank != 1:
        dist.all_reduce(t)
    return t.item()


def _raises_on_rank_1(rank, world_size):
    import torch.distributed as dist

    if rank == 1:
        raise ValueError("no data for rank 1")
    dist.barrier()
    return rank


def _exits_on_rank_0(rank, world_size):
    import torch.distributed as dist

    if rank == 0:
        os._exit(3)
    dist.barrier()


def _loops_on_rank_1(rank, world_size):
    while rank == 1:
        pass
    return rank


def test_each_rank_returns_and_a_collective_works(process_group):
    results = process_group.run(_sum_of_ranks, world_size=2)
    assert results == [(3.0, 0, 2, 1), (3.0, 1, 2, 1)]
    print(f"a group of 2 started in {process_group.last_start_seconds * 1000:.0f} ms")


def test_a_rank_that_skips_a_collective_is_named_within_seconds(process_group):
    started = time.monotonic()
    with pytest.raises(KataRankFailure) as failure:
        process_group.run(_skips_all_reduce_on_rank_1, world_size=2)
    took = time.monotonic() - started
    text = str(failure.value)
    assert text.startswith("rank 0 in all_reduce was left waiting: rank 1 returned without calling it"), text
    assert took < 15, f"took {took:.1f} s"
    print(f"deadlock reported in {took:.1f} s:\n{text}")


def test_an_exception_in_a_rank_comes_back_with_its_rank(process_group):
    with pytest.raises(KataRankFailure) as failure:
        process_group.run(_raises_on_rank_1, world_size=2)
    text = str(failure.value)
    assert text.startswith("rank 1 raised ValueError: no data for rank 1"), text
    assert "tests/test_torchdist.py:37 in _raises_on_rank_1()" in text, text


def test_a_rank_that_exits_early_is_named(process_group):
    with pytest.raises(KataRankFailure) as failure:
        process_group.run(_exits_on_rank_0, world_size=2)
    assert str(failure.value).startswith("rank 0 exited with code 3"), str(failure.value)


def test_a_rank_that_loops_is_stopped_at_the_limit_with_its_stack(process_group):
    with pytest.raises(KataRankFailure) as failure:
        process_group.run(_loops_on_rank_1, world_size=2, limit=5)
    text = str(failure.value)
    assert text.startswith("rank 1 still running after 5 s, and stopped"), text
    assert "tests/test_torchdist.py:" in text and "in _loops_on_rank_1()" in text, text
    me = psutil.Process()
    ranks = [p for p in me.children(recursive=True) if p.name().startswith("python") and "kata-rank" in " ".join(p.cmdline())]
    assert not ranks


def _different_collectives(rank, world_size):
    import torch
    import torch.distributed as dist

    t = torch.ones(4)
    if rank == 0:
        dist.all_reduce(t)
    else:
        dist.broadcast(t, src=1)
    return t.tolist()


def _rank_1_busy_elsewhere(rank, world_size):
    import time

    import torch
    import torch.distributed as dist

    if rank == 1:
        time.sleep(60)
    t = torch.ones(1)
    dist.all_reduce(t)
    return t.item()


@pytest.mark.parametrize("fn, headline", [
    (_different_collectives, "rank 0 in all_reduce"),
    (_rank_1_busy_elsewhere, "rank 0 in all_reduce was left waiting: rank 1 did not reach it"),
])
def test_a_collective_not_every_rank_reaches_is_named(process_group, fn, headline):
    started = time.monotonic()
    with pytest.raises(KataRankFailure) as failure:
        process_group.run(fn, world_size=2)
    took = time.monotonic() - started
    text = str(failure.value)
    print(f"\n{fn.__name__}: {took:.1f} s\n{text}")
    assert headline in text.splitlines()[0], text
    assert took < 15, f"took {took:.1f} s"
