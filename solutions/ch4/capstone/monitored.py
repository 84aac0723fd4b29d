"""Kata 4.c.1: the watched model server. Your lesson 4.1 server's SageMaker contract, with
your lesson 4.2 instrumentation (4.2.1's create_app) and drift monitor (4.2.6's DriftMonitor)
in front of the model.

Started by SageMaker as `docker run IMAGE serve`, with the model unpacked into /opt/ml/model:

  GET  /ping          200 once the model and its reference are loaded
  POST /invocations   {"instances": [[64 pixel values], ...]} -> {"predictions": [digit, ...]}
  GET  /metrics       lesson 4.2's metrics: model_requests_total{code},
                      model_request_duration_seconds, model_requests_in_flight, model_info,
                      model_feature_psi{feature}, model_feature_ks{feature}

/opt/ml/model/reference.json is the training data's distribution of the watched features,
shipped with the model (kata 4.c.2 packs it):
  {"features": {"pixel_28": {"column": 28, "values": [0.0, 0.25, ...]}, ...}}
Every prediction's rows feed the drift windows, one value per row and feature.

Settings from the environment: MODEL_NAME (default "digits"), MODEL_VERSION (default "0"),
DRIFT_WINDOW (rows per window, a whole number from 2 to 100000, default 500).

In the image, beside this file: server.py (lesson 3.1: load_model), cloud_server.py (lesson
4.1: contract_from) and monitoring/ (lesson 4.2: server.py, drift.py).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

FEATURES = 64  # pixels per row


def load_reference(path: str | Path) -> dict[str, tuple[int, list[float]]]:
    """{feature: (column, values)} from a reference.json; ValueError saying what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"no {path.name} beside the model at {path}: the model archive must carry the "
                         "training distribution of the watched features")
    try:
        features = json.loads(path.read_text())["features"]
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is not {{\"features\": {{name: {{\"column\", \"values\"}}}}}}: {err}") from None
    if not isinstance(features, dict) or not features:
        raise ValueError(f"{path} names no feature")
    reference = {}
    for name, spec in features.items():
        column, values = (spec or {}).get("column"), (spec or {}).get("values")
        if not isinstance(column, int) or isinstance(column, bool) or not 0 <= column < FEATURES:
            raise ValueError(f"{path}: feature {name!r} has column {column!r}; expected 0 to {FEATURES - 1}")
        if not isinstance(values, list) or len(values) < 2:
            raise ValueError(f"{path}: feature {name!r} needs a list of at least 2 values")
        reference[name] = (column, values)
    return reference


def _window(env) -> int:
    raw = env.get("DRIFT_WINDOW", "500")
    if not raw.isdigit() or not 2 <= int(raw) <= 100_000:
        raise ValueError(f"DRIFT_WINDOW is a whole number of rows from 2 to 100000, not {raw!r}")
    return int(raw)


def build_app(model_path: str, reference_path: str, *, model_name: str, model_version: str, drift_window: int):
    """The app: predictions through 4.2.1's create_app (so every answer is counted and timed),
    each request's rows into 4.2.6's DriftMonitor, and SageMaker's two routes."""
    import numpy as np
    from prometheus_client import CollectorRegistry

    import server  # lesson 3.1's: load_model
    from monitoring.drift import DriftMonitor
    from monitoring.server import create_app

    session = server.load_model(model_path)
    input_name = session.get_inputs()[0].name
    reference = load_reference(reference_path)
    registry = CollectorRegistry()
    monitor = DriftMonitor({name: values for name, (_, values) in reference.items()}, registry=registry,
                           window=drift_window)

    def predict(instances: list) -> list:
        try:
            rows = np.asarray(instances, dtype=np.float32)
        except (ValueError, TypeError):
            raise ValueError(f"each instance is a list of {FEATURES} numbers") from None
        if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] != FEATURES:
            raise ValueError(f"expected a non-empty list of rows of {FEATURES} pixel values, got shape {rows.shape}")
        # Only input the model accepted is live traffic: a refused request is not drift.
        monitor.observe({name: rows[:, column] for name, (column, _) in reference.items()})
        return session.run(None, {input_name: rows})[0].argmax(axis=1).tolist()

    app = create_app(predict, registry=registry, model_name=model_name, model_version=model_version)
    # SageMaker's routes: /invocations is /predict under another name (the same handler, so it
    # is counted and timed as lesson 4.2 counts /predict); /ping answers once all is loaded.
    handler = next(route.endpoint for route in app.routes if getattr(route, "path", None) == "/predict")
    app.add_api_route("/invocations", handler, methods=["POST"])
    app.add_api_route("/ping", lambda: {"status": "ok"}, methods=["GET"])
    return app


def main(argv: list[str] | None = None) -> None:
    """Read the contract and the settings, check the model and its reference, serve; a start
    that cannot work ends at once with one line saying why and exit code 2."""
    argv = sys.argv if argv is None else argv
    import cloud_server  # lesson 4.1's, beside this file

    try:
        contract = cloud_server.contract_from(argv, os.environ)
        if contract.platform != "sagemaker":
            raise ValueError("this image is started by SageMaker: `docker run IMAGE serve`")
        if not os.path.isfile(contract.model_path):
            raise ValueError(f"no model at {contract.model_path}")
        reference_path = str(Path(contract.model_path).with_name("reference.json"))
        load_reference(reference_path)
        window = _window(os.environ)
    except ValueError as err:
        print(f"monitored: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    import uvicorn

    app = build_app(contract.model_path, reference_path, model_name=os.environ.get("MODEL_NAME", "digits"),
                    model_version=os.environ.get("MODEL_VERSION", "0"), drift_window=window)
    print(f"monitored: port {contract.port}: GET /ping, POST /invocations, GET /metrics; drift window {window} rows",
          file=sys.stderr)
    # One process: the metrics live in its memory. (Several workers would each count their
    # own requests; prometheus_client's multiprocess mode is what that needs.)
    uvicorn.run(app, host="0.0.0.0", port=contract.port, log_level="warning")


if __name__ == "__main__":
    main()
