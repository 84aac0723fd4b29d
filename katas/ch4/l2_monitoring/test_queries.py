"""Kata 4.2.2: your PromQL, run by a real Prometheus over traffic whose answers the test knows.

The traffic is an exporter of the lesson's metrics whose counters grow at set rates; Prometheus
scrapes it once a second. Its counters start where a server that ran fast and error-free for an
hour would have them; then come 2 s more of the same, then 6 s of this, per second:

  codes      200 x 7, 404 x 1, 500 x 1, 503 x 1      -> 10 requests/s, 5xx share 0.2
  latencies  30 ms x 4, 150 ms x 4, 300 ms x 2       -> p95 287.5 ms, p50 112.5 ms from the buckets,
                                                        80 % within the 200 ms SLO

Every query is evaluated at one instant, the last scrape: over a 4 s window it sees only the
second phase; a query that reads the counters' totals, or ignores its window, sees the hours
before it too. A second job answers 200 only: its error ratio is 0.
"""

from __future__ import annotations

import math

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects

WINDOW = "4s"  # inside the second phase, at one scrape a second


def _queries():
    return lesson_module(__file__, "queries")


@pytest.fixture(scope="module")
def traffic(known_traffic):
    return {"busy": known_traffic.busy, "clean": known_traffic.clean, "at": known_traffic.at}


def _number(monitoring, query, made_by, at):
    value = monitoring.ask_value(query, made_by, at)
    assert value is not None, f"{made_by} returned\n  {query}\n  which answers no data for a job that has traffic"
    return value


def test_request_rate_is_requests_per_second_over_the_window(monitoring, traffic):
    query = _queries().request_rate(traffic["busy"], WINDOW)
    got = _number(monitoring, query, f"request_rate({traffic['busy']!r}, {WINDOW!r})", traffic["at"])
    assert got == pytest.approx(10, rel=0.1), (
        f"request_rate returned\n  {query}\n  which answers {got:.4g}; the server answered 10 requests a second "
        "in the last 4 s (all codes). A counter's total is not a rate: rate(...[window]).")


def test_the_window_is_the_one_asked_for(monitoring, traffic):
    """Over a minute the calm seconds before the second phase count too (20 requests at 20 ms,
    then 60 of the second phase's mix): the median falls under 50 ms, where the last 4 s alone
    give 112.5 ms. A query that ignores its window cannot tell the two apart."""
    made_by = f"latency_quantile({traffic['busy']!r}, 0.5, '1m')"
    query = _queries().latency_quantile(traffic["busy"], 0.5, "1m")
    got = _number(monitoring, query, made_by, traffic["at"])
    assert got < 0.05, (f"{made_by} returned\n  {query}\n  which answers {got:.4g} s; over the last minute, "
                        "with the calm seconds, the median is under 0.05 s (the last 4 s alone: 0.1125 s): is the "
                        "window used?")


def test_error_ratio_counts_server_errors_only(monitoring, traffic):
    query = _queries().error_ratio(traffic["busy"], WINDOW)
    got = _number(monitoring, query, f"error_ratio({traffic['busy']!r}, {WINDOW!r})", traffic["at"])
    assert got == pytest.approx(0.2, abs=0.01), (
        f"error_ratio returned\n  {query}\n  which answers {got:.4g}; of every 10 answers, 1 was a 500 and 1 a 503 "
        "(server errors, 0.2) and 1 a 404 (the caller's mistake, not an error of the server)")


def test_error_ratio_is_zero_not_empty_when_nothing_failed(monitoring, traffic):
    query = _queries().error_ratio(traffic["clean"], WINDOW)
    result = monitoring.ask(query, f"error_ratio({traffic['clean']!r}, {WINDOW!r})", traffic["at"])
    assert len(result) == 1 and float(result[0]["value"][1]) == 0, (
        f"error_ratio returned\n  {query}\n  which answers {result or 'no data'} for a job that answered only 200s. "
        "A series that never appeared is not 0 to PromQL: without a 5xx series the answer is empty (`or vector(0)`).")


@pytest.mark.parametrize("q, expected", [(0.95, 0.2875), (0.5, 0.1125)])
def test_latency_quantile_comes_from_the_buckets_rates(monitoring, traffic, q, expected):
    query = _queries().latency_quantile(traffic["busy"], q, WINDOW)
    made_by = f"latency_quantile({traffic['busy']!r}, {q}, {WINDOW!r})"
    got = _number(monitoring, query, made_by, traffic["at"])
    assert not math.isnan(got) and got == pytest.approx(expected, abs=0.005), (
        f"{made_by} returned\n  {query}\n  which answers {got:.4g} s; the buckets of the last 4 s give {expected} s "
        "(histogram_quantile over sum by (le) of the buckets' rate)")


