"""Kata 3.c.3: requests sized so that 3 replicas fit the node and a 4th waits.

First your arithmetic, on its own: CPU quantities in millicores, and a request with which
exactly n pods fit. Then on the cluster: your `free_cpu` against what the test adds up from
the API, and your `fit` deploying manifests/ with 3 pods sized to fill the node. The test then
asks for a 4th and reads the scheduler's own reason for leaving it Pending.
"""

import time

import pytest
from kubernetes import client

from fixtures import lesson_module
from fixtures.engines.kubernetes import pods

KATA = "3.c.3"
NAME = "digits"
REPLICAS = 3


@pytest.fixture(scope="module")
def capacity():
    return lesson_module(__file__, "capacity")


@pytest.mark.parametrize("quantity, millicores", [
    ("250m", 250), ("2", 2000), ("0.5", 500), ("1.25", 1250), ("100m", 100), ("0", 0), ("3500m", 3500),
    ("0.0005", 1),  # Kubernetes rounds up to whole millicores
])
def test_cpu_quantities_are_read_as_millicores(capacity, quantity, millicores):
    got = capacity.millicores(quantity)
    assert got == millicores, f"millicores({quantity!r}) returned {got!r}; {quantity} CPU is {millicores} millicores"


@pytest.mark.parametrize("quantity", ["two", "-1", "1Gi", "", "m"])
def test_what_is_not_a_cpu_quantity_is_refused(capacity, quantity):
    with pytest.raises(ValueError):
        capacity.millicores(quantity)


@pytest.mark.parametrize("free, replicas", [(1800, 3), (2000, 3), (3700, 3), (15800, 3), (1000, 4), (900, 1)])
def test_the_request_fits_the_replicas_and_not_one_more(capacity, free, replicas):
    request = capacity.cpu_request(free, replicas)
    assert isinstance(request, int) and request > 0, f"cpu_request({free}, {replicas}) returned {request!r}"
    assert replicas * request <= free, (f"cpu_request({free}, {replicas}) = {request}m: {replicas} pods ask "
                                        f"{replicas * request}m, more than the {free}m free")
    assert (replicas + 1) * request > free, (f"cpu_request({free}, {replicas}) = {request}m: {replicas + 1} pods "
                                             f"ask {(replicas + 1) * request}m, which still fits in {free}m")


# (4, 3): 3 pods of 1m fit, and so do 4; (8, 3): likewise with 2m.
@pytest.mark.parametrize("free, replicas", [(5, 3), (4, 3), (8, 3), (2, 3), (0, 1), (1000, 0)])
def test_a_request_that_cannot_exist_is_refused(capacity, free, replicas):
    with pytest.raises(ValueError):
        capacity.cpu_request(free, replicas)


def _quantity_m(text: str | None) -> int:
    from decimal import Decimal
    import math

    if not text:
        return 0
    return math.ceil(Decimal(text[:-1]) if text.endswith("m") else Decimal(text) * 1000)


def _free_by_api(kube_api, namespace: str) -> int:
    core = client.CoreV1Api(kube_api)
    (node,) = core.list_node().items
    used = 0
    for pod in core.list_pod_for_all_namespaces(field_selector=f"spec.nodeName={node.metadata.name}").items:
        if pod.status.phase in ("Succeeded", "Failed") or pod.metadata.namespace == namespace:
            continue
        used += sum(_quantity_m(((c.resources and c.resources.requests) or {}).get("cpu")) for c in pod.spec.containers)
    return _quantity_m(node.status.allocatable["cpu"]) - used


