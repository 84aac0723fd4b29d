"""Kata 4.c.2: ship the model with its reference, and deploy it on SageMaker (moto).

A drift monitor compares live inputs with the data the model was trained on, so that data's
distribution is part of the model: it is versioned, packed and deployed with it. The archive
SageMaker unpacks into /opt/ml/model holds, at its top level:

  model.onnx       the model (lesson 4.1.3)
  reference.json   {"features": {name: {"column": <pixel index>, "values": [...]}, ...}}

`ship` then does what lesson 4.1 did for a bare model: the archive to S3 with its checksum
(4.1.3's upload_model), the model, endpoint config and endpoint (4.1.4's deploy), the
model's version in the container's environment (MODEL_VERSION: the server's model_info).
Lesson 4.1's functions are yours to reuse: `from ..l1_cloud.deploy import deploy`.
"""

from __future__ import annotations

from pathlib import Path

from fixtures import KataNotImplemented

FEATURES = 64


def package(model_file: str | Path, reference: dict, dest_dir: str | Path) -> Path:
    """Write dest_dir/model.tar.gz holding model.onnx and reference.json at its top level;
    return its path. `reference`: {name: (column, values)}, a column from 0 to 63 and at least
    2 finite values. FileNotFoundError for a missing model, ValueError for a reference that is
    not one (nothing is written then)."""
    raise KataNotImplemented("4.c.2")


def ship(sm, s3, *, name: str, image_uri: str, model_file: str | Path, reference: dict, bucket: str,
         role_arn: str, version: str, workdir: str | Path) -> str:
    """Package (in `workdir`), upload to an S3 key of its own for this version (a new version
    never overwrites the archive a running endpoint was made from), deploy the endpoint `name`
    serving `image_uri` with MODEL_VERSION=version; return the endpoint's ARN once it is
    InService. ValueError for an empty version, before anything is made."""
    raise KataNotImplemented("4.c.2")
