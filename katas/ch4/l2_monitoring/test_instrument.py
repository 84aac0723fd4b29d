"""Kata 4.2.1: an instrumented model server, scraped by a real Prometheus.

Your app runs in this process (uvicorn, in a thread) on a port the lesson's Prometheus already
scrapes once a second; the tests send it requests with a `predict` of their own (one that
answers, one that refuses its input, one that breaks, one that waits) and read back what
Prometheus stored. The bucket test builds a histogram with your latency_buckets and lets
Prometheus's own histogram_quantile answer whether the SLO holds.
"""

from __future__ import annotations

import math
import threading

import httpx
import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.engines.monitoring.serve import serve

SLO = 0.2


def _server():
    return lesson_module(__file__, "server")


def _app(predict, registry=None, version="7"):
    from prometheus_client import CollectorRegistry

    return _server().create_app(predict, registry=registry or CollectorRegistry(), model_name="digits",
                                model_version=version, slo_s=SLO)


def _digits(instances):
    return [int(sum(row)) % 10 for row in instances]


def _families(text: str) -> dict:
    """The exposition a /metrics answer holds: metric family name -> its samples."""
    from prometheus_client.parser import text_string_to_metric_families

    return {family.name: family for family in text_string_to_metric_families(text)}


# --- latency_buckets: pure ---------------------------------------------------------------------

@pytest.mark.parametrize("slo", [0.2, 0.05, 1.5, 3])
def test_the_buckets_hold_the_slo_itself_in_order(slo):
    buckets = _server().latency_buckets(slo)
    assert isinstance(buckets, (list, tuple)) and buckets, f"latency_buckets({slo}) returned {buckets!r}"
    assert all(isinstance(b, (int, float)) and math.isfinite(b) and b > 0 for b in buckets), \
        f"latency_buckets({slo}) = {buckets}: bounds are positive, finite seconds (Prometheus adds +Inf)"
    assert list(buckets) == sorted(set(buckets)), f"latency_buckets({slo}) = {buckets}: not strictly increasing"
    assert any(b == slo for b in buckets), \
        f"latency_buckets({slo}) = {buckets}: {slo} is not a bound, so 'answered within the SLO' is only an estimate"
    assert min(buckets) < slo < max(buckets), f"latency_buckets({slo}) = {buckets}: a bound below the SLO and one above"
    assert len(buckets) <= 20, f"latency_buckets({slo}) has {len(buckets)} bounds: each is a stored series (at most 20)"


@pytest.mark.parametrize("slo, why", [(0, "an SLO of 0 s"), (-0.2, "a negative SLO"), (float("nan"), "NaN"),
                                      (float("inf"), "an SLO of forever"), ("0.2", "a string, not seconds"),
                                      (True, "a bool, not seconds")])
def test_an_slo_that_is_not_one_is_refused(slo, why):
    rejects(_server().latency_buckets, slo, why=why)


def test_your_buckets_tell_the_slo_holds_where_the_default_ones_say_it_broke(monitoring):
    """100 requests: 60 fast, 38 between 120 and 184 ms, 2 at 600 ms. The true p95 is 181 ms, inside
    the 200 ms SLO. prometheus_client's default buckets (..., 0.1, 0.25, ...) put all 38 in one
    bucket, and histogram_quantile, which assumes a bucket's requests spread evenly, answers 238 ms."""
    from prometheus_client import CollectorRegistry, Histogram

    latencies = [0.02] * 60 + [0.12 + 0.064 * i / 37 for i in range(38)] + [0.6] * 2
    true_p95 = sorted(latencies)[94]
    buckets = _server().latency_buckets(SLO)
    estimates = {}
    for name, bounds in (("yours", buckets), ("default", Histogram.DEFAULT_BUCKETS[:-1])):
        registry = CollectorRegistry()
        histogram = Histogram("kata_latency_seconds", "test", buckets=bounds, registry=registry)
        for seconds in latencies:
            histogram.observe(seconds)
        slot = monitoring.slot()
        with _exporter(registry, slot):
            monitoring.prometheus.wait_scraped(slot)
            estimates[name] = monitoring.prometheus.value(
                f'histogram_quantile(0.95, sum by (le) (kata_latency_seconds_bucket{{{slot.selector}}}))')
    assert estimates["yours"] is not None and estimates["yours"] <= SLO, (
        f"with latency_buckets({SLO}) = {buckets}, Prometheus estimates p95 = {estimates['yours']:.3f} s: the SLO "
        f"({SLO} s) looks broken, yet the true p95 is {true_p95:.3f} s. (The default buckets say "
        f"{estimates['default']:.3f} s.) A bound at the SLO makes the answer right.")
    assert estimates["default"] > SLO  # the lesson's point: default buckets get this wrong


