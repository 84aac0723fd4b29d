"""Kata 2.2.2: ring all-reduce, written from point-to-point messages.

This is how gloo and NCCL sum gradients without a central server: the ranks form a ring,
each tensor is cut into N chunks (N ranks), and in 2(N - 1) steps every rank sends one
chunk to its right neighbour and receives one from its left. The first N - 1 steps
(reduce-scatter) leave each rank with one chunk fully summed; the next N - 1 steps
(all-gather) pass the summed chunks around. Each rank sends 2(N - 1)/N of the tensor
whatever N is: the bandwidth cost does not grow with the number of ranks.

Runs inside each rank of an initialised gloo process group, like collectives.py.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from fixtures import KataNotImplemented


def ring_all_reduce(t: torch.Tensor) -> torch.Tensor:
    """The elementwise sum of every rank's 1-D float tensor `t`, on every rank, leaving `t` as
    it was; built from dist.send/dist.recv (or isend/irecv) only: no all_reduce, reduce,
    all_gather, reduce_scatter or broadcast. `t` may have fewer elements than there are ranks."""
    raise KataNotImplemented("2.2.2")
