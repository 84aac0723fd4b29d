"""Kata 4.1.3: package the model the way SageMaker unpacks it, and upload it with its checksum.

SageMaker reads a model from S3 as one gzipped tar (ModelDataUrl) and extracts it into
/opt/ml/model before the container starts: what lies at the archive's top level lies in
/opt/ml/model. Your server (kata 4.1.2) reads /opt/ml/model/model.onnx.
"""

from __future__ import annotations

import base64
import hashlib
import tarfile
from pathlib import Path

MODEL_NAME = "model.onnx"  # the name the server looks for, at the archive's top level


def package_model(model_file: str | Path, dest_dir: str | Path) -> Path:
    """Write dest_dir/model.tar.gz holding `model_file` as model.onnx at its top level; return
    its path. FileNotFoundError if `model_file` is not a file (nothing is written then)."""
    model_file, dest_dir = Path(model_file), Path(dest_dir)
    if not model_file.is_file():
        raise FileNotFoundError(f"no model file at {model_file}")
    dest_dir.mkdir(parents=True, exist_ok=True)
    tarball = dest_dir / "model.tar.gz"
    with tarfile.open(tarball, "w:gz") as archive:
        # arcname: the member is "model.onnx", not the path it had on this machine.
        archive.add(model_file, arcname=MODEL_NAME)
    return tarball


def sha256_base64(path: str | Path) -> str:
    """The checksum S3 keeps for an object (x-amz-checksum-sha256): base64 of the SHA-256 digest."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return base64.b64encode(digest.digest()).decode()


def upload_model(s3, tarball: str | Path, bucket: str, key: str) -> str:
    """Upload `tarball` to s3://bucket/key with its SHA-256 checksum, so S3 stores it and
    anyone can check the object is the file you packaged; return the object's S3 URI (the
    ModelDataUrl a SageMaker model names). `s3` is a boto3 S3 client."""
    tarball = Path(tarball)
    with open(tarball, "rb") as body:
        # The digest computed here travels with the upload: S3 refuses the object if the bytes
        # it received do not match it, and keeps it (ChecksumAlgorithm) for later readers.
        s3.put_object(Bucket=bucket, Key=key, Body=body, ChecksumAlgorithm="SHA256",
                      ChecksumSHA256=sha256_base64(tarball))
    return f"s3://{bucket}/{key}"
