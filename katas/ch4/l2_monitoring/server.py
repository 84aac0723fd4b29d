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

from typing import Callable

from fastapi import FastAPI
from prometheus_client import CollectorRegistry

try:
    from fixtures import KataNotImplemented
except ImportError:  # inside the Capstone 4 image, where the course's fixtures are not installed
    KataNotImplemented = NotImplementedError

LATENCY_SLO_S = 0.2  # the lesson's SLO: 95 % of predictions answered within 200 ms


def latency_buckets(slo_s: float) -> list[float]:
    """Histogram bucket upper bounds, in seconds, for a latency SLO of `slo_s`.

    Strictly increasing, positive and finite (Prometheus adds +Inf itself); `slo_s` itself is
    one of them, so "how many answered within the SLO" is a bucket, not an estimate; at least
    one bound below it and one above; at most 20 bounds (each is a series Prometheus stores).
    ValueError for an SLO that is not a positive, finite number of seconds.
    """
    raise KataNotImplemented("4.2.1")


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
    raise KataNotImplemented("4.2.1")
