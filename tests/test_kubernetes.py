"""The local Kubernetes cluster is real: a Deployment of an image our Docker engine built runs,
is reachable through the API server, scales, and replaces a deleted pod."""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from fixtures.engines.probes import BASE_IMAGE

pytestmark = [pytest.mark.needs("kubernetes", "docker", "base-images"), pytest.mark.timeout(420)]

NAMESPACE = "kata-smoke"
IMAGE = "kata-smoke:1"
LABELS = {"app": "smoke"}


def _build_app_image() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # Each pod answers with its own name, so the test can tell which pod served it.
        Path(tmp, "Dockerfile").write_text(
            f"FROM {BASE_IMAGE}\n"
            "WORKDIR /srv\n"
            'CMD ["sh", "-c", "hostname > index.html && exec python -m http.server 8080"]\n')
        built = subprocess.run(["docker", "build", "-q", "-t", IMAGE, tmp], capture_output=True, text=True,
                               timeout=300)
        assert built.returncode == 0, built.stderr


def _ready_pods(core) -> list[str]:
    pods = core.list_namespaced_pod(NAMESPACE, label_selector="app=smoke").items
    return sorted(p.metadata.name for p in pods if p.metadata.deletion_timestamp is None
                  and any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or [])))


_core = None  # set by the app fixture: lets a timeout say what the cluster reported


def _wait_for(what: str, check, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    warnings = []
    if _core is not None:
        events = _core.list_namespaced_event(NAMESPACE).items
        warnings = [f"{e.involved_object.name}: {e.reason}: {e.message}"[:300] for e in events if e.type == "Warning"]
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; the cluster's warnings:\n  "
                         + "\n  ".join(warnings[-6:] or ["(none)"]))


@pytest.fixture(scope="module")
def app(kube_cluster, kube_api):
    from kubernetes import client

    _build_app_image()
    try:
        kube_cluster.load_image(IMAGE)
    finally:
        # The node's containerd has its own copy now; Docker's would outlive the session.
        subprocess.run(["docker", "rmi", "-f", IMAGE], capture_output=True, timeout=60)
    global _core
    core, apps = client.CoreV1Api(kube_api), client.AppsV1Api(kube_api)
    _core = core
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NAMESPACE)))
    container = client.V1Container(
        name="web", image=IMAGE, image_pull_policy="Never", ports=[client.V1ContainerPort(container_port=8080)],
        readiness_probe=client.V1Probe(http_get=client.V1HTTPGetAction(path="/", port=8080), period_seconds=1))
    apps.create_namespaced_deployment(NAMESPACE, client.V1Deployment(
        metadata=client.V1ObjectMeta(name="smoke"),
        spec=client.V1DeploymentSpec(
            replicas=2, selector=client.V1LabelSelector(match_labels=LABELS),
            template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels=LABELS),
                                              spec=client.V1PodSpec(containers=[container])))))
    core.create_namespaced_service(NAMESPACE, client.V1Service(
        metadata=client.V1ObjectMeta(name="smoke"),
        spec=client.V1ServiceSpec(selector=LABELS, ports=[client.V1ServicePort(port=80, target_port=8080)])))
    yield core, apps
    core.delete_namespace(NAMESPACE)


def test_two_replicas_become_ready(app):
    core, _ = app
    pods = _wait_for("2 ready pods", lambda: (p := _ready_pods(core)) and len(p) == 2 and p, timeout=180)
    assert len(set(pods)) == 2


def test_each_pod_answers_through_the_api_server(app):
    core, _ = app
    for pod in _ready_pods(core):
        body = core.connect_get_namespaced_pod_proxy_with_path(f"{pod}:8080", NAMESPACE, "index.html")
        assert body.strip() == pod
    via_service = core.connect_get_namespaced_service_proxy_with_path("smoke:80", NAMESPACE, "index.html")
    assert via_service.strip() in _ready_pods(core)


def test_scaling_to_three_adds_a_ready_pod(app):
    core, apps = app
    apps.patch_namespaced_deployment_scale("smoke", NAMESPACE, {"spec": {"replicas": 3}})
    _wait_for("3 ready pods", lambda: len(_ready_pods(core)) == 3, timeout=120)


def test_a_deleted_pod_is_replaced(app):
    core, _ = app
    before = _wait_for("3 ready pods", lambda: (p := _ready_pods(core)) and len(p) == 3 and p, timeout=120)
    victim = before[0]
    core.delete_namespaced_pod(victim, NAMESPACE, grace_period_seconds=0)
    after = _wait_for("a replacement pod", lambda: (p := _ready_pods(core)) and len(p) == 3 and victim not in p
                      and p, timeout=120)
    assert set(after) - set(before), "a new pod took the deleted one's place"
