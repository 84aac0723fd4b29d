"""Kata 3.1.2: settings from the environment, checked before the server starts.

A container is configured by environment variables. A wrong value must stop the start with
one line that names the variable (what `docker logs` shows), not fail at the first request.
The server is started for real here, as `python server.py` in a process of its own.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from fixtures import lesson_module


def _server():
    return lesson_module(__file__, "server")


def _env(model, **values):
    return {"MODEL_PATH": str(model), **values}


def test_defaults(serving_model):
    settings = _server().settings_from_env(_env(serving_model.onnx_path))
    assert (settings.port, settings.workers, settings.log_level) == (8000, 1, "info")
    assert settings.model_path == str(serving_model.onnx_path)


def test_each_variable_is_read(serving_model):
    settings = _server().settings_from_env(_env(serving_model.onnx_path, PORT="9001", WORKERS="3", LOG_LEVEL="DEBUG"))
    assert (settings.port, settings.workers, settings.log_level) == (9001, 3, "debug")


@pytest.mark.parametrize("port, workers", [("1", "1"), ("65535", "32")])
def test_the_ends_of_each_range_are_accepted(serving_model, port, workers):
    settings = _server().settings_from_env(_env(serving_model.onnx_path, PORT=port, WORKERS=workers))
    assert (settings.port, settings.workers) == (int(port), int(workers))


@pytest.mark.parametrize("name, value", [
    ("PORT", "abc"), ("PORT", "0"), ("PORT", "65536"), ("PORT", "80.5"),
    ("WORKERS", "0"), ("WORKERS", "33"), ("WORKERS", "many"), ("LOG_LEVEL", "loud"),
    ("MODEL_PATH", "/no/such/model.onnx"),
])
def test_a_wrong_value_is_a_value_error_naming_the_variable(serving_model, name, value):
    env = _env(serving_model.onnx_path, **{name: value})
    with pytest.raises(ValueError) as caught:
        _server().settings_from_env(env)
    message = str(caught.value)
    assert name in message and value in message, f"say which variable and what it was: {message!r}"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(env: dict) -> subprocess.Popen:
    server = Path(_server().__file__)
    return subprocess.Popen([sys.executable, server.name], cwd=server.parent, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)


def test_a_bad_setting_stops_the_start_with_one_line(serving_model):
    env = _env(serving_model.onnx_path, PORT="eighty")
    with pytest.raises(ValueError):
        _server().settings_from_env(env)  # the check itself first, in this process
    proc = _start(env)
    try:
        out, _ = proc.communicate(timeout=20)
    finally:
        _stop(proc)
    assert proc.returncode not in (0, None), "a server with a bad setting must not exit 0"
    lines = [line for line in out.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "PORT" in lines[0] and "eighty" in lines[0], \
        f"one line naming the variable, not a traceback; it printed:\n{out[-1500:]}"


def test_the_server_starts_with_the_settings_it_was_given(serving_model):
    port = _free_port()
    env = _env(serving_model.onnx_path, PORT=str(port), WORKERS="2", LOG_LEVEL="warning")
    assert _server().settings_from_env(env).port == port  # the settings first, in this process
    proc = _start(env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                body = urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    _stop(proc)
                    pytest.fail(f"nothing answered on PORT={port}; the server printed:\n{proc.stdout.read()[-1500:]}")
                time.sleep(0.2)
        assert b'"ok"' in body
        # WORKERS=2: two worker processes serve, under the one the test started.
        workers = [p for p in psutil.Process(proc.pid).children(recursive=True) if "python" in p.name().lower()
                   and p.status() != psutil.STATUS_ZOMBIE]
        assert len(workers) >= 2, f"WORKERS=2 but {len(workers)} worker process(es) run"
        os.kill(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0, f"SIGTERM should end the server cleanly (exit 0), got {proc.returncode}"
        # LOG_LEVEL=warning: none of uvicorn's INFO lines.
        assert "INFO" not in out, f"LOG_LEVEL=warning, yet it logged:\n{out[:800]}"
    finally:
        _stop(proc)