# --- the app, scraped by Prometheus ----------------------------------------------------------

def _exporter(registry, slot):
    """The test's own registry served on a slot (prometheus_client's ASGI app, in a thread)."""
    from prometheus_client import make_asgi_app

    return serve(make_asgi_app(registry), slot)


def _send(base: str, bodies: list, headers: dict | None = None) -> list[int]:
    codes = []
    with httpx.Client(base_url=base, timeout=10) as client:
        for body in bodies:
            try:
                if isinstance(body, bytes):
                    codes.append(client.post("/predict", content=body, headers={"Content-Type": "application/json"}).status_code)
                else:
                    codes.append(client.post("/predict", json=body, headers=headers).status_code)
            except httpx.TimeoutException:
                pytest.fail(f"POST /predict with {body!r:.60} did not answer within 10 s (the test's predict answers at "
                            "once): does the route wait for something that never comes?", pytrace=False)
    return codes


def _predict_by_first_value(instances):
    """Answers, refuses (ValueError: 400) or breaks (RuntimeError: 500), as its input says."""
    first = instances[0][0]
    if first == -1:
        raise ValueError("pixel values are between 0 and 16")
    if first == -2:
        raise RuntimeError("the model file is corrupt")
    return _digits(instances)


def test_prometheus_scrapes_your_server_and_counts_every_answer_by_status_code(monitoring):
    slot = monitoring.slot()
    ok, refused, broken = {"instances": [[1, 2]]}, {"instances": [[-1, 2]]}, {"instances": [[-2, 0]]}
    with serve(_app(_predict_by_first_value), slot) as base:
        codes = _send(base, [ok] * 6 + [refused] * 2 + [broken] + [b"{not json", {"rows": [[1]]}])
        assert codes == [200] * 6 + [400] * 2 + [500] + [422] * 2, f"your /predict answered {codes}"
        monitoring.prometheus.wait_scraped(slot, 2)
        got = {r["metric"].get("code"): float(r["value"][1]) for r in
               monitoring.prometheus.query(f"model_requests_total{{{slot.selector}}}")}
    assert got == {"200": 6, "400": 2, "500": 1, "422": 2}, (
        f"Prometheus read model_requests_total by code = {got}; the test sent 6 answered, 2 refused (400), "
        "1 broken (500) and 2 malformed bodies (422)")


def test_the_latency_histogram_times_every_request_with_a_bucket_at_the_slo(monitoring):
    slot = monitoring.slot()

    def slow(instances):
        threading.Event().wait(0.05)  # a model that takes 50 ms
        return _digits(instances)

    with serve(_app(slow), slot) as base:
        _send(base, [{"instances": [[3, 4]]}] * 4 + [b"[]"])
        monitoring.prometheus.wait_scraped(slot, 2)
        query = monitoring.prometheus.query
        count = query(f"model_request_duration_seconds_count{{{slot.selector}}}")
        total = query(f"model_request_duration_seconds_sum{{{slot.selector}}}")
        bounds = {r["metric"]["le"] for r in query(f"model_request_duration_seconds_bucket{{{slot.selector}}}")}
    assert len(count) == 1 and float(count[0]["value"][1]) == 5, \
        f"model_request_duration_seconds_count = {count}; expected 5 (4 answers and 1 malformed body: every answer is timed)"
    seconds = float(total[0]["value"][1])
    assert 4 * 0.05 <= seconds < 4 * 0.05 + 1.0, \
        f"model_request_duration_seconds_sum = {seconds:.3f} s for 4 requests that each took 50 ms in the model"
    assert any(float(b) == SLO for b in bounds if b != "+Inf"), \
        f"the histogram's buckets are {sorted(bounds, key=lambda b: float(b))}: none at the SLO ({SLO} s)"


