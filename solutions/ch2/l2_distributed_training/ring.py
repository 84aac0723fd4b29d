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


def ring_all_reduce(t: torch.Tensor) -> torch.Tensor:
    """The elementwise sum of every rank's 1-D float tensor `t`, on every rank, leaving `t` as
    it was; built from dist.send/dist.recv (or isend/irecv) only: no all_reduce, reduce,
    all_gather, reduce_scatter or broadcast. `t` may have fewer elements than there are ranks."""
    rank, world = dist.get_rank(), dist.get_world_size()
    out = t.clone()
    chunks = list(out.tensor_split(world))  # views into out: what arrives is summed in place
    right, left = (rank + 1) % world, (rank - 1) % world
    # Reduce-scatter: at step s, send chunk (rank - s) and add the left neighbour's chunk (rank - s - 1).
    for step in range(world - 1):
        send_i, recv_i = (rank - step) % world, (rank - step - 1) % world
        incoming = torch.empty_like(chunks[recv_i])
        _exchange(chunks[send_i], incoming, right, left, rank)
        chunks[recv_i] += incoming
    # All-gather: chunk (rank + 1) is complete here; pass complete chunks around the ring.
    for step in range(world - 1):
        send_i, recv_i = (rank + 1 - step) % world, (rank - step) % world
        incoming = torch.empty_like(chunks[recv_i])
        _exchange(chunks[send_i], incoming, right, left, rank)
        chunks[recv_i].copy_(incoming)
    return out


def _exchange(send: torch.Tensor, recv: torch.Tensor, right: int, left: int, rank: int) -> None:
    # A blocking send to the right while the left neighbour also sends would deadlock in a
    # ring: post the send without waiting, receive, then wait for the send.
    request = dist.isend(send.contiguous(), right)
    dist.recv(recv, left)
    request.wait()
