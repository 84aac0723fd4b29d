"""Kata 2.2.2: a ring all-reduce from send/recv equals the built-in, and sends what a ring sends."""

import math

import pytest
import torch
import torch.distributed as dist

from fixtures import lesson_module

ring = lesson_module(__file__, "ring")

COLLECTIVES = ("all_reduce", "reduce", "all_gather", "all_gather_into_tensor", "reduce_scatter",
               "reduce_scatter_tensor", "broadcast", "all_to_all", "all_to_all_single", "gather", "scatter")
SENDS = ("send", "isend")


def _ring_in_rank(rank, world_size, size, seed):
    import torch.distributed.distributed_c10d as c10d

    originals = {name: getattr(c10d, name) for name in COLLECTIVES + SENDS}
    sent = []

    def forbidden(name):
        def call(*args, **kwargs):
            raise AssertionError(f"ring_all_reduce called dist.{name}: build it from send/recv only")
        return call

    inside = [0]

    def counting(name):
        def call(tensor, *args, **kwargs):
            if not inside[0]:  # the outermost call only: send() may be built on isend()
                sent.append(tensor.numel())
            inside[0] += 1
            try:
                return originals[name](tensor, *args, **kwargs)
            finally:
                inside[0] -= 1
        return call

    # Replaced where they are defined (c10d: batch_isend_irecv's P2POp accepts exactly
    # c10d.isend), where the learner reaches them (torch.distributed) and any name the
    # learner's module imported from there.
    patched = {name: forbidden(name) for name in COLLECTIVES} | {name: counting(name) for name in SENDS}
    for target in (c10d, dist, ring):
        for name, fn in patched.items():
            if hasattr(target, name):
                setattr(target, name, fn)
    try:
        t = torch.randn(size, generator=torch.Generator().manual_seed(seed + rank))
        before = t.clone()
        got = ring.ring_all_reduce(t)
    finally:
        for name, fn in originals.items():
            setattr(c10d, name, fn)
            setattr(dist, name, fn)
    expected = t.clone()
    dist.all_reduce(expected)
    return got, expected, torch.equal(t, before), sum(sent)


@pytest.mark.parametrize("world_size, size", [(2, 10), (3, 10), (3, 1000), (3, 2), (4, 37)])
def test_ring_all_reduce_equals_the_built_in(process_group, world_size, size):
    results = process_group.run(_ring_in_rank, world_size, args=(size, 7))
    for rank, (got, expected, unchanged, _) in enumerate(results):
        assert unchanged, f"rank {rank}: ring_all_reduce changed the tensor it was given; work on a copy"
        assert isinstance(got, torch.Tensor) and got.shape == expected.shape, \
            f"rank {rank}: ring_all_reduce returned {got!r}; expected a tensor of shape {tuple(expected.shape)}"
        assert torch.allclose(got, expected, atol=1e-5), \
            f"rank {rank}, {world_size} ranks, {size} elements: ring_all_reduce gave {got[:6].tolist()}...; " \
            f"the sum over ranks is {expected[:6].tolist()}..."


def test_each_rank_sends_what_a_ring_sends_not_the_whole_tensor_to_everyone(process_group):
    world_size, size = 3, 999
    results = process_group.run(_ring_in_rank, world_size, args=(size, 11))
    # reduce-scatter then all-gather: 2(N - 1) chunks of size/N each, per rank.
    bound = 2 * (world_size - 1) * math.ceil(size / world_size)
    for rank, (*_, sent) in enumerate(results):
        assert sent <= bound, (f"rank {rank} sent {sent} elements of a {size}-element tensor; a ring sends "
                               f"2(N-1) chunks of size/N = {bound} (sending the whole tensor to every other rank "
                               f"costs {(world_size - 1) * size})")
