"""Kata 3.c.2: releases under load; a good one fails no request, a broken one is undone.

Your manifests/ are applied to a fresh namespace (by the test) and, while vegeta sends a
steady stream of predictions through the Service, your `release.release` rolls the
Deployment to kata-digits:2 (your server, which like a bigger model takes 3 s before it
listens). Then to kata-digits:broken, whose server exits at start: `release` must give up
after its timeout, roll back to kata-digits:2 and raise ReleaseFailed. vegeta's own report
is what is judged: not one request may fail, in either. The reports go to .kata/logs/.
"""

import json
import time

import pytest
from kubernetes import client

from fixtures import lesson_module
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.kubernetes import pods
from fixtures.engines.vegeta import Attack

KATA = "3.c.2"
NAME = "digits"
LOGS = REPO_ROOT / ".kata" / "logs"
RATE = 40  # requests per second, each on its own connection
BROKEN_TIMEOUT = 20  # seconds release() is given for the broken image


@pytest.fixture(scope="module")
def release():
    return lesson_module(__file__, "release")


def _state(kube_api, namespace) -> tuple[str, dict[str, str], list[str]]:
    """(the Deployment's image, each live pod's image, the pods not ready)."""
    deployment = client.AppsV1Api(kube_api).read_namespaced_deployment(NAME, namespace)
    running = pods.live_pods(kube_api, namespace, f"app={NAME}")
    return (deployment.spec.template.spec.containers[0].image,
            {p.metadata.name: p.spec.containers[0].image for p in running},
            [p.metadata.name for p in running if not pods.ready(p)])


def _under_load(url, serving_model, name, action):
    body = json.dumps({"instances": serving_model.x_test[:4].tolist()}).encode()
    with Attack(url, rate=RATE, body=body, results=LOGS / f"3.c.2-{name}.bin") as attack:
        outcome = action()
    report = attack.report
    print(f"\n{name}: {report.summary()}")
    return outcome, report


def test_a_release_under_load_fails_no_request(deployed, release, kube_api, kube_cluster, serving_model):
    _, report = _under_load(deployed.url("/predict"), serving_model, "release", lambda: release.release(
        str(kube_cluster.kubeconfig), deployed.namespace, "kata-digits:2"))
    image, images, not_ready = _state(kube_api, deployed.namespace)
    assert set(images.values()) == {"kata-digits:2"} and not not_ready, (
        f"after release(kata-digits:2) returned the pods run {images}" + (f", not ready: {not_ready}" if not_ready else ""))
    assert report.requests >= RATE, f"only {report.requests} requests were sent while the release ran"
    assert report.failures == 0, f"requests failed during the release: {report.summary()}"


def test_a_broken_release_is_rolled_back_and_fails_no_request(deployed, release, kube_api, kube_cluster,
                                                            serving_model):
    kubeconfig = str(kube_cluster.kubeconfig)
    release.release(kubeconfig, deployed.namespace, "kata-digits:2")  # where the broken release starts from

    def broken():
        started = time.monotonic()
        with pytest.raises(release.ReleaseFailed) as raised:
            release.release(kubeconfig, deployed.namespace, "kata-digits:broken", timeout=BROKEN_TIMEOUT)
        return raised.value, time.monotonic() - started

    (error, seconds), report = _under_load(deployed.url("/predict"), serving_model, "broken-release", broken)
    assert "kata-digits:broken" in str(error), f"ReleaseFailed should name the image that failed; it says: {error}"
    image, images, not_ready = _state(kube_api, deployed.namespace)
    assert image == "kata-digits:2", (f"after the failed release the Deployment asks for {image}: it was not rolled "
                                      "back to kata-digits:2")
    assert set(images.values()) == {"kata-digits:2"} and not not_ready, (
        f"when ReleaseFailed was raised the pods were {images}" + (f", not ready: {not_ready}" if not_ready else "")
        + ": raise it once the rollback is complete")
    assert seconds < BROKEN_TIMEOUT + 60, f"release(..., timeout={BROKEN_TIMEOUT}) took {seconds:.0f} s to give up"
    assert report.failures == 0, f"requests failed during the broken release: {report.summary()}"
