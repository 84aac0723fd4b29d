"""Kata 2.2.6: a training script that survives a worker crash, restarted by torchrun.

    torchrun --standalone --nproc-per-node=2 --max-restarts=2 elastic_train.py \\
        --data data.pt --checkpoint ckpt.pt --out model.pt --epochs 6

torchrun (torch.distributed.run) starts one process per worker with RANK, WORLD_SIZE,
LOCAL_RANK, MASTER_ADDR and MASTER_PORT in its environment. When a worker dies, torchrun
stops the others and starts them all again (up to --max-restarts times): a restarted worker
is a new process that remembers nothing. Everything it needs to go on is in the checkpoint.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

LR, MOMENTUM, GLOBAL_BATCH = 0.2, 0.9, 64


def make_model() -> nn.Module:
    """The model (given, not a kata): the same initial weights in every process."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))


def main(argv: list[str] | None = None) -> None:
    """Train make_model() data-parallel (DDP, gloo, SGD(LR, momentum=MOMENTUM), mean
    cross-entropy) for --epochs epochs over the (X, y) saved in --data, global batches of
    GLOBAL_BATCH in order, each rank computing on its equal part of every batch. After every
    epoch, save a checkpoint to --checkpoint (rank 0 writes, whole; everyone waits). On start,
    resume from --checkpoint if it exists. At the end rank 0 saves the model's state_dict to
    --out. Restarted after a crash, the run must end with the weights an uninterrupted run
    ends with, having redone at most the epoch that was interrupted."""
    parser = argparse.ArgumentParser()
    for name in ("--data", "--checkpoint", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--epochs", type=int, required=True)
    args = parser.parse_args(argv)

    dist.init_process_group("gloo")  # env://: torchrun set RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    rank, world = dist.get_rank(), dist.get_world_size()
    X, y = torch.load(args.data)
    model = DistributedDataParallel(make_model())
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    start = 0
    if Path(args.checkpoint).exists():
        state = torch.load(args.checkpoint, map_location="cpu")
        model.module.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start = state["epoch"] + 1
    for epoch in range(start, args.epochs):
        for begin in range(0, len(X), GLOBAL_BATCH):
            xb = X[begin:begin + GLOBAL_BATCH].tensor_split(world)[rank]
            yb = y[begin:begin + GLOBAL_BATCH].tensor_split(world)[rank]
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        if rank == 0:
            tmp = f"{args.checkpoint}.tmp"
            torch.save({"model": model.module.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, tmp)
            os.replace(tmp, args.checkpoint)
        dist.barrier()
    if rank == 0:
        torch.save(model.module.state_dict(), args.out)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
