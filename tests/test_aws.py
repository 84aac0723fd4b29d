"""Lesson 4.1's AWS is moto's server on loopback: it starts, forgets everything between tests,
records what clients asked, and no request of a test's client can reach anywhere else."""

import io
import tarfile
import types

import pytest

from fixtures.engines.aws import Aws, NotMoto
from fixtures.engines.docker.cloud import unpack_model


def test_clients_reach_moto_with_fake_credentials(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="kata-check")
    assert [b["Name"] for b in aws.reader("s3").list_buckets()["Buckets"]] == ["kata-check"]
    credentials = s3._request_signer._credentials
    assert credentials.access_key == "testing", "the fixture's fake credentials, never the machine's"


def test_each_test_starts_with_an_empty_moto(aws):
    assert aws.reader("s3").list_buckets()["Buckets"] == [], "a bucket of the test before is still there"


def test_calls_record_the_learners_requests_not_the_tests(aws):
    aws.client("s3").create_bucket(Bucket="kata-recorded")
    aws.reader("s3").list_buckets()
    assert [(c.service, c.operation, c.params) for c in aws.calls] == [("s3", "CreateBucket", {"Bucket": "kata-recorded"})]


def test_a_request_to_anywhere_but_moto_is_stopped_before_it_leaves(aws):
    request = types.SimpleNamespace(url="https://runtime.sagemaker.us-east-1.amazonaws.com/endpoints/x/invocations")
    with pytest.raises(NotMoto, match="runtime.sagemaker"):
        aws._only_moto(request)
    aws._only_moto(types.SimpleNamespace(url=f"{aws.server.url}/endpoints/x/invocations"))  # moto's own: allowed


def test_a_client_made_without_the_fixture_cannot_reach_aws(aws):
    """A learner's own boto3.client() has no moto URL: its request never leaves the machine
    (no route out here; with one, the network guard refuses anything but loopback)."""
    import boto3
    import botocore.exceptions

    with pytest.raises(botocore.exceptions.EndpointConnectionError):
        boto3.client("sts", region_name="us-east-1").get_caller_identity()


def test_the_results_queue_is_what_invoke_endpoint_answers(aws, moto_server):
    moto_server.queue_endpoint_results([{"Body": '{"predictions": [7]}', "ContentType": "application/json",
                                         "InvokedProductionVariant": "blue", "CustomAttributes": ""}])
    answer = aws.client("sagemaker-runtime").invoke_endpoint(EndpointName="e", Body=b"{}",
                                                            ContentType="application/json")
    assert answer["Body"].read() == b'{"predictions": [7]}'


def test_an_archive_that_escapes_opt_ml_model_is_not_unpacked(tmp_path):
    evil = tmp_path / "evil.tar.gz"
    with tarfile.open(evil, "w:gz") as archive:
        data = b"x"
        member = tarfile.TarInfo("../outside.txt")
        member.size = len(data)
        archive.addfile(member, io.BytesIO(data))
    with pytest.raises(tarfile.TarError):
        unpack_model(evil, tmp_path / "model")
    assert not (tmp_path / "outside.txt").exists()


def test_aws_is_one_object_per_test(aws):
    assert isinstance(aws, Aws) and aws.calls == []
