"""Kata 4.1.3: the model as SageMaker takes it: model.tar.gz, in S3, with its checksum.

The archive is opened the way SageMaker opens it (extracted into the folder it mounts at
/opt/ml/model), S3 is moto's (the `aws` fixture: fake credentials, loopback only), and the
last test starts your lesson 4.1 image on what you packaged: the second release of the digit
model (its answer is digit + 1), so the container's answers show which model it loaded.
"""

import base64
import hashlib
import tarfile
from pathlib import Path

import pytest

from fixtures import lesson_module
from fixtures.course.expect import returned
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.docker.cloud import start_sagemaker, unpack_model

LOGS = REPO_ROOT / ".kata" / "logs"
BUCKET = "kata-models"


def _package():
    return lesson_module(__file__, "package")


@pytest.fixture(scope="module")
def release_2(serving_model, tmp_path_factory):
    """The second release of the model, as a file somewhere on this machine."""
    return serving_model.relabelled(tmp_path_factory.mktemp("trained") / "runs" / "2026-11" / "digits-v2.onnx")


@pytest.fixture
def tarball(release_2, tmp_path):
    made = _package().package_model(release_2, tmp_path / "out")
    return returned(made, (str, Path), call=f"package_model({release_2.name!r}, 'out')",
                    expected_text="the path of the model.tar.gz it wrote", advice="return dest_dir / 'model.tar.gz'")


def test_the_archive_is_a_gzipped_tar_named_model_tar_gz(tarball):
    assert Path(tarball).name == "model.tar.gz" and Path(tarball).is_file(), tarball
    assert Path(tarball).read_bytes()[:2] == b"\x1f\x8b", "model.tar.gz should be gzip-compressed (w:gz)"
    assert tarfile.is_tarfile(tarball)


def test_sagemaker_finds_the_model_at_the_top_of_opt_ml_model(tarball, release_2, tmp_path):
    with tarfile.open(tarball, "r:gz") as archive:
        names = archive.getnames()
    unpacked = unpack_model(tarball, tmp_path / "opt-ml-model")  # refuses absolute paths and ..
    model = unpacked / "model.onnx"
    assert model.is_file(), (f"after SageMaker extracts it, /opt/ml/model holds {sorted(p.name for p in unpacked.iterdir())}"
                             f" (the archive's members: {names}); the server reads /opt/ml/model/model.onnx")
    assert model.read_bytes() == release_2.read_bytes(), "model.onnx in the archive is not the model file given"


def test_packaging_again_replaces_the_archive_and_a_new_folder_is_made(release_2, serving_model, tmp_path):
    package_model = _package().package_model
    first = package_model(release_2, tmp_path / "releases" / "2026-11-26" / "out")  # folders made as needed
    again = package_model(serving_model.onnx_path, tmp_path / "releases" / "2026-11-26" / "out")
    assert Path(again) == Path(first), (first, again)
    unpacked = unpack_model(again, tmp_path / "opt-ml-model")
    assert (unpacked / "model.onnx").read_bytes() == serving_model.onnx_path.read_bytes(), \
        "packaging into the same folder again should replace the archive with the new model"


def test_a_missing_model_file_is_refused_and_nothing_is_written(tmp_path):
    with pytest.raises(FileNotFoundError):
        _package().package_model(tmp_path / "no-such-model.onnx", tmp_path / "out")
    assert not (tmp_path / "out" / "model.tar.gz").exists(), "a model.tar.gz was written for a model that is missing"


def test_upload_stores_the_archive_with_its_sha256_and_returns_its_uri(aws, tarball):
    s3 = aws.reader("s3")
    s3.create_bucket(Bucket=BUCKET)
    uri = _package().upload_model(aws.client("s3"), tarball, BUCKET, "digits/2/model.tar.gz")
    assert uri == f"s3://{BUCKET}/digits/2/model.tar.gz", f"upload_model returned {uri!r}"
    data = open(tarball, "rb").read()
    assert s3.get_object(Bucket=BUCKET, Key="digits/2/model.tar.gz")["Body"].read() == data, \
        "the object in S3 is not the archive"
    stored = s3.head_object(Bucket=BUCKET, Key="digits/2/model.tar.gz", ChecksumMode="ENABLED").get("ChecksumSHA256")
    if stored is None:
        # moto keeps a checksum only when the algorithm is named (ChecksumAlgorithm); S3 also
        # keeps one sent alone (ChecksumSHA256): read that one from the request.
        sent = [c.params.get("ChecksumSHA256") for c in aws.calls if c.operation == "PutObject"]
        stored = sent[-1] if sent else None
    expected = base64.b64encode(hashlib.sha256(data).digest()).decode()
    assert stored is not None, ("S3 keeps no SHA-256 checksum for the object: send one with put_object "
                                "(ChecksumSHA256=..., or ChecksumAlgorithm='SHA256')")
    assert stored == expected, f"S3 keeps the checksum {stored}, the archive's is {expected}"


def test_the_container_serves_the_model_you_packaged(tarball, cloud_image_later, docker_scope, serving_model,
                                                    tmp_path):
    import json
    import urllib.request

    unpacked = unpack_model(tarball, tmp_path / "opt-ml-model")
    container = start_sagemaker(docker_scope, cloud_image_later().tag, unpacked, log=LOGS / "4.1.3-run.log")
    x = serving_model.x_test[:100]
    request = urllib.request.Request(f"http://127.0.0.1:{container.get_exposed_port(8080)}/invocations",
                                     json.dumps({"instances": x.tolist()}).encode(),
                                     {"Content-Type": "application/json"})
    predictions = json.loads(urllib.request.urlopen(request, timeout=30).read())["predictions"]
    assert predictions == serving_model.relabelled_predict(x).tolist(), \
        "the container's answers are not those of the model you packaged"
