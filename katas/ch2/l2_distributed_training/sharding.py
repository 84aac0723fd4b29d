"""Kata 2.2.3: sharding a dataset across ranks, the way DistributedSampler does.

Each rank of a data-parallel job reads its own shard of the dataset. The shards must be
disjoint (or two ranks train on the same sample twice per epoch), cover the dataset (or
samples are never seen), be the same size (or one rank runs out of batches first and the
others wait in a collective for ever), and change from epoch to epoch (or every rank sees
the same samples in the same order every epoch). No rank can ask the others: each must work
its shard out alone, from the same seed.
"""

from __future__ import annotations

from torch.utils.data import DistributedSampler

from fixtures import KataNotImplemented


def shard_indices(dataset_size: int, rank: int, world_size: int, epoch: int, seed: int = 0) -> list[int]:
    """The indices of a dataset of `dataset_size` samples that rank `rank` of `world_size` reads in
    `epoch`, in reading order. Shards of one epoch are disjoint, together cover every index, and
    have equal length: ceil(dataset_size / world_size), the last shards padded with indices
    already used (as DistributedSampler does with drop_last=False). Which indices a rank gets,
    and their order, come from a random shuffle that depends only on (seed, epoch): the same
    call gives the same list, and another epoch gives the rank other samples. No process
    group is needed."""
    raise KataNotImplemented("2.2.3")
