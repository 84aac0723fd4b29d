"""A model server for Capstone 2's digit classifier: FastAPI on uvicorn, the model in ONNX Runtime.

    GET  /health    {"status": "ok", "host": "<hostname>"}
    POST /predict   {"instances": [[64 pixel values], ...]} -> {"predictions": [digit, ...], "host": "<hostname>"}

Started as `python server.py` (the image's CMD): settings come from the environment
(PORT, MODEL_PATH, WORKERS, LOG_LEVEL), checked before anything starts.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

FEATURES = 64  # 8x8 pixels, each in [0, 1]
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DEFAULT_MODEL = "/app/model/model.onnx"


class PredictRequest(BaseModel):
    instances: list[list[float]]


def load_model(path: str | Path) -> onnxruntime.InferenceSession:
    """The ONNX model at `path`, ready to run on the CPU (FileNotFoundError if there is none)."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"no model at {path}")
    return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def create_app(model_path: str | Path) -> FastAPI:
    """The web app: the model is loaded once, here, not per request."""
    session = load_model(model_path)
    input_name = session.get_inputs()[0].name
    host = socket.gethostname()  # which replica answered: the load balancer kata reads it
    app = FastAPI(title="digits")

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok", "host": host}

    @app.post("/predict")
    def predict(request: PredictRequest) -> dict:
        if not request.instances:
            raise HTTPException(422, "instances is empty: send at least one row of 64 pixel values")
        for i, row in enumerate(request.instances):
            if len(row) != FEATURES:
                raise HTTPException(422, f"each instance needs {FEATURES} pixel values; instance {i} has {len(row)}")
        # One batch, one call: the runtime computes all rows together.
        logits = session.run(None, {input_name: np.asarray(request.instances, dtype=np.float32)})[0]
        return {"predictions": logits.argmax(axis=1).tolist(), "host": host}

    return app


@dataclass(frozen=True)
class Settings:
    port: int = 8000
    model_path: str = DEFAULT_MODEL
    workers: int = 1
    log_level: str = "info"


def _whole(env, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, str(default))
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
    return value


def settings_from_env(env) -> Settings:
    """Settings from environment variables; ValueError naming the variable when one is wrong.

    PORT (1-65535, default 8000), MODEL_PATH (an existing file, default /app/model/model.onnx),
    WORKERS (1-32, default 1), LOG_LEVEL (critical, error, warning, info or debug, default info).
    """
    port = _whole(env, "PORT", 8000, 1, 65535)
    workers = _whole(env, "WORKERS", 1, 1, 32)
    level = env.get("LOG_LEVEL", "info").lower()
    if level not in LOG_LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {env.get('LOG_LEVEL')!r}")
    model_path = env.get("MODEL_PATH", DEFAULT_MODEL)
    if not Path(model_path).is_file():
        raise ValueError(f"MODEL_PATH must name the model file, got {model_path!r} (no such file)")
    return Settings(port, model_path, workers, level)


def app_from_env() -> FastAPI:
    """What each uvicorn worker process builds (workers import this module anew)."""
    return create_app(settings_from_env(os.environ).model_path)


def main() -> None:
    """Check the settings, then serve; a bad setting ends the start with one line and exit code 2."""
    try:
        settings = settings_from_env(os.environ)
    except ValueError as err:
        print(f"server: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    import uvicorn

    # uvicorn handles SIGTERM itself: it stops accepting, finishes the requests in flight, exits 0.
    uvicorn.run("server:app_from_env", factory=True, host="0.0.0.0", port=settings.port,
                workers=settings.workers, log_level=settings.log_level)


if __name__ == "__main__":
    main()
