"""Kata 4.2.1: a model server that says how it is doing, in Prometheus's terms.

The app answers POST /predict with the predictions of the `predict` it is given, and
GET /metrics with its metrics, in the text format Prometheus scrapes. The metrics are the
lesson's contract (the README's table); PromQL queries, alert rules and dashboards are
written against these names, so they are exact:

  model_requests_total{code}          Counter   /predict requests answered, by HTTP status
                                                code ("200", "400", "422", "500")
  model_request_duration_seconds      Histogram seconds to answer a /predict request (every
                                                answer, errors too), buckets latency_buckets(slo_s)
  model_requests_in_flight            Gauge     /predict requests being answered right now
  model_info{name, version}           Info      the model being served

The metrics live on the app's own `registry` (a CollectorRegistry), never on
prometheus_client's global one: two apps in one process must not share, or refuse, names.
"""

from __future__ import annotations

import math
import time
from typing import Callable

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, Info, generate_latest

LATENCY_SLO_S = 0.2  # the lesson's SLO: 95 % of predictions answered within 200 ms


def latency_buckets(slo_s: float) -> list[float]:
    """Histogram bucket upper bounds, in seconds, for a latency SLO of `slo_s`.

    Strictly increasing, positive and finite (Prometheus adds +Inf itself); `slo_s` itself is
    one of them, so "how many answered within the SLO" is a bucket, not an estimate; at least
    one bound below it and one above; at most 20 bounds (each is a series Prometheus stores).
    ValueError for an SLO that is not a positive, finite number of seconds.
    """
    if not isinstance(slo_s, (int, float)) or isinstance(slo_s, bool) or not math.isfinite(slo_s) or slo_s <= 0:
        raise ValueError(f"an SLO is a positive number of seconds, not {slo_s!r}")
    below = [slo_s * f for f in (0.05, 0.1, 0.25, 0.5, 0.75, 0.9)]
    above = [slo_s * f for f in (1.25, 1.5, 2, 3, 5, 10)]
    return [*below, float(slo_s), *above]


def create_app(predict: Callable[[list], list], *, registry: CollectorRegistry, model_name: str,
               model_version: str, slo_s: float = LATENCY_SLO_S) -> FastAPI:
    """The instrumented model server.

    POST /predict with {"instances": [...]} answers {"predictions": predict(instances)};
    a body that is not that -> 422; predict raising ValueError (input it cannot use) -> 400 with
    {"detail": its message}; any other exception -> 500. GET /metrics -> the registry's metrics,
    answered while predictions run (a slow model must not stop the server answering).
    Labels stay bounded: a status code has a handful of values; an input, a request id or a user
    is never a label (each value is a new series, kept for weeks).
    """
    requests = Counter("model_requests", "Prediction requests answered, by HTTP status code", ["code"],
                       registry=registry)
    latency = Histogram("model_request_duration_seconds", "Seconds to answer a prediction request",
                        buckets=latency_buckets(slo_s), registry=registry)
    in_flight = Gauge("model_requests_in_flight", "Prediction requests being answered now", registry=registry)
    Info("model", "The model being served", registry=registry).info({"name": model_name, "version": model_version})

    app = FastAPI(title=f"{model_name} {model_version}")

    @app.post("/predict")
    async def predict_route(request: Request):
        started = time.perf_counter()
        in_flight.inc()
        try:
            status, body = await _answer(request, predict)
        finally:
            in_flight.dec()
            latency.observe(time.perf_counter() - started)
        requests.labels(code=str(status)).inc()
        return JSONResponse(body, status_code=status)

    @app.get("/metrics")
    def metrics():
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return app


async def _answer(request: Request, predict) -> tuple[int, dict]:
    import anyio

    try:
        payload = await request.json()
    except ValueError:
        return 422, {"detail": "the body is not JSON"}
    if not isinstance(payload, dict) or not isinstance(payload.get("instances"), list):
        return 422, {"detail": 'expected {"instances": [...]}'}
    try:
        # In a worker thread: a slow model must not stop /metrics (or other requests) answering.
        predictions = await anyio.to_thread.run_sync(predict, payload["instances"])
    except ValueError as err:
        return 400, {"detail": str(err)}
    except Exception as err:  # noqa: BLE001 - any other failure of the model is the server's
        return 500, {"detail": f"{type(err).__name__}: {err}"}
    return 200, {"predictions": list(predictions)}
