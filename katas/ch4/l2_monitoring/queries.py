"""Kata 4.2.2: the questions an on-call engineer asks a model server, in PromQL.

Each function returns a query (a string) over the lesson's metrics (server.py's table) for
one job (`job` is the label Prometheus gives every series of a scrape target). Each query
answers one number for that job, over the last `window` ("30s", "5m": a PromQL duration):

Counters only ever go up (and back to 0 when the server restarts): the question is how fast
they went up in the window, which is what rate() answers, resets included. A quantile comes
from the histogram's buckets, summed by `le` before histogram_quantile reads them.

Every function raises ValueError for arguments that cannot make a query: an empty job or one
holding a quote, a window that is not a PromQL duration, a quantile outside (0, 1), an SLO
that is not a positive number of seconds.
"""

from __future__ import annotations

from fixtures import KataNotImplemented


def request_rate(job: str, window: str = "5m") -> str:
    """Requests per second `job` answered over `window`, every status code together."""
    raise KataNotImplemented("4.2.2")


def error_ratio(job: str, window: str = "5m") -> str:
    """The share (0..1) of `job`'s answers over `window` that were server errors (5xx). Client
    errors (4xx) are the caller's, not the server's. 0 when none failed: a number an alert can
    compare, not an empty answer."""
    raise KataNotImplemented("4.2.2")


def latency_quantile(job: str, q: float = 0.95, window: str = "5m") -> str:
    """The q-quantile (0.95: p95) of `job`'s request latency over `window`, in seconds."""
    raise KataNotImplemented("4.2.2")


def within_slo(job: str, slo_s: float, window: str = "5m") -> str:
    """The share (0..1) of `job`'s requests answered within `slo_s` seconds over `window`,
    read from the bucket whose bound is the SLO (server.py puts one there)."""
    raise KataNotImplemented("4.2.2")
