"""Kata 4.c.2: the model shipped with its reference, deployed on SageMaker (moto), and run.

S3 and SageMaker are moto's (the `aws` fixture: fake credentials, loopback only). Once your
ship() returns, the tests do what SageMaker does with an InService endpoint: read its model
(Image, ModelDataUrl, Environment), fetch the archive from S3, unpack it into /opt/ml/model,
and start the image with `serve`: your Capstone 4 image, on a port the real Prometheus scrapes.
"""

from __future__ import annotations

import json
import math
import tarfile
import urllib.request
from pathlib import Path

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects, returned
from fixtures.course.trees import REPO_ROOT
from fixtures.data.digits import drift_reference
from fixtures.engines.docker.watched import run_endpoint

KATA = "4.c.2"
LOGS = REPO_ROOT / ".kata" / "logs"
BUCKET = "kata-models"


def _ship():
    return lesson_module(__file__, "ship")


def _members(tarball: Path) -> dict[str, bytes]:
    with tarfile.open(tarball, "r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


@pytest.fixture
def packed(serving_model, tmp_path):
    made = _ship().package(serving_model.onnx_path, drift_reference(), tmp_path / "out")
    return returned(made, (str, Path), call="package(model, reference, 'out')",
                    expected_text="the path of the model.tar.gz it wrote", advice="return dest_dir / 'model.tar.gz'")


def test_the_archive_holds_the_model_and_its_reference_at_its_top(packed, serving_model):
    members = _members(Path(packed))
    assert sorted(members) == ["model.onnx", "reference.json"], \
        (f"the archive holds {sorted(members)}; SageMaker unpacks it into /opt/ml/model, where the server reads "
         "model.onnx and reference.json")
    assert members["model.onnx"] == serving_model.onnx_path.read_bytes(), "model.onnx is not the model file given"
    shipped = json.loads(members["reference.json"])
    expected = {name: {"column": column, "values": values} for name, (column, values) in drift_reference().items()}
    got = shipped.get("features") if isinstance(shipped, dict) else None
    assert isinstance(got, dict) and sorted(got) == sorted(expected), \
        f"reference.json's features are {sorted(got) if isinstance(got, dict) else got!r}; expected {sorted(expected)}"
    for name, spec in expected.items():
        assert got[name].get("column") == spec["column"], f"feature {name}: column {got[name].get('column')!r}"
        assert got[name].get("values") == pytest.approx(spec["values"]), \
            f"feature {name}: the values are not the reference's ({len(got[name].get('values') or [])} of them)"


@pytest.mark.parametrize("change, why", [
    (lambda ref: {}, "a reference with no feature watches nothing"),
    (lambda ref: {**ref, "pixel_28": (64, ref["pixel_28"][1])}, "column 64: a row has pixels 0 to 63"),
    (lambda ref: {**ref, "pixel_28": (-1, ref["pixel_28"][1])}, "column -1"),
    (lambda ref: {**ref, "pixel_28": ("28", ref["pixel_28"][1])}, "a column is a whole number, not a string"),
    (lambda ref: {**ref, "pixel_28": (True, ref["pixel_28"][1])}, "True is not a column"),
    (lambda ref: {**ref, "pixel_28": (100, ref["pixel_28"][1])}, "column 100: a row has pixels 0 to 63"),
    (lambda ref: {**ref, "pixel_28": (28, None)}, "no values"),
    (lambda ref: {**ref, "pixel_28": (28, ["dark", "light"])}, "values that are not numbers"),
    (lambda ref: {**ref, "pixel_28": (28, [0.5])}, "one value is not a distribution"),
    (lambda ref: {**ref, "pixel_28": (28, [0.1, math.nan, 0.2])}, "NaN is not a pixel value"),
])
def test_a_reference_that_is_not_one_is_refused_and_nothing_written(change, why, serving_model, tmp_path):
    rejects(_ship().package, serving_model.onnx_path, change(drift_reference()), tmp_path / "out", why=why)
    assert not (tmp_path / "out" / "model.tar.gz").exists(), "a refused reference left a model.tar.gz behind"


def test_the_first_and_last_pixels_are_columns_and_a_folder_can_be_packed_into_again(serving_model, tmp_path):
    edges = {"pixel_0": (0, [0.0, 0.5, 1.0]), "pixel_63": (63, [1.0, 0.25])}
    for _ in range(2):  # a re-run of a release script writes into the folder it wrote before
        made = Path(_ship().package(serving_model.onnx_path, edges, tmp_path / "releases" / "v1"))
    got = json.loads(_members(made)["reference.json"])["features"]
    assert {name: spec.get("column") for name, spec in got.items()} == {"pixel_0": 0, "pixel_63": 63}, \
        f"columns 0 and 63 are pixels of a 64-pixel row; reference.json says {got}"


def test_a_missing_model_is_refused(tmp_path):
    rejects(_ship().package, tmp_path / "no-such.onnx", drift_reference(), tmp_path / "out",
            why="there is no model to ship", error=FileNotFoundError)


def test_each_version_ships_to_its_own_object_with_its_checksum(shipped, aws, serving_model, tmp_path):
    """v1 is shipped, its endpoint retired (the endpoint, its config and its model deleted, as a
    team does when v2 takes over), then v2, another model, under the same name: v1's archive
    must still be v1's, or rolling back to v1 would run v2."""
    sm = aws.reader("sagemaker")
    v2_model = serving_model.relabelled(tmp_path / "v2" / "model.onnx")
    urls = {}
    for version, model_file in (("v1", None), ("v2", v2_model)):
        shipped(version, model_file=model_file)
        model_name = _model_of(aws, "digits")
        container = sm.describe_model(ModelName=model_name)["PrimaryContainer"]
        urls[version] = container["ModelDataUrl"]
        assert (container.get("Environment") or {}).get("MODEL_VERSION") == version, \
            f"the model's container Environment is {container.get('Environment')}; expected MODEL_VERSION={version}"
        if version == "v1":
            config = sm.describe_endpoint(EndpointName="digits")["EndpointConfigName"]
            sm.delete_endpoint(EndpointName="digits")
            sm.delete_endpoint_config(EndpointConfigName=config)
            sm.delete_model(ModelName=model_name)
    bucket, _, key = urls["v1"].removeprefix("s3://").partition("/")
    v1_archive = aws.reader("s3").get_object(Bucket=bucket, Key=key)["Body"].read()
    assert _onnx_in(v1_archive) == serving_model.onnx_path.read_bytes(), \
        (f"v1's archive ({urls['v1']}) now holds another model: shipping v2 (to {urls['v2']}) overwrote it. Give each "
         "version an S3 key of its own")
    s3 = aws.reader("s3")
    for version, url in urls.items():
        bucket, _, key = url.removeprefix("s3://").partition("/")
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        assert head.get("ChecksumSHA256"), f"{url} has no SHA-256 checksum: upload it as lesson 4.1.3 did"
        assert sorted(_members_of(s3, bucket, key)) == ["model.onnx", "reference.json"], \
            f"{url} does not hold model.onnx and reference.json"


def test_an_empty_version_is_refused_before_anything_is_made(aws, serving_model, tmp_path):
    aws.reader("s3").create_bucket(Bucket=BUCKET)
    role = aws.role()
    for version in ("", "   ", None):
        rejects(_ship().ship, aws.client("sagemaker"), aws.client("s3"), name="digits", image_uri="kata-watched:1",
                model_file=serving_model.onnx_path, reference=drift_reference(), bucket=BUCKET,
                role_arn=role, version=version,
                workdir=tmp_path / "w", why=f"version {version!r} names no version")
    made = [op for op in aws.operations() if op.startswith("Create") or op == "PutObject"]
    assert not made, f"a refused version still made {made}"


def test_sagemaker_runs_what_you_shipped_and_prometheus_sees_its_version(shipped, aws, docker_scope, monitoring,
                                                                         serving_model, tmp_path):
    arn = shipped("2026-11-26.3")
    assert isinstance(arn, str) and arn.endswith(":endpoint/digits"), f"ship returned {arn!r}; expected the endpoint's ARN"
    slot = monitoring.slot()
    endpoint = run_endpoint(aws, docker_scope, "digits", slot.port, tmp_path, log=LOGS / "4.c.2-run.log")
    rows = serving_model.x_test[:12]
    request = urllib.request.Request(endpoint.url("/invocations"), json.dumps({"instances": rows.tolist()}).encode(),
                                     {"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["predictions"] == serving_model.predict(rows).tolist()
    # The drift gauges exist once rows were observed: wait for a scrape after the request.
    features = sorted(drift_reference())
    watched = lambda: sorted(s["metric"].get("feature") for s in  # noqa: E731
                             monitoring.prometheus.query(f"model_feature_psi{{{slot.selector}}}"))
    try:
        monitoring.prometheus.wait_until("the endpoint's drift gauges scraped", lambda: watched() == features, 15)
    except TimeoutError:
        raise AssertionError(f"the endpoint's container watches {watched()}; the reference you shipped has "
                             f"{features}") from None
    info = monitoring.prometheus.query(f"model_info{{{slot.selector}}}")
    assert [s["metric"].get("version") for s in info] == ["2026-11-26.3"], \
        f"Prometheus's model_info for the endpoint's container is {[s['metric'] for s in info]}"


def _model_of(aws, endpoint: str) -> str:
    sm = aws.reader("sagemaker")
    config = sm.describe_endpoint_config(EndpointConfigName=sm.describe_endpoint(EndpointName=endpoint)["EndpointConfigName"])
    return config["ProductionVariants"][0]["ModelName"]


def _onnx_in(archive: bytes) -> bytes:
    import io

    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as opened:
        return opened.extractfile("model.onnx").read()


def _members_of(s3, bucket: str, key: str) -> list[str]:
    import io

    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return [m.name for m in archive.getmembers() if m.isfile()]
