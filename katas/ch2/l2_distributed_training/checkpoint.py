"""Kata 2.2.5: checkpoints a data-parallel job can resume from.

A long training job will be interrupted: a machine fails, a spot instance is taken back, a
job is pre-empted. It resumes from its last checkpoint, and the resumed run must end exactly
where an uninterrupted one would have. That takes three things:

* what is saved is everything the next step depends on: the model's weights AND the
  optimizer's state (momentum buffers, Adam's moments) AND where training was (the epoch);
* one rank writes (the replicas are identical; N ranks writing one file race), the others
  wait for it (a barrier) before anyone goes on, and the file appears whole or not at all
  (write to a temporary name, then rename: a crash mid-write leaves the old checkpoint);
* every rank loads the same file, onto the CPU (map_location), before training resumes.

These functions run inside each rank of an initialised gloo process group; `model` may be a
DistributedDataParallel wrapper.
"""

from __future__ import annotations

import os
from pathlib import Path
import torch
import torch.distributed as dist
from torch import nn

from fixtures import KataNotImplemented


def save_checkpoint(model: nn.Module, optimizer: torch.optim.Optimizer, epoch: int, path: str | Path) -> None:
    """Called by every rank after finishing `epoch`: rank 0 alone writes the model's and the
    optimizer's state and the epoch to `path` (whole or not at all); no rank returns before
    the file is complete."""
    raise KataNotImplemented("2.2.5")


def load_checkpoint(model: nn.Module, optimizer: torch.optim.Optimizer, path: str | Path) -> int:
    """Called by every rank before training: if `path` exists, load the model's and the
    optimizer's state from it and return the epoch to start from (the saved epoch + 1);
    if it does not, change nothing and return 0."""
    raise KataNotImplemented("2.2.5")
