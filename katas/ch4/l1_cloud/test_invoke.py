"""Kata 4.1.7: a client for the endpoint: what it sends, what it reads, what it retries.

sagemaker-runtime is moto's server, told through moto's own results API what the endpoint
answers (the real digit model's predictions). What your predict() sent is read from the
record of its calls; then the same bytes, with the same Content-Type, go to your lesson 4.1
image started as SageMaker starts it, which must answer them with the same predictions.

moto cannot throttle, so the throttling tests answer the call themselves, inside your boto3
client, before it is sent (botocore's `before-call` event): a ThrottlingException, as AWS
sends it, for the first attempts.
"""

import json
import time
import urllib.request

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects, returned
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.docker.cloud import start_sagemaker, unpack_model

LOGS = REPO_ROOT / ".kata" / "logs"
ENDPOINT = "digits"
ROWS = slice(0, 12)


def _invoke():
    return lesson_module(__file__, "invoke")


@pytest.fixture
def runtime(aws, moto_server, serving_model):
    """A sagemaker-runtime client whose endpoint answers the model's predictions for ROWS."""
    answer = {"predictions": serving_model.predict(serving_model.x_test[ROWS]).tolist()}
    moto_server.queue_endpoint_results([{"Body": json.dumps(answer), "ContentType": "application/json",
                                         "InvokedProductionVariant": "blue", "CustomAttributes": ""}])
    return aws.client("sagemaker-runtime")


class Faults:
    """Answers the first `times` InvokeEndpoint calls of a client with an AWS error, before they
    are sent, and notes when every attempt was made."""

    def __init__(self, client, code: str, message: str, status: int, times: int):
        self.code, self.message, self.status, self.left = code, message, status, times
        self.attempts: list[float] = []
        client.meta.events.register("before-call.sagemaker-runtime.InvokeEndpoint", self)

    def __call__(self, **_):
        from botocore.awsrequest import AWSResponse

        self.attempts.append(time.monotonic())
        if self.left == 0:
            return None  # sent to moto
        self.left -= 1
        error = {"Error": {"Code": self.code, "Message": self.message},
                 "ResponseMetadata": {"HTTPStatusCode": self.status, "HTTPHeaders": {}}}
        return AWSResponse("https://runtime.sagemaker/", self.status, {}, None), error


def _predict(runtime, instances, **kwargs):
    got = _invoke().predict(runtime, ENDPOINT, instances, **kwargs)
    return returned(got, list, call=f"predict(runtime, {ENDPOINT!r}, <{len(instances)} rows>)",
                    expected_text="a list of predictions, one per row", advice="return the answer's predictions")


def test_predictions_come_back_one_per_row(runtime, serving_model):
    x = serving_model.x_test[ROWS]
    assert _predict(runtime, x.tolist()) == serving_model.predict(x).tolist()


def test_the_request_says_what_it_sends_and_what_it_accepts(aws, runtime, serving_model):
    x = serving_model.x_test[ROWS]
    _predict(runtime, x.tolist())
    [call] = [c for c in aws.calls if c.operation == "InvokeEndpoint"]
    assert call.params["EndpointName"] == ENDPOINT, call.params
    assert call.params.get("ContentType", "").split(";")[0] == "application/json", call.params.get("ContentType")
    assert call.params.get("Accept", "").split(";")[0] == "application/json", \
        f"Accept is {call.params.get('Accept')!r}: say which answer you can read"
    body = call.params["Body"]
    sent = json.loads(body if isinstance(body, (str, bytes)) else body.read())
    assert sent == {"instances": x.tolist()}, f"the body sent was {str(sent)[:120]}"


def test_the_real_container_answers_the_same_bytes_the_same_way(aws, runtime, serving_model, cloud_image_later,
                                                                docker_scope, tmp_path):
    import tarfile

    x = serving_model.x_test[ROWS]
    got = _predict(runtime, x.tolist())
    [call] = [c for c in aws.calls if c.operation == "InvokeEndpoint"]
    body = call.params["Body"]
    body = body.encode() if isinstance(body, str) else body
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as archive:
        archive.add(serving_model.onnx_path, arcname="model.onnx")
    container = start_sagemaker(docker_scope, cloud_image_later().tag, unpack_model(tmp_path / "model.tar.gz", tmp_path / "m"),
                                log=LOGS / "4.1.7-run.log")
    request = urllib.request.Request(f"http://127.0.0.1:{container.get_exposed_port(8080)}/invocations", body,
                                     {"Content-Type": call.params["ContentType"],
                                      "Accept": call.params.get("Accept", "*/*")})
    answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
    assert answer["predictions"] == got, "your container answers your client's request differently"


