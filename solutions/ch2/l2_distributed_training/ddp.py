"""Kata 2.2.4: data-parallel training with DistributedDataParallel.

The functions run inside each rank of an initialised gloo process group. Each rank builds
the same model (make_model), reads only its share of every global batch, and DDP averages
the gradients across ranks during backward(), so every rank takes the step that one process
would take on the whole global batch — and every rank ends with the same weights.

The data: X (samples, features) and y (labels) are the whole training set, the same on every
rank. Training runs `epochs` passes over it in order (no shuffling, to keep the comparison
with one process exact): step k uses the global batch X[k*B:(k+1)*B] (B = global_batch), and
each rank computes on its own equal part of that batch (any split into equal parts will do).
"""

from __future__ import annotations

import contextlib

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel


def make_model(seed: int) -> nn.Module:
    """The model every rank trains (given, not a kata): the same weights for the same seed."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def _my_part(batch: torch.Tensor) -> torch.Tensor:
    rank, world = dist.get_rank(), dist.get_world_size()
    return batch.tensor_split(world)[rank]


def train(X: torch.Tensor, y: torch.Tensor, *, epochs: int, global_batch: int, lr: float,
          seed: int) -> dict[str, torch.Tensor]:
    """Train make_model(seed) with SGD(lr) and the mean cross-entropy loss, data-parallel with
    DDP, each rank computing on its part of every global batch. Returns the trained model's
    state_dict (of the model itself, not of the DDP wrapper: keys like '0.weight').
    global_batch is a multiple of the number of ranks and divides len(X)."""
    model = DistributedDataParallel(make_model(seed))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for start in range(0, len(X), global_batch):
            xb, yb = _my_part(X[start:start + global_batch]), _my_part(y[start:start + global_batch])
            optimizer.zero_grad()
            loss_fn(model(xb), yb).backward()  # DDP all-reduces (averages) the gradients here
            optimizer.step()
    return model.module.state_dict()


def train_accumulating(X: torch.Tensor, y: torch.Tensor, *, epochs: int, global_batch: int, micro_batches: int,
                       lr: float, seed: int) -> dict[str, torch.Tensor]:
    """As train(), but each rank works through its part of a global batch in `micro_batches`
    equal micro-batches (as when a batch does not fit in memory), accumulating gradients,
    with ONE gradient all-reduce per global batch, not one per micro-batch (model.no_sync()).
    The result equals train()'s."""
    model = DistributedDataParallel(make_model(seed))
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    for _ in range(epochs):
        for start in range(0, len(X), global_batch):
            xs = _my_part(X[start:start + global_batch]).tensor_split(micro_batches)
            ys = _my_part(y[start:start + global_batch]).tensor_split(micro_batches)
            optimizer.zero_grad()
            for i, (xb, yb) in enumerate(zip(xs, ys)):
                # Each micro-batch's mean loss is 1/micro_batches of the part's mean. The forward
                # pass belongs inside no_sync() too: DDP decides in forward() whether the
                # backward that follows will communicate.
                sync = contextlib.nullcontext() if i == micro_batches - 1 else model.no_sync()
                with sync:  # all but the last: gradients accumulate locally, no communication
                    (loss_fn(model(xb), yb) / micro_batches).backward()
            optimizer.step()
    return model.module.state_dict()