def test_the_default_slo_is_the_lessons_200_ms(monitoring):
    from prometheus_client import CollectorRegistry

    app = _server().create_app(_digits, registry=CollectorRegistry(), model_name="digits", model_version="1")
    slot = monitoring.slot()
    with serve(app, slot) as base:
        bounds = {s.labels["le"] for s in _families(httpx.get(f"{base}/metrics").text)
                  ["model_request_duration_seconds"].samples if "le" in s.labels}
    assert "0.2" in bounds, f"create_app without slo_s made the buckets {sorted(bounds)}; the lesson's SLO is 200 ms"


def test_the_model_being_served_is_an_info_metric(monitoring):
    slot = monitoring.slot()
    with serve(_app(_digits, version="2026-11-26.3"), slot):
        monitoring.prometheus.wait_scraped(slot)
        found = monitoring.prometheus.query(f"model_info{{{slot.selector}}}")
    labels = [{k: v for k, v in r["metric"].items() if k in ("name", "version")} for r in found]
    assert labels == [{"name": "digits", "version": "2026-11-26.3"}], f"Prometheus read model_info = {found}"
    assert float(found[0]["value"][1]) == 1


def test_requests_in_flight_are_counted_while_they_run(monitoring):
    slot = monitoring.slot()
    entered, release = threading.Event(), threading.Event()

    def held(instances):
        entered.set()
        release.wait(10)
        return _digits(instances)

    with serve(_app(held), slot) as base:
        worker = threading.Thread(target=_send, args=(base, [{"instances": [[1]]}]))
        worker.start()
        try:
            assert entered.wait(5), "predict was never called"
            try:
                during = _families(httpx.get(f"{base}/metrics", timeout=3).text)
            except httpx.TimeoutException:
                pytest.fail("GET /metrics did not answer within 3 s while one prediction was running: the "
                            "prediction holds the server's event loop (call predict in a thread, or make the "
                            "route a plain def)", pytrace=False)
        finally:
            release.set()
            worker.join(10)
        after = _families(httpx.get(f"{base}/metrics").text)
    value = lambda fams: fams["model_requests_in_flight"].samples[0].value if "model_requests_in_flight" in fams else None  # noqa: E731
    assert value(during) == 1 and value(after) == 0, \
        f"model_requests_in_flight read {value(during)} while one request was in predict, {value(after)} after it"


def test_labels_stay_bounded_whatever_the_requests_carry(monitoring):
    """A request id, an input or a user as a label makes a new series per request: 40 requests
    with 40 ids and 40 inputs must not make more series than 4 do."""
    slot = monitoring.slot()

    def series_now(base):
        families = _families(httpx.get(f"{base}/metrics").text)
        return sum(len(f.samples) for name, f in families.items() if name.startswith("model_"))

    with serve(_app(_digits), slot) as base:
        for i in range(4):
            _send(base, [{"instances": [[i, 1]], "request_id": f"r{i}"}], headers={"X-Request-ID": f"r{i}"})
        after_4 = series_now(base)
        for i in range(4, 40):
            _send(base, [{"instances": [[i, i]], "request_id": f"r{i}"}], headers={"X-Request-ID": f"r{i}"})
        after_40 = series_now(base)
    assert after_40 == after_4, f"your metrics had {after_4} samples after 4 requests and {after_40} after 40: " \
                                "something per request became a label"


def test_each_app_has_its_own_registry(monitoring):
    from prometheus_client import REGISTRY, CollectorRegistry

    first, second = CollectorRegistry(), CollectorRegistry()
    app_a = _app(_digits, first)
    app_b = _app(_digits, second)  # the same names again: fine on another registry
    slot_a, slot_b = monitoring.slot(), monitoring.slot()
    with serve(app_a, slot_a) as a, serve(app_b, slot_b) as b:
        _send(a, [{"instances": [[1]]}] * 3)
        _send(b, [{"instances": [[1]]}])
        in_a = first.get_sample_value("model_requests_total", {"code": "200"})
        in_b = second.get_sample_value("model_requests_total", {"code": "200"})
    assert (in_a, in_b) == (3, 1), f"app A's registry counted {in_a} (3 sent to it), app B's {in_b} (1 sent to it)"
    assert REGISTRY.get_sample_value("model_requests_total", {"code": "200"}) is None, \
        "model_requests_total is on prometheus_client's global REGISTRY: put it on the registry create_app is given"