@pytest.fixture
def pauses(monkeypatch):
    """The pauses invoke.py asks time.sleep for (and takes: the real sleep still runs). Only
    its own calls count: the sleeps of the libraries under it are not its pauses."""
    import sys

    asked: list[float] = []
    real = time.sleep
    module = _invoke()

    def sleep(seconds):
        if sys._getframe(1).f_globals.get("__name__") == module.__name__:
            asked.append(seconds)
        real(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    if getattr(module, "sleep", None) is real:  # `from time import sleep`
        monkeypatch.setattr(module, "sleep", sleep)
    return asked


def test_throttling_is_retried_with_doubling_pauses(runtime, serving_model, pauses):
    faults = Faults(runtime, "ThrottlingException", "Rate exceeded", 400, times=3)
    x = serving_model.x_test[ROWS]
    assert _predict(runtime, x.tolist(), retries=3, base_delay=0.05) == serving_model.predict(x).tolist()
    assert len(faults.attempts) == 4, f"{len(faults.attempts)} attempts for 3 throttled ones and a good one"
    if pauses:
        assert [round(p, 6) for p in pauses] == [0.05, 0.1, 0.2], \
            f"the pauses asked for were {pauses} s; base_delay=0.05 means 0.05, 0.1 and 0.2"
    else:  # paused some other way than time.sleep: judged by the clock
        gaps = [b - a for a, b in zip(faults.attempts, faults.attempts[1:])]
        assert gaps[0] >= 0.045 and gaps[1] > gaps[0] * 1.5 and gaps[2] > gaps[1] * 1.5, \
            f"the pauses were {[round(g * 1000) for g in gaps]} ms: wait base_delay, then double it"


def test_the_default_first_pause_is_a_tenth_of_a_second(runtime, serving_model, pauses):
    faults = Faults(runtime, "ThrottlingException", "Rate exceeded", 400, times=1)
    _predict(runtime, serving_model.x_test[ROWS].tolist())
    assert len(faults.attempts) == 2, faults.attempts
    waited = pauses[0] if pauses else faults.attempts[1] - faults.attempts[0]
    assert 0.09 <= waited < 0.5, f"the first pause was {waited:.3f} s; base_delay's default is 0.1 s"


def test_when_the_retries_are_used_up_the_error_says_so(runtime, serving_model):
    faults = Faults(runtime, "ThrottlingException", "Rate exceeded", 400, times=100)
    Error = _invoke().EndpointError
    with pytest.raises(Error) as caught:
        _invoke().predict(runtime, ENDPOINT, serving_model.x_test[ROWS].tolist(), retries=2, base_delay=0.01)
    assert len(faults.attempts) == 3, f"retries=2 means 3 attempts, there were {len(faults.attempts)}"
    assert ENDPOINT in str(caught.value) and "Throttling" in str(caught.value), str(caught.value)


def test_a_model_error_is_not_retried_and_says_what_the_container_said(runtime, serving_model):
    said = "Received client error (422) from primary with message \"instance 0 has 63 values\""
    faults = Faults(runtime, "ModelError", said, 424, times=1)
    Error = _invoke().EndpointError
    with pytest.raises(Error) as caught:
        _invoke().predict(runtime, ENDPOINT, serving_model.x_test[ROWS].tolist(), retries=3, base_delay=0.01)
    assert len(faults.attempts) == 1, f"a model error was retried ({len(faults.attempts)} attempts): it will not change"
    assert "63 values" in str(caught.value) and ENDPOINT in str(caught.value), str(caught.value)


def test_an_answer_without_predictions_is_an_endpoint_error(aws, moto_server, serving_model):
    moto_server.queue_endpoint_results([{"Body": json.dumps({"message": "model not loaded"}),
                                         "ContentType": "application/json", "InvokedProductionVariant": "blue",
                                         "CustomAttributes": ""}])
    with pytest.raises(_invoke().EndpointError) as caught:
        _invoke().predict(aws.client("sagemaker-runtime"), ENDPOINT, serving_model.x_test[ROWS].tolist())
    assert ENDPOINT in str(caught.value), str(caught.value)


def test_by_default_three_retries(runtime, serving_model, pauses):
    faults = Faults(runtime, "ThrottlingException", "Rate exceeded", 400, times=100)
    with pytest.raises(_invoke().EndpointError):
        _invoke().predict(runtime, ENDPOINT, serving_model.x_test[ROWS].tolist())
    assert len(faults.attempts) == 4, f"retries defaults to 3: 4 attempts, there were {len(faults.attempts)}"


def test_many_retries_end_too(runtime, serving_model):
    faults = Faults(runtime, "ThrottlingException", "Rate exceeded", 400, times=1000)
    with pytest.raises(_invoke().EndpointError):
        _invoke().predict(runtime, ENDPOINT, serving_model.x_test[ROWS].tolist(), retries=300, base_delay=0)
    assert len(faults.attempts) == 301, f"retries=300 means 301 attempts, there were {len(faults.attempts)}"


def test_a_big_batch_comes_back_whole(aws, moto_server, serving_model):
    x = serving_model.x_test[:300]
    moto_server.queue_endpoint_results([{"Body": json.dumps({"predictions": serving_model.predict(x).tolist()}),
                                         "ContentType": "application/json", "InvokedProductionVariant": "blue",
                                         "CustomAttributes": ""}])
    assert _predict(aws.client("sagemaker-runtime"), x.tolist()) == serving_model.predict(x).tolist()


@pytest.mark.parametrize("count", [3, 13])
def test_an_answer_with_the_wrong_number_of_predictions_is_an_endpoint_error(aws, moto_server, serving_model, count):
    moto_server.queue_endpoint_results([{"Body": json.dumps({"predictions": [1] * count}),
                                         "ContentType": "application/json", "InvokedProductionVariant": "blue",
                                         "CustomAttributes": ""}])
    with pytest.raises(_invoke().EndpointError):
        _invoke().predict(aws.client("sagemaker-runtime"), ENDPOINT, serving_model.x_test[ROWS].tolist())


def test_no_instances_is_refused_before_any_call(aws):
    rejects(_invoke().predict, aws.client("sagemaker-runtime"), ENDPOINT, [], why="there is nothing to predict")
    assert aws.calls == [], aws.operations()
