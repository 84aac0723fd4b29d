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
Every prediction's rows feed the drift windows, one value per row and feature; rows the
model refuses (not 64 numbers each: a 400) are not traffic and feed nothing.

Settings from the environment: MODEL_NAME (default "digits"), MODEL_VERSION (default "0"),
DRIFT_WINDOW (rows per window, a whole number from 2 to 100000, default 500).

In the image, beside this file: server.py (lesson 3.1: load_model), cloud_server.py (lesson
4.1: contract_from) and monitoring/ (lesson 4.2: server.py, drift.py), importable as
`import server`, `import cloud_server`, `from monitoring.server import create_app`.
"""

from __future__ import annotations

import sys

try:
    from fixtures import KataNotImplemented
except ImportError:  # inside the image, where the course's fixtures are not installed
    KataNotImplemented = NotImplementedError

FEATURES = 64  # pixels per row


def build_app(model_path: str, reference_path: str, *, model_name: str, model_version: str, drift_window: int):
    """The app: predictions through 4.2.1's create_app (so every answer is counted and timed),
    each request's accepted rows into 4.2.6's DriftMonitor, and SageMaker's two routes."""
    raise KataNotImplemented("4.c.1")


def main(argv: list[str] | None = None) -> None:
    """Read the contract and the settings, check the model and its reference, serve on the
    contract's port; a start that cannot work (not SageMaker's `serve`: this image's model and
    reference come from /opt/ml/model; no reference.json beside the model; a DRIFT_WINDOW
    outside 2 to 100000) ends at once with one line on stderr saying why and exit code 2."""
    argv = sys.argv if argv is None else argv
    raise KataNotImplemented("4.c.1")


if __name__ == "__main__":
    main()
