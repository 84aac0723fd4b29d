"""Kata 4.c.2: ship the model with its reference, and deploy it on SageMaker (moto).

A drift monitor compares live inputs with the data the model was trained on, so that data's
distribution is part of the model: it is versioned, packed and deployed with it. The archive
SageMaker unpacks into /opt/ml/model holds, at its top level:

  model.onnx       the model (lesson 4.1.3)
  reference.json   {"features": {name: {"column": <pixel index>, "values": [...]}, ...}}

`ship` then does what lesson 4.1 did for a bare model: the archive to S3 with its checksum
(4.1.3's upload_model), the model, endpoint config and endpoint (4.1.4's deploy), the
model's version in the container's environment (MODEL_VERSION: the server's model_info).
"""

from __future__ import annotations

import json
import math
import tarfile
import tempfile
from pathlib import Path

from ..l1_cloud.deploy import deploy
from ..l1_cloud.package import upload_model

FEATURES = 64


def package(model_file: str | Path, reference: dict, dest_dir: str | Path) -> Path:
    """Write dest_dir/model.tar.gz holding model.onnx and reference.json at its top level;
    return its path. `reference`: {name: (column, values)}, a column from 0 to 63 and at least
    2 finite values. FileNotFoundError for a missing model, ValueError for a reference that is
    not one (nothing is written then)."""
    model_file, dest_dir = Path(model_file), Path(dest_dir)
    if not model_file.is_file():
        raise FileNotFoundError(f"no model file at {model_file}")
    if not isinstance(reference, dict) or not reference:
        raise ValueError("the reference names no feature")
    features = {}
    for name, spec in reference.items():
        try:
            column, values = spec
            values = [float(v) for v in values]
        except (TypeError, ValueError):
            raise ValueError(f"reference[{name!r}] is (column, values), not {spec!r:.60}") from None
        if not isinstance(column, int) or isinstance(column, bool) or not 0 <= column < FEATURES:
            raise ValueError(f"reference[{name!r}]: column {column!r} is not a pixel (0 to {FEATURES - 1})")
        if len(values) < 2 or not all(math.isfinite(v) for v in values):
            raise ValueError(f"reference[{name!r}]: at least 2 finite values")
        features[str(name)] = {"column": column, "values": values}
    dest_dir.mkdir(parents=True, exist_ok=True)
    tarball = dest_dir / "model.tar.gz"
    with tempfile.TemporaryDirectory() as scratch:
        ref = Path(scratch) / "reference.json"
        ref.write_text(json.dumps({"features": features}))
        with tarfile.open(tarball, "w:gz") as archive:
            archive.add(model_file, arcname="model.onnx")
            archive.add(ref, arcname="reference.json")
    return tarball


def ship(sm, s3, *, name: str, image_uri: str, model_file: str | Path, reference: dict, bucket: str,
         role_arn: str, version: str, workdir: str | Path) -> str:
    """Package (in `workdir`), upload to s3://bucket/<name>/<version>/model.tar.gz, deploy the
    endpoint `name` serving `image_uri` with MODEL_VERSION=version; return the endpoint's ARN
    once it is InService. ValueError for an empty version."""
    if not isinstance(version, str) or not version.strip():
        raise ValueError(f"a model version is a non-empty string, not {version!r}")
    tarball = package(model_file, reference, workdir)
    # One key per version: a new version never overwrites the archive a running endpoint
    # was made from (rolling back means pointing at the old key).
    url = upload_model(s3, tarball, bucket, f"{name}/{version}/model.tar.gz")
    return deploy(sm, name=name, image_uri=image_uri, model_data_url=url, role_arn=role_arn,
                  environment={"MODEL_VERSION": version}, tags={"model-version": version})
