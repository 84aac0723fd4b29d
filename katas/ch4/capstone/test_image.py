"""Kata 4.c.1: the watched image. Your lesson 4.1 image with your lesson 4.2 instrumentation
and drift monitor in front of the model, started as SageMaker starts it.

The tests build your Dockerfile FROM your lesson 4.1 image (with monitoring/ = your lesson 4.2
server.py and drift.py, and wheels/ = requirements.txt's), start it with a model folder as
SageMaker unpacks one (model.onnx and reference.json), publish its port 8080 where the real
Prometheus scrapes, send predictions, and read what Prometheus stored: the counts must be the
requests sent, the drift gauges the PSI of the rows sent, computed by your own lesson 4.2 psi().
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import numpy as np
import pytest

from fixtures import lesson_module
from fixtures.course.errors import KataEngineError
from fixtures.course.trees import REPO_ROOT
from fixtures.data.digits import DRIFT_FEATURES, drift_reference, drift_streams
from fixtures.engines.docker.watched import model_folder, start_watched

KATA = "4.c.1"
LOGS = REPO_ROOT / ".kata" / "logs"
WINDOW = 100  # DRIFT_WINDOW: rows per drift window


def _post(url: str, body: bytes, content_type: str = "application/json") -> tuple[int, dict]:
    request = urllib.request.Request(url, body, {"Content-Type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as err:
        return err.code, {}


def _rows(url: str, rows) -> tuple[int, dict]:
    return _post(url, json.dumps({"instances": np.asarray(rows).tolist()}).encode())


@pytest.fixture
def watched(watched_image_later, docker_scope, serving_model, monitoring, tmp_path):
    """start(env, reference=True) -> (container, slot): the image on a Prometheus slot."""
    def start(env=None, reference=True):
        image = watched_image_later()
        slot = monitoring.slot()
        folder = model_folder(tmp_path / "opt-ml-model", serving_model.onnx_path,
                              drift_reference() if reference else None)
        container = start_watched(docker_scope, image.tag, folder, slot.port, env=env, log=LOGS / "4.c.1-run.log")
        return container, slot
    return start


def _wait_for(monitoring, expr: str, check, what: str, timeout: float = 20):
    """Until `expr`'s answer (a list of series) passes `check`; the last answer."""
    seen = []

    def holds() -> bool:
        seen[:] = monitoring.prometheus.query(expr)
        return check(seen)
    try:
        monitoring.prometheus.wait_until(what, holds, timeout)
    except TimeoutError:
        got = {json.dumps(s["metric"], sort_keys=True): s["value"][1] for s in seen} or "no series"
        raise AssertionError(f"{what}: Prometheus was asked\n  {expr}\n  and answered {got}") from None
    return seen


def test_it_answers_sagemakers_routes_with_the_models_predictions(watched, serving_model):
    container, slot = watched()
    rows = serving_model.x_test[:25]
    status, body = _rows(f"http://127.0.0.1:{slot.port}/invocations", rows)
    assert status == 200, f"POST /invocations with 25 rows answered {status}"
    assert body.get("predictions") == serving_model.predict(rows).tolist(), \
        f"POST /invocations answered {body}; expected the model's predictions {serving_model.predict(rows).tolist()}"
    with urllib.request.urlopen(f"http://127.0.0.1:{slot.port}/ping", timeout=5) as ping:
        assert ping.status == 200


def test_prometheus_counts_every_answer_by_its_code(watched, serving_model, monitoring):
    container, slot = watched(env={"MODEL_VERSION": "2026-11-26.1"})
    url = f"http://127.0.0.1:{slot.port}/invocations"
    sent = {"200": 0, "400": 0}
    for i in range(7):
        status, _ = _rows(url, serving_model.x_test[i * 3:i * 3 + 3])
        sent["200"] += status == 200
    for width in (63, 65):
        status, _ = _rows(url, np.zeros((2, width)))
        assert status == 400, f"rows of {width} pixels were answered {status}; the model takes 64 (400: input it cannot use)"
        sent["400"] += 1
    for what, instances in (("one row not in a list", [0.0] * 64), ("no rows", [])):
        status, _ = _post(url, json.dumps({"instances": instances}).encode())
        assert status == 400, f"instances that are {what} were answered {status}; expected 400 (input it cannot use)"
        sent["400"] += 1
    assert sent["200"] == 7, f"of 7 requests of 3 good rows, {sent['200']} were answered 200"
    series = _wait_for(monitoring, f"sum by (code) (model_requests_total{{{slot.selector}}})",
                       lambda got: {s["metric"].get("code"): float(s["value"][1]) for s in got} == {"200": 7, "400": 4},
                       "Prometheus's count of your container's answers, by code, is the 7 answered 200 and 4 answered 400")
    assert series
    count = monitoring.prometheus.value(f"sum(model_request_duration_seconds_count{{{slot.selector}}})")
    assert count == 11, f"model_request_duration_seconds timed {count} requests; 11 were sent to /invocations"
    info = monitoring.prometheus.query(f"model_info{{{slot.selector}}}")
    labels = [(s["metric"].get("name"), s["metric"].get("version")) for s in info]
    assert labels == [("digits", "2026-11-26.1")], \
        f"model_info says {labels or 'nothing'}; expected name digits and the version SageMaker passed as MODEL_VERSION"


