"""Kata 3.1.7: three replicas of your image behind HAProxy, configured by your haproxy.cfg.

The replicas run on a user-defined network as replica1, replica2 and replica3 (port 8000);
HAProxy (haproxy:2.6) reads your haproxy.cfg. Requests must reach all three; when one is
stopped, HAProxy's own stats must show it DOWN, and from then on no request may fail.
"""

import csv
import io
import json
import threading
import time
import urllib.request
from collections import Counter

import pytest

from fixtures.course.trees import REPO_ROOT, lesson_path
from fixtures.engines.docker.run import serve
from fixtures.engines.probes import LB_IMAGE

LOGS = REPO_ROOT / ".kata" / "logs"
REPLICAS = ("replica1", "replica2", "replica3")


def _get(url: str) -> dict:
    return json.loads(urllib.request.urlopen(url, timeout=5).read())


@pytest.fixture
def balanced(serving_images, docker_scope, tmp_path):
    image = serving_images.build(lesson_path(__file__, "."), "3.1.7", LOGS)
    net = docker_scope.network("replicas")
    replicas = {}
    for name in REPLICAS:
        container = docker_scope.client.containers.create(image.tag, hostname=name, labels=docker_scope.labels,
                                                          name=f"{name}-{docker_scope.id}")
        docker_scope.adopt_container(container.id)
        net.connect(container, aliases=[name])
        container.start()
        replicas[name] = container
    config = tmp_path / "haproxy"
    config.mkdir(mode=0o755)
    (config / "haproxy.cfg").write_text(lesson_path(__file__, "haproxy.cfg").read_text())
    (config / "haproxy.cfg").chmod(0o644)
    lb = serve(docker_scope, LB_IMAGE, port=8080, also=(8404,), health="/health", network=net.name,
               mounts={str(config): "/usr/local/etc/haproxy"}, log=LOGS / "3.1.7-haproxy.log",
               what="HAProxy with your haproxy.cfg", timeout=60)
    return replicas, f"http://127.0.0.1:{lb.get_exposed_port(8080)}", f"http://127.0.0.1:{lb.get_exposed_port(8404)}"


def _states(stats: str) -> dict[str, str]:
    """HAProxy's own view of each replica (UP, DOWN, ...), from its stats page as CSV."""
    text = urllib.request.urlopen(f"{stats}/stats;csv", timeout=5).read().decode().lstrip("# ")
    return {row["svname"]: row["status"] for row in csv.DictReader(io.StringIO(text)) if row["svname"] in REPLICAS}


def _wait(what: str, check, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        time.sleep(0.1)


def test_requests_are_spread_over_the_three_replicas(balanced):
    _, site, stats = balanced
    _wait("HAProxy to report replica1-3 UP (is stats on :8404 at /stats?)",
          lambda: sorted(_states(stats).items()) == [(r, "UP") for r in REPLICAS])
    hosts = Counter(_get(f"{site}/health")["host"] for _ in range(30))
    assert set(hosts) == set(REPLICAS), f"30 requests reached {dict(hosts)}"
    assert min(hosts.values()) >= 5, f"30 requests were spread unevenly: {dict(hosts)}"


def test_stopping_a_replica_loses_no_request_once_the_balancer_notices(balanced, serving_model):
    replicas, site, stats = balanced
    _wait("HAProxy to report replica1-3 UP", lambda: set(_states(stats).values()) == {"UP"})
    body = json.dumps({"instances": serving_model.x_test[:2].tolist()}).encode()
    expected = serving_model.predict(serving_model.x_test[:2]).tolist()
    outcomes: list[tuple[float, bool]] = []
    running = threading.Event()
    running.set()

    def load():
        while running.is_set():
            request = urllib.request.Request(f"{site}/predict", body, {"Content-Type": "application/json"})
            try:
                ok = json.loads(urllib.request.urlopen(request, timeout=5).read())["predictions"] == expected
            except Exception:
                ok = False
            outcomes.append((time.monotonic(), ok))

    loader = threading.Thread(target=load)
    loader.start()
    try:
        _wait("a few answered requests", lambda: len(outcomes) >= 10)
        replicas["replica1"].stop(timeout=10)
        _wait("HAProxy to mark replica1 DOWN", lambda: _states(stats).get("replica1") not in ("UP", None), timeout=20)
        noticed = time.monotonic()
        _wait("requests after that", lambda: sum(t > noticed for t, _ in outcomes) >= 30)
    finally:
        running.clear()
        loader.join(10)
    before = [ok for t, ok in outcomes if t <= noticed]
    after = [ok for t, ok in outcomes if t > noticed]
    print(f"\n{len(before)} requests before HAProxy marked replica1 down ({before.count(False)} failed), "
          f"{len(after)} after ({after.count(False)} failed)")
    assert all(after), f"{after.count(False)} of {len(after)} requests failed after HAProxy knew replica1 was down"