def test_the_default_quantile_is_p95(monitoring, traffic):
    query = _queries().latency_quantile(traffic["busy"], window=WINDOW)
    got = _number(monitoring, query, f"latency_quantile({traffic['busy']!r}, window={WINDOW!r})", traffic["at"])
    assert got == pytest.approx(0.2875, abs=0.005), f"latency_quantile without q answers {got:.4g} s; p95 is 0.2875 s"


def test_within_slo_reads_the_slo_bucket(monitoring, traffic):
    query = _queries().within_slo(traffic["busy"], 0.2, WINDOW)
    made_by = f"within_slo({traffic['busy']!r}, 0.2, {WINDOW!r})"
    got = _number(monitoring, query, made_by, traffic["at"])
    assert got == pytest.approx(0.8, abs=0.01), \
        f"{made_by} returned\n  {query}\n  which answers {got:.4g}; 8 requests of every 10 took at most 200 ms"


@pytest.mark.parametrize("slo, expected", [(0.15, 0.8), (0.05, 0.4), (1.0, 1.0)])
def test_within_slo_for_other_slos(monitoring, traffic, slo, expected):
    query = _queries().within_slo(traffic["busy"], slo, WINDOW)
    made_by = f"within_slo({traffic['busy']!r}, {slo}, {WINDOW!r})"
    got = _number(monitoring, query, made_by, traffic["at"])
    assert got == pytest.approx(expected, abs=0.01), \
        f"{made_by} returned\n  {query}\n  which answers {got:.4g}; expected {expected} (the bucket le=\"{slo}\")"


def test_each_query_is_about_its_job_only(monitoring, traffic):
    """The clean job: 5 requests/s, all fast. Its numbers must not include the busy job's."""
    queries, job = _queries(), traffic["clean"]
    rate = _number(monitoring, queries.request_rate(job, WINDOW), f"request_rate({job!r}, {WINDOW!r})", traffic["at"])
    p95 = _number(monitoring, queries.latency_quantile(job, 0.95, WINDOW),
                  f"latency_quantile({job!r}, 0.95, {WINDOW!r})", traffic["at"])
    assert rate == pytest.approx(5, rel=0.1) and p95 <= 0.025, \
        f"for the clean job (5 requests/s, each 20 ms) your queries answer {rate:.4g} requests/s and p95 {p95:.4g} s"


@pytest.mark.parametrize("call, why", [
    (("request_rate", 'job"} or vector(1) #', "5m"), "a job name that ends the selector"),
    (("request_rate", "", "5m"), "no job"),
    (("error_ratio", "model", "5 minutes"), "not a PromQL duration"),
    (("error_ratio", "model", "-5m"), "a negative window"),
    (("latency_quantile", "model", 95, "5m"), "a quantile is between 0 and 1"),
    (("latency_quantile", "model", 0, "5m"), "the 0-quantile is not a latency"),
    (("latency_quantile", "model", 1, "5m"), "q = 1 is the slowest request, which buckets cannot tell"),
    (("latency_quantile", "model", -0.5, "5m"), "a negative quantile"),
    (("latency_quantile", "model", "0.95", "5m"), "a string, not a number"),
    (("within_slo", "model", 0, "5m"), "an SLO of 0 s"),
    (("within_slo", "model", -0.2, "5m"), "a negative SLO"),
    (("within_slo", "model", "0.2", "5m"), "a string, not seconds"),
])
def test_arguments_that_cannot_make_a_query_are_refused(call, why):
    name, *args = call
    rejects(getattr(_queries(), name), *args, why=why)


def test_every_query_is_valid_promql(monitoring):
    """Prometheus's own parser (/api/v1/format_query) reads each query: a typo is its error, shown short."""
    queries = _queries()
    for made_by, query in [("request_rate('model', '5m')", queries.request_rate("model", "5m")),
                           ("error_ratio('model', '5m')", queries.error_ratio("model", "5m")),
                           ("latency_quantile('model', 0.99, '5m')", queries.latency_quantile("model", 0.99, "5m")),
                           ("within_slo('model', 0.2, '5m')", queries.within_slo("model", 0.2, "5m"))]:
        try:
            monitoring.prometheus.format_query(query)
        except Exception as err:  # noqa: BLE001 - PrometheusError: shown as the learner's error
            raise monitoring.refused(f"Prometheus cannot parse the query {made_by} returned",
                                     [f"query: {query}", f"Prometheus: {getattr(err, 'said', err)}"]) from None
