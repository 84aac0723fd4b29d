"""Kata 4.1.2: one image, two clouds. The image of this lesson, FROM your lesson 3.1 image, is
started exactly as each platform starts a custom container, and called as each calls it.

SageMaker: `docker run -v <model>:/opt/ml/model:ro IMAGE serve`, port 8080, GET /ping,
POST /invocations. The model mounted is a second release of the digit model (its answer is
digit + 1): the container must serve the model it was given, not the one in its image.
Vertex AI: the image with no arguments, AIP_HTTP_PORT=7080 and routes named after the
endpoint. The build log is .kata/logs/4.1-build.log; each container's, .kata/logs/4.1.2-*.log.
"""

import json
import time
import urllib.error
import urllib.request

import pytest

from fixtures.course.errors import KataEngineError
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.docker.cloud import VertexRoutes, start_sagemaker, start_vertex, unpack_model
from fixtures.engines.docker.scope import DockerScope

LOGS = REPO_ROOT / ".kata" / "logs"


def _post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, body, {"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read()


# --- the image, started as SageMaker starts it ---------------------------------------------

@pytest.fixture(scope="module")
def module_scope(docker_engine):
    with DockerScope(docker_engine, name="4-1-2") as scope:
        yield scope


@pytest.fixture(scope="module")
def relabelled_model_dir(serving_model, tmp_path_factory):
    import tarfile

    folder = tmp_path_factory.mktemp("release-2")
    model = serving_model.relabelled(folder / "model.onnx")
    with tarfile.open(folder / "model.tar.gz", "w:gz") as archive:
        archive.add(model, arcname="model.onnx")
    return unpack_model(folder / "model.tar.gz", tmp_path_factory.mktemp("opt-ml-model"))


@pytest.fixture(scope="module")
def sagemaker(cloud_image, module_scope, relabelled_model_dir):
    container = start_sagemaker(module_scope, cloud_image.tag, relabelled_model_dir, log=LOGS / "4.1.2-sagemaker.log")
    return f"http://127.0.0.1:{container.get_exposed_port(8080)}"


def test_ping_answers_200_within_two_seconds(sagemaker):
    started = time.monotonic()
    with urllib.request.urlopen(f"{sagemaker}/ping", timeout=2) as answer:
        assert answer.status == 200
    took = time.monotonic() - started
    assert took < 2, f"GET /ping took {took:.1f} s; SageMaker marks a container unhealthy after 2 s"


def test_invocations_answers_with_the_model_sagemaker_mounted(sagemaker, serving_model):
    x = serving_model.x_test
    status, content_type, body = _post(f"{sagemaker}/invocations", json.dumps({"instances": x.tolist()}).encode())
    assert status == 200, f"POST /invocations answered {status}: {body[:300]!r}"
    assert content_type.startswith("application/json"), f"the answer's Content-Type is {content_type!r}"
    predictions = json.loads(body)["predictions"]
    if predictions == serving_model.predict(x).tolist():
        pytest.fail("the container answered with the model in its image, not with the one SageMaker unpacked "
                    "into /opt/ml/model (a second release, whose answer is digit + 1)", pytrace=False)
    assert predictions == serving_model.relabelled_predict(x).tolist(), \
        "the predictions are not those of the model in /opt/ml/model/model.onnx"


@pytest.mark.parametrize("content_type", ["text/csv", "application/x-npy", "application/cbor"])
def test_a_body_that_is_not_json_is_a_415(sagemaker, serving_model, content_type):
    row = ",".join(str(v) for v in serving_model.x_test[0])
    status, _, body = _post(f"{sagemaker}/invocations", row.encode(), content_type)
    assert status == 415, f"POST /invocations with Content-Type {content_type} answered {status}: {body[:200]!r}; " \
                          "expected 415 Unsupported Media Type"


def test_json_with_a_charset_is_json(sagemaker, serving_model):
    x = serving_model.x_test[:3]
    status, _, body = _post(f"{sagemaker}/invocations", json.dumps({"instances": x.tolist()}).encode(),
                            "application/json; charset=utf-8")
    assert status == 200, f"Content-Type application/json; charset=utf-8 answered {status}: {body[:200]!r}"
    assert json.loads(body)["predictions"] == serving_model.relabelled_predict(x).tolist()


def test_a_route_neither_platform_asks_for_is_a_404(sagemaker):
    status, _, body = _post(f"{sagemaker}/predictions", b"{}")
    assert status == 404, f"POST /predictions answered {status}: {body[:200]!r}"


def test_bad_instances_are_a_client_error_not_a_crash(sagemaker):
    status, _, body = _post(f"{sagemaker}/invocations", json.dumps({"instances": [[0.5] * 63]}).encode())
    assert 400 <= status < 500, f"63 pixel values answered {status}: {body[:200]!r}; expected a 4xx that says why"
    assert b"64" in body, f"the answer should say 64 values are expected: {body[:200]!r}"


def test_without_a_model_the_container_stops_at_once_saying_where_it_looked(cloud_image, docker_scope):
    with pytest.raises(KataEngineError) as caught:
        start_sagemaker(docker_scope, cloud_image.tag, None, log=LOGS / "4.1.2-no-model.log", timeout=30)
    err = caught.value
    assert "exited with code 2" in err.said, f"{err.said}; a start that cannot work exits with code 2"
    assert any("/opt/ml/model" in line for line in err.lines), \
        f"the container's last lines should say it found no model in /opt/ml/model: {err.lines}"
    assert not any("Traceback" in line for line in err.lines), \
        f"one line that says why, not a traceback: {err.lines}"


def test_sigterm_stops_it_cleanly_before_sagemakers_sigkill(cloud_image, docker_scope, relabelled_model_dir):
    container = start_sagemaker(docker_scope, cloud_image.tag, relabelled_model_dir, log=LOGS / "4.1.2-stop.log")
    wrapped = container.get_wrapped_container()
    wrapped.stop(timeout=30)  # SIGTERM, and SIGKILL after 30 s, as SageMaker does
    wrapped.reload()
    code = wrapped.attrs["State"]["ExitCode"]
    assert code == 0, (f"after SIGTERM the container exited with code {code}"
                       + (" (137: killed at the deadline; is python PID 1, from an exec-form ENTRYPOINT?)"
                          if code == 137 else ""))


# --- the same image, started as Vertex AI starts it -----------------------------------------

def test_vertex_starts_it_with_no_arguments_and_its_own_port_and_routes(cloud_image, docker_scope, serving_model):
    routes = VertexRoutes()
    container = start_vertex(docker_scope, cloud_image.tag, routes, log=LOGS / "4.1.2-vertex.log")
    base = f"http://127.0.0.1:{container.get_exposed_port(routes.port)}"
    x = serving_model.x_test[:50]
    body = json.dumps({"instances": x.tolist(), "parameters": {}}).encode()
    status, _, answer = _post(base + routes.predict, body)
    assert status == 200, f"POST {routes.predict} answered {status}: {answer[:300]!r}"
    assert json.loads(answer)["predictions"] == serving_model.predict(x).tolist(), \
        "on Vertex AI the model is the one in the image: its predictions differ"


def test_the_image_is_built_on_your_lesson_3_1_image(cloud_image, serving_images, own_serving_lesson):
    base = serving_images.build(own_serving_lesson, "4.1-base", LOGS)
    layers = lambda ref: serving_images.scope.client.images.get(ref).attrs["RootFS"]["Layers"]  # noqa: E731
    below, image = layers(base.tag), layers(cloud_image.tag)
    assert image[:len(below)] == below, "the image should start FROM your lesson 3.1 image (build argument BASE)"
