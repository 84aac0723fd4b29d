"""Kata 3.2.2: scale a Deployment and wait for it; the Service spreads over every replica.

The test makes its own Deployment `scaled` of the model server (one replica, a readiness
probe) and a Service for it, so this kata does not depend on your 3.2.1 manifests. Your
`deploy.scale` changes its size; the tests then count ready pods, ask the Service which pod
answered (each server reports its host name, which is its pod's name) and delete a pod.
"""

import json
import time
import urllib.request

import pytest
from kubernetes import client

from fixtures import lesson_module
from fixtures.engines.kubernetes import pods

NAME = "scaled"
LABELS = {"app": NAME}


@pytest.fixture(scope="module")
def deploy():
    return lesson_module(__file__, "deploy")


@pytest.fixture(scope="module")
def deployment(kube_api, kube_namespace, serving_on_kube):
    probe = client.V1Probe(http_get=client.V1HTTPGetAction(path="/health", port=8000), period_seconds=1)
    container = client.V1Container(name="server", image=serving_on_kube[0], image_pull_policy="Never",
                                   ports=[client.V1ContainerPort(container_port=8000)], readiness_probe=probe,
                                   resources=client.V1ResourceRequirements(requests={"cpu": "50m", "memory": "128Mi"}))
    client.AppsV1Api(kube_api).create_namespaced_deployment(kube_namespace, pods.deployment(NAME, container,
                                                                                          labels=LABELS))
    service = client.CoreV1Api(kube_api).create_namespaced_service(kube_namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name=NAME),
        spec=client.V1ServiceSpec(selector=LABELS, ports=[client.V1ServicePort(port=80, target_port=8000)])))
    return kube_namespace, service.spec.cluster_ip


def _ready(kube_api, namespace) -> list[str]:
    found = client.CoreV1Api(kube_api).list_namespaced_pod(namespace, label_selector=f"app={NAME}").items
    return sorted(p.metadata.name for p in found if p.metadata.deletion_timestamp is None
                  and any(c.type == "Ready" and c.status == "True" for c in (p.status.conditions or [])))


def _hosts_answering(cluster_ip: str, requests: int = 60) -> set[str]:
    hosts = set()
    for _ in range(requests):
        try:
            hosts.add(json.loads(urllib.request.urlopen(f"http://{cluster_ip}/health", timeout=10).read())["host"])
        except OSError as err:  # a pod on its way out may refuse: that is the answer too
            hosts.add(f"(failed: {err})")
    return hosts


def test_scale_returns_once_three_replicas_are_ready(deploy, deployment, kube_api, kube_cluster):
    namespace, _ = deployment
    deploy.scale(str(kube_cluster.kubeconfig), namespace, NAME, 3)
    ready = _ready(kube_api, namespace)
    assert len(ready) == 3, f"right after scale(..., 3) returned, {len(ready)} pod(s) were ready: {ready}"
    assert client.AppsV1Api(kube_api).read_namespaced_deployment(NAME, namespace).spec.replicas == 3


def test_requests_through_the_service_reach_every_replica(deploy, deployment, kube_api, kube_cluster):
    namespace, cluster_ip = deployment
    deploy.scale(str(kube_cluster.kubeconfig), namespace, NAME, 3)
    ready = set(_ready(kube_api, namespace))
    # New pods reach kube-proxy's rules a moment after the API server calls them ready, and
    # while it rewrites them a connection may be refused: this test is about where requests
    # go (3.2.3 is the one about losing none), so a refusal is left out of the count.
    answered, deadline = set(), time.monotonic() + 15
    while answered != ready and time.monotonic() < deadline:
        answered |= {host for host in _hosts_answering(cluster_ip, 20) if not host.startswith("(failed")}
    assert answered == ready, (f"requests for 15 s were answered by {sorted(answered)}; the ready pods are "
                               f"{sorted(ready)}")


def test_a_deleted_pod_is_replaced_by_the_deployment(deploy, deployment, kube_api, kube_cluster):
    namespace, _ = deployment
    deploy.scale(str(kube_cluster.kubeconfig), namespace, NAME, 3)
    before = _ready(kube_api, namespace)
    client.CoreV1Api(kube_api).delete_namespaced_pod(before[0], namespace, grace_period_seconds=0)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = _ready(kube_api, namespace)
        if len(now) == 3 and before[0] not in now:
            break
        time.sleep(0.5)
    assert len(now) == 3 and before[0] not in now, (
        f"60 s after {before[0]} was deleted the ready pods are {now}: nothing replaced it "
        "(scale the Deployment; pods made one by one are not replaced)")


def test_scaling_in_leaves_the_asked_number(deploy, deployment, kube_api, kube_cluster):
    namespace, cluster_ip = deployment
    deploy.scale(str(kube_cluster.kubeconfig), namespace, NAME, 1)
    ready = _ready(kube_api, namespace)
    assert len(ready) == 1, f"after scale(..., 1) the ready pods are {ready}"
    # kube-proxy drops the removed pods from the Service a moment later, not at once.
    deadline = time.monotonic() + 15
    while (answered := _hosts_answering(cluster_ip, 10)) != set(ready) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert answered == set(ready), f"the Service still sends requests to {sorted(answered - set(ready))}"
