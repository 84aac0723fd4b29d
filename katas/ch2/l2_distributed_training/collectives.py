"""Kata 2.2.1: the collectives data-parallel training is built from.

Every function here runs inside each rank of a gloo process group that is already
initialised (torch.distributed.init_process_group was called for you): `dist.get_rank()`
and `dist.get_world_size()` tell a rank who it is. Each function is called by every rank,
with that rank's own tensor, and returns what that rank ends up with.

torch.distributed's collectives work IN PLACE on the tensor they are given. These
functions must leave the caller's tensor as it was and return a new one.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from fixtures import KataNotImplemented


def global_sum(t: torch.Tensor) -> torch.Tensor:
    """The elementwise sum of every rank's `t`, on every rank."""
    raise KataNotImplemented("2.2.1")


def global_mean(t: torch.Tensor) -> torch.Tensor:
    """The elementwise mean of every rank's `t` (a float tensor), on every rank: what DDP
    does to gradients, so that N ranks on N shards take the step one process would take on all."""
    raise KataNotImplemented("2.2.1")


def from_rank_zero(t: torch.Tensor) -> torch.Tensor:
    """Rank 0's `t`, on every rank (how a model's initial weights reach every replica)."""
    raise KataNotImplemented("2.2.1")


def gather_all(t: torch.Tensor) -> list[torch.Tensor]:
    """Every rank's `t`, as a list indexed by rank, on every rank (all ranks' `t` have one shape)."""
    raise KataNotImplemented("2.2.1")
