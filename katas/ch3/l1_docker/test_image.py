"""Kata 3.1.3: the image builds with no network and serves the model from a container.

The build context is this lesson folder as it is, plus wheels/ and model/model.onnx (the
`serving_images` fixture; its build log goes to .kata/logs/). The container is reached
through a port published on 127.0.0.1, as a client outside it would.
"""

import json
import urllib.request

import pytest

from fixtures.course.errors import KataEngineError
from fixtures.course.trees import REPO_ROOT, lesson_path
from fixtures.engines.docker.run import serve

LOGS = REPO_ROOT / ".kata" / "logs"


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=30).read())


@pytest.fixture
def image(serving_images):
    return serving_images.build(lesson_path(__file__, "."), "3.1.3", LOGS)


def test_the_container_serves_health_and_the_models_predictions(image, docker_scope, serving_model):
    server = serve(docker_scope, image.tag, port=8000, log=LOGS / "3.1.3-run.log", what="your container")
    base = f"http://127.0.0.1:{server.get_exposed_port(8000)}"
    health = json.loads(urllib.request.urlopen(f"{base}/health", timeout=10).read())
    assert health["status"] == "ok"
    x = serving_model.x_test
    answer = _post(f"{base}/predict", {"instances": x.tolist()})
    assert answer["predictions"] == serving_model.predict(x).tolist(), \
        "the container's predictions differ from the model's own"


def test_port_comes_from_the_environment(image, docker_scope):
    server = serve(docker_scope, image.tag, port=9090, env={"PORT": "9090"}, log=LOGS / "3.1.3-port.log",
                   what="your container with PORT=9090")
    health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{server.get_exposed_port(9090)}/health",
                                               timeout=10).read())
    assert health["status"] == "ok"


@pytest.mark.parametrize("name, value", [("WORKERS", "none"), ("MODEL_PATH", "/models/missing.onnx")])
def test_a_bad_setting_stops_the_container_at_once_saying_why(image, docker_scope, name, value):
    with pytest.raises(KataEngineError) as caught:
        serve(docker_scope, image.tag, port=8000, env={name: value}, log=LOGS / "3.1.3-bad.log", timeout=30)
    err = caught.value
    assert "exited with code" in err.said and "code 0" not in err.said, err.said
    assert any(name in line and value in line for line in err.lines), \
        f"the container's last lines should name {name}: {err.lines}"
