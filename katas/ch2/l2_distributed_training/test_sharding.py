"""Kata 2.2.3: shards that are disjoint, cover the dataset, are balanced, and change every epoch."""

import math
from collections import Counter

import pytest

from fixtures import lesson_module
from fixtures.course.expect import returned

sharding = lesson_module(__file__, "sharding")

CASES = [(12, 3), (10, 3), (1000, 4), (7, 2), (5, 8)]  # (dataset size, ranks): even, uneven, tiny


def shards(size, world, epoch=0, seed=0):
    out = []
    for rank in range(world):
        got = sharding.shard_indices(size, rank, world, epoch, seed)
        returned(got, list, call=f"shard_indices({size}, {rank}, {world}, {epoch}, {seed})",
                 expected_text="a list of indices", advice="Return list(...) of the indices this rank reads, in order.")
        out.append([int(i) for i in got])
    return out


@pytest.mark.parametrize("size, world", CASES)
def test_every_rank_gets_the_same_number_of_indices(size, world):
    lengths = [len(s) for s in shards(size, world)]
    want = math.ceil(size / world)
    assert lengths == [want] * world, (
        f"{size} samples on {world} ranks: shard lengths {lengths}; every rank needs {want}, or the ranks "
        "with fewer batches stop early and the others wait for them in a collective")


@pytest.mark.parametrize("size, world", CASES)
def test_shards_cover_the_dataset_and_overlap_only_by_the_padding(size, world):
    everything = [i for s in shards(size, world) for i in s]
    counts = Counter(everything)
    assert set(counts) == set(range(size)), (
        f"{size} samples on {world} ranks: indices never read {sorted(set(range(size)) - set(counts))[:10]}, "
        f"indices out of range {sorted(set(counts) - set(range(size)))[:10]}")
    repeats = sum(c - 1 for c in counts.values())
    padding = math.ceil(size / world) * world - size
    assert repeats == padding, (
        f"{size} samples on {world} ranks: {repeats} reads repeat an index; only the {padding} padding "
        f"reads may (repeated: {[i for i, c in counts.items() if c > 1][:10]})")


def test_each_epoch_gives_a_rank_other_samples():
    first, second = shards(1000, 4, epoch=0), shards(1000, 4, epoch=1)
    for rank in range(4):
        assert set(first[rank]) != set(second[rank]), (
            f"rank {rank} reads the same samples in epochs 0 and 1: the shuffle must depend on the epoch "
            "(DistributedSampler: set_epoch)")


def test_the_order_is_shuffled_not_sliced():
    rank0 = shards(1000, 4)[0]
    assert rank0 != sorted(rank0), f"rank 0 reads its indices in sorted order: {rank0[:8]}...; shuffle them"
    assert rank0 != list(range(0, 1000, 4)) and rank0 != list(range(250)), \
        f"rank 0 reads {rank0[:8]}...: a fixed slice of the dataset, not a shuffle"


def test_the_same_arguments_give_the_same_shards_and_the_seed_matters():
    assert shards(100, 3, epoch=2, seed=5) == shards(100, 3, epoch=2, seed=5), \
        "two calls with the same arguments gave different shards: each rank computes its shard alone, so " \
        "the shuffle may depend only on (seed, epoch)"
    assert shards(100, 3, epoch=2, seed=5) != shards(100, 3, epoch=2, seed=6), "the seed does not change the shuffle"
    default = [sharding.shard_indices(100, rank, 3, 2) for rank in range(3)]
    assert default == shards(100, 3, epoch=2, seed=0), "without a seed, shard_indices must use seed 0 (the signature's default)"
