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

import re

from prometheus_client.utils import floatToGoString

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def _check(job: str, window: str) -> None:
    if not isinstance(job, str) or not job or '"' in job or "\\" in job:
        raise ValueError(f"a job name, not {job!r}")
    if not isinstance(window, str) or not _DURATION.match(window):
        raise ValueError(f'a PromQL duration such as "30s" or "5m", not {window!r}')


def request_rate(job: str, window: str = "5m") -> str:
    """Requests per second `job` answered over `window`, every status code together."""
    _check(job, window)
    return f'sum(rate(model_requests_total{{job="{job}"}}[{window}]))'


def error_ratio(job: str, window: str = "5m") -> str:
    """The share (0..1) of `job`'s answers over `window` that were server errors (5xx). Client
    errors (4xx) are the caller's, not the server's. 0 when none failed: a number an alert can
    compare, not an empty answer."""
    _check(job, window)
    errors = f'sum(rate(model_requests_total{{job="{job}",code=~"5.."}}[{window}]))'
    return f'({errors} or vector(0)) / {request_rate(job, window)}'


def latency_quantile(job: str, q: float = 0.95, window: str = "5m") -> str:
    """The q-quantile (0.95: p95) of `job`'s request latency over `window`, in seconds."""
    _check(job, window)
    if not isinstance(q, (int, float)) or isinstance(q, bool) or not 0 < q < 1:
        raise ValueError(f"a quantile is between 0 and 1, not {q!r}")
    buckets = f'sum by (le) (rate(model_request_duration_seconds_bucket{{job="{job}"}}[{window}]))'
    return f"histogram_quantile({q}, {buckets})"


def within_slo(job: str, slo_s: float, window: str = "5m") -> str:
    """The share (0..1) of `job`'s requests answered within `slo_s` seconds over `window`,
    read from the bucket whose bound is the SLO (server.py puts one there)."""
    _check(job, window)
    if not isinstance(slo_s, (int, float)) or isinstance(slo_s, bool) or not slo_s > 0:
        raise ValueError(f"an SLO is a positive number of seconds, not {slo_s!r}")
    # prometheus_client writes a bound as Go would ("0.2", "1.0"): the label must match it exactly.
    fast = f'sum(rate(model_request_duration_seconds_bucket{{job="{job}",le="{floatToGoString(slo_s)}"}}[{window}]))'
    every = f'sum(rate(model_request_duration_seconds_count{{job="{job}"}}[{window}]))'
    return f"{fast} / {every}"