def test_the_drift_gauges_are_the_psi_of_the_last_window_of_rows(watched, monitoring):
    container, slot = watched(env={"DRIFT_WINDOW": str(WINDOW)})
    url = f"http://127.0.0.1:{slot.port}/invocations"
    psi = lesson_module(REPO_ROOT / "katas" / "ch4" / "l2_monitoring" / "test_drift.py", "drift").psi
    reference, _, _ = drift_streams()
    x_train, _, x_test, y_test = _splits()
    clean, drifted = x_test[:150], x_test[(y_test == 0) | (y_test == 1)]
    sent, expected = [], {}
    for name, rows in (("clean", clean), ("drifted", drifted)):
        for start in range(0, len(rows), 30):
            status, _ = _rows(url, rows[start:start + 30])
            assert status == 200, f"a request of {len(rows[start:start + 30])} {name} rows was answered {status}"
        sent.extend(rows)
        # A request the model refuses is not traffic: its rows must not enter the windows.
        assert _rows(url, np.ones((5, 63)))[0] == 400
        window = np.asarray(sent[-WINDOW:])
        expected = {feature: psi(reference[feature], window[:, column]) for feature, column in DRIFT_FEATURES.items()}
        _wait_for(monitoring, f"model_feature_psi{{{slot.selector}}}",
                  lambda got: _close({s["metric"].get("feature"): float(s["value"][1]) for s in got}, expected),
                  f"after {len(clean)} clean rows{' and %d drifted ones' % len(drifted) if name == 'drifted' else ''}, "
                  f"model_feature_psi should be your psi() of each feature's last {WINDOW} values "
                  f"(DRIFT_WINDOW={WINDOW}): {expected}")
    assert max(expected.values()) > 0.25, "the drifted rows should drift (the lesson's data changed?)"


@pytest.mark.parametrize("window", ["1", "100001", "ten", ""])
def test_a_drift_window_that_is_not_one_is_refused_at_start(watched, window):
    with pytest.raises(KataEngineError) as refused:
        watched(env={"DRIFT_WINDOW": window})
    assert "exited with code 2" in refused.value.said, \
        f"DRIFT_WINDOW={window!r} (2 to 100000 rows) should stop the server at once with exit code 2; {refused.value.said}"


def test_the_smallest_and_largest_drift_windows_start(watched):
    for window in ("2", "100000"):
        watched(env={"DRIFT_WINDOW": window})  # returns once /ping answers


def test_started_the_way_vertex_ai_starts_a_container_it_refuses(watched_image_later, docker_scope):
    """This image is SageMaker's: its model and reference come from /opt/ml/model, which Vertex AI
    does not provide. Started with Vertex's AIP_ variables, it must say so and stop, not serve
    the model baked into the lesson 3.1 image with no reference to watch."""
    from fixtures.engines.docker.cloud import VertexRoutes, start_vertex

    image = watched_image_later()
    with pytest.raises(KataEngineError) as refused:
        start_vertex(docker_scope, image.tag, VertexRoutes(), log=LOGS / "4.c.1-vertex.log")
    assert "exited with code 2" in refused.value.said, f"started as Vertex AI starts it: {refused.value.said}"


def test_a_model_shipped_without_its_reference_is_refused_at_start(watched):
    with pytest.raises(KataEngineError) as refused:
        watched(reference=False)
    said, last_words = refused.value.said, "\n".join(refused.value.lines)
    assert "exited with code 2" in said, \
        f"with no reference.json beside the model, the server should stop at once with exit code 2; {said}"
    assert "reference.json" in last_words, \
        f"the server's last words should name the missing reference.json; they were:\n{last_words[-600:]}"


def _close(got: dict, expected: dict) -> bool:
    return set(got) == set(expected) and all(abs(got[k] - expected[k]) < 1e-6 for k in expected)


def _splits():
    from fixtures.data.digits import digits_split

    return digits_split()
