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

try:
    from fixtures import KataNotImplemented
except ImportError:  # inside the image, where the course's fixtures are not installed
    KataNotImplemented = NotImplementedError

FEATURES = 64  # 8x8 pixels, each in [0, 1]
LOG_LEVELS = ("critical", "error", "warning", "info", "debug")
DEFAULT_MODEL = "/app/model/model.onnx"


class PredictRequest(BaseModel):
    instances: list[list[float]]


def load_model(path: str | Path) -> onnxruntime.InferenceSession:
    """The ONNX model at `path`, ready to run on the CPU (FileNotFoundError if there is none)."""
    raise KataNotImplemented("3.1.1")


def create_app(model_path: str | Path) -> FastAPI:
    """The web app: the model is loaded once, here, not per request.

    GET /health answers {"status": "ok", "host": socket.gethostname()}; POST /predict takes a
    PredictRequest and answers {"predictions": [digit, ...], "host": ...} (the digit is the
    index of the largest of the model's 10 outputs); instances that are not rows of 64 numbers,
    or none at all, get a 422 whose message says what was expected.
    """
    raise KataNotImplemented("3.1.1")


@dataclass(frozen=True)
class Settings:
    port: int = 8000
    model_path: str = DEFAULT_MODEL
    workers: int = 1
    log_level: str = "info"


def settings_from_env(env) -> Settings:
    """Settings from environment variables; ValueError naming the variable when one is wrong.

    PORT (1-65535, default 8000), MODEL_PATH (an existing file, default /app/model/model.onnx),
    WORKERS (1-32, default 1), LOG_LEVEL (critical, error, warning, info or debug, any case,
    default info). The message names the variable and the value it had.
    """
    raise KataNotImplemented("3.1.2")


def app_from_env() -> FastAPI:
    """What each uvicorn worker process builds (workers import this module anew)."""
    return create_app(settings_from_env(os.environ).model_path)


def main() -> None:
    """Check the settings, then serve; a bad setting ends the start with one line and exit code 2.

    Serve with uvicorn on 0.0.0.0 (inside a container, every interface), the port, workers and
    log level of the settings: uvicorn.run("server:app_from_env", factory=True, ...).
    """
    raise KataNotImplemented("3.1.2")


if __name__ == "__main__":
    main()
