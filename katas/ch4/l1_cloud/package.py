"""Kata 4.1.3: package the model the way SageMaker unpacks it, and upload it with its checksum.

SageMaker reads a model from S3 as one gzipped tar (ModelDataUrl) and extracts it into
/opt/ml/model before the container starts: what lies at the archive's top level lies in
/opt/ml/model. Your server (kata 4.1.2) reads /opt/ml/model/model.onnx.
"""

from __future__ import annotations

from pathlib import Path

from fixtures import KataNotImplemented

MODEL_NAME = "model.onnx"  # the name the server looks for, at the archive's top level


def package_model(model_file: str | Path, dest_dir: str | Path) -> Path:
    """Write dest_dir/model.tar.gz holding `model_file` as model.onnx at its top level; return
    its path. FileNotFoundError if `model_file` is not a file (nothing is written then)."""
    raise KataNotImplemented("4.1.3")


def upload_model(s3, tarball: str | Path, bucket: str, key: str) -> str:
    """Upload `tarball` to s3://bucket/key with its SHA-256 checksum, so S3 stores it and
    anyone can check the object is the file you packaged; return the object's S3 URI (the
    ModelDataUrl a SageMaker model names). `s3` is a boto3 S3 client."""
    raise KataNotImplemented("4.1.3")
