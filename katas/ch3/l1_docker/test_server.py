"""Kata 3.1.1: the model server, in this process (no Docker yet): /health, /predict, bad input.

The model is Capstone 2's digit classifier converted to ONNX (the `serving_model` fixture);
what the server predicts must be what the model predicts, for one row and for a batch.
"""

import numpy as np
import pytest
from fastapi.testclient import TestClient

from fixtures import lesson_module
from fixtures.course.expect import returned


def _server():
    return lesson_module(__file__, "server")


@pytest.fixture
def client(serving_model):
    app = _server().create_app(str(serving_model.onnx_path))
    with TestClient(app) as test_client:
        yield test_client


def test_health_says_ok_and_which_host(client):
    answer = client.get("/health")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "ok" and isinstance(body["host"], str) and body["host"], body


def test_predict_answers_what_the_model_answers_for_a_batch(client, serving_model):
    x = serving_model.x_test
    answer = client.post("/predict", json={"instances": x.tolist()})
    assert answer.status_code == 200, answer.text
    predictions = answer.json()["predictions"]
    assert predictions == serving_model.predict(x).tolist()
    assert (np.array(predictions) == serving_model.y_test).mean() >= 0.9


def test_predict_answers_one_row(client, serving_model):
    row = serving_model.x_test[5:6]
    answer = client.post("/predict", json={"instances": row.tolist()})
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"] == serving_model.predict(row).tolist()


def test_the_model_is_loaded_once_not_per_request(serving_model, monkeypatch):
    import onnxruntime

    made = []
    real = onnxruntime.InferenceSession

    class Counting(real):
        def __init__(self, *args, **kwargs):
            made.append(args[0] if args else kwargs.get("path_or_bytes"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(onnxruntime, "InferenceSession", Counting)
    with TestClient(_server().create_app(str(serving_model.onnx_path))) as client:
        for i in range(3):
            assert client.post("/predict", json={"instances": serving_model.x_test[i:i + 1].tolist()}).status_code == 200
    assert len(made) == 1, f"the model was loaded {len(made)} times for 3 requests: load it once, in create_app"


@pytest.mark.parametrize("body, says", [
    ({"instances": [[0.5] * 10]}, "64"),
    ({"instances": [[0.5] * 64, [0.5] * 63]}, "64"),
    ({"instances": [[0.5] * 65]}, "64"),
    ({"instances": []}, ""),
    ({"instances": [["a"] * 64]}, ""),
    ({"rows": [[0.5] * 64]}, ""),
])
def test_bad_input_is_a_422_that_says_what_is_wrong(client, body, says):
    answer = client.post("/predict", json=body)
    assert answer.status_code == 422, f"POST /predict {body!r:.60} answered {answer.status_code}: {answer.text[:200]}"
    assert says in answer.text, f"the answer should say what was expected ({says} values): {answer.text[:200]}"


def test_a_missing_model_file_is_said_at_once(tmp_path):
    with pytest.raises(FileNotFoundError):
        _server().load_model(str(tmp_path / "nothing.onnx"))


def test_load_model_gives_an_onnx_runtime_session(serving_model):
    import onnxruntime

    session = returned(_server().load_model(str(serving_model.onnx_path)), onnxruntime.InferenceSession,
                       call="load_model(path)", expected_text="an onnxruntime.InferenceSession",
                       advice="Create the session once: onnxruntime.InferenceSession(path, providers=[...]).")
    assert session.get_inputs()[0].shape[-1] == 64
