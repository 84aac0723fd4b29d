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

from fixtures import KataNotImplemented

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
    raise KataNotImplemented("2.2.6")


if __name__ == "__main__":
    main()