@pytest.fixture(scope="module")
def quiet_node(kube_api, kube_namespace):
    """Pods of other tests' namespaces, on their way out, still hold their requests: wait until
    they are gone, or the free CPU would change under the test."""
    core = client.CoreV1Api(kube_api)
    deadline = time.monotonic() + 120
    while True:
        leaving = [f"{p.metadata.namespace}/{p.metadata.name}" for p in core.list_pod_for_all_namespaces().items
                   if p.metadata.deletion_timestamp is not None
                   or (p.metadata.namespace.startswith("kata-") and p.metadata.namespace != kube_namespace)]
        if not leaving:
            return kube_namespace
        assert time.monotonic() < deadline, f"other tests' pods are still on the node after 120 s: {leaving[:5]}"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def fitted(capacity, capstone_manifests, own_serving_lesson, quiet_node, kube_cluster, kube_api, kube_dns,
           digits_on_kube):
    # kube_dns: CoreDNS's request (50m) is another pod's CPU on the node, which free_cpu must count.
    namespace = quiet_node
    free = _free_by_api(kube_api, namespace)
    request = capacity.fit(str(kube_cluster.kubeconfig), namespace, capstone_manifests, REPLICAS)
    return namespace, free, request


def test_free_cpu_is_what_the_scheduler_has_left(capacity, fitted, kube_cluster, kube_api):
    namespace, _, _ = fitted
    # Your pods are running now: free_cpu leaves them out, since they are the ones being sized.
    want = _free_by_api(kube_api, namespace)
    got = capacity.free_cpu(str(kube_cluster.kubeconfig), namespace)
    assert got == want, (f"free_cpu says {got}m; the node's allocatable CPU minus the requests of the pods on it "
                         f"(outside {namespace}) is {want}m")


def test_three_replicas_run_sized_to_the_node(fitted, kube_api):
    namespace, free, request = fitted
    running = pods.live_pods(kube_api, namespace, f"app={NAME}")
    ready = [p.metadata.name for p in running if pods.ready(p)]
    assert len(ready) == REPLICAS, f"right after fit(..., {REPLICAS}) returned, the ready pods are {ready}"
    for pod in running:
        server = pod.spec.containers[0]
        requests = (server.resources and server.resources.requests) or {}
        limits = (server.resources and server.resources.limits) or {}
        assert _quantity_m(requests.get("cpu")) == request, (
            f"pod {pod.metadata.name} requests {requests.get('cpu')} CPU; fit returned {request}m")
        assert REPLICAS * request <= free < (REPLICAS + 1) * request, (
            f"{request}m per pod with {free}m free: that is not {REPLICAS} pods and no more")
        assert "memory" in requests and "memory" in limits, (
            f"pod {pod.metadata.name} has memory requests {requests.get('memory')} and limit {limits.get('memory')}: "
            "without both, the scheduler places it blind and a leak takes the node down")
        for status in pod.status.container_statuses or []:
            last = status.last_state.terminated if status.last_state else None
            assert status.restart_count == 0, (
                f"pod {pod.metadata.name} restarted{f' ({last.reason})' if last else ''}: is its memory limit "
                "below what the server uses?")


def test_a_fourth_replica_stays_pending_for_cpu(fitted, kube_api, kube_cluster):
    namespace, _, request = fitted
    scaled = kube_cluster.kubectl("scale", "-n", namespace, f"deployment/{NAME}", f"--replicas={REPLICAS + 1}")
    assert scaled.returncode == 0, f"kubectl scale --replicas={REPLICAS + 1}: {scaled.stderr.strip()}"
    deadline, verdict = time.monotonic() + 30, None
    while verdict is None and time.monotonic() < deadline:
        for pod in pods.live_pods(kube_api, namespace, f"app={NAME}"):
            for condition in pod.status.conditions or []:
                if condition.type == "PodScheduled" and condition.status == "False":
                    verdict = (pod.metadata.name, condition.reason, condition.message)
        running = [p for p in pods.live_pods(kube_api, namespace, f"app={NAME}") if p.spec.node_name]
        if len(running) > REPLICAS:
            verdict = ("", "Scheduled", f"all {len(running)} pods were placed on the node")
        time.sleep(0.2)
    assert verdict is not None, f"30 s after asking for {REPLICAS + 1} replicas the scheduler had not decided"
    pod, reason, message = verdict
    print(f"\nthe scheduler on the 4th pod ({request}m): {reason}: {message}")
    assert reason == "Unschedulable" and "Insufficient cpu" in message, (
        f"a 4th pod of {request}m: {reason}: {message} (it should wait for CPU)")
