"""The local Kubernetes cluster is real: a Deployment of an image our Docker engine built runs,
is reachable through the API server, scales, and replaces a deleted pod; its Service is reached
by address from the host (kube-proxy) and by name from a pod (CoreDNS); `kubectl top` reports
its pods (metrics-server). What the cluster changes in the host's network is taken back."""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from fixtures.course.errors import KataSetupError
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.kubernetes import hostnet
from fixtures.engines.kubernetes.pods import (RolloutStuck, ServiceUnreachable, deployment, wait_for_rollout,
                                              wait_for_service)
from fixtures.engines.kubernetes.hostnet import HostNetwork
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
    # Not a forced delete: that removes the pod from the API at once while its container still
    # runs until the kubelet notices, and for that moment kube-proxy can still send it requests
    # (a later test saw an answer from a pod the API no longer listed).
    core.delete_namespaced_pod(victim, NAMESPACE, grace_period_seconds=1)
    after = _wait_for("a replacement pod", lambda: (p := _ready_pods(core)) and len(p) == 3 and victim not in p
                      and p, timeout=120)
    assert set(after) - set(before), "a new pod took the deleted one's place"
    _wait_for(f"pod {victim} to be gone", lambda: victim not in _pod_names(core), timeout=60)


def _pod_names(core) -> set[str]:
    return {p.metadata.name for p in core.list_namespaced_pod(NAMESPACE, label_selector="app=smoke").items}


def _run_pod(core, name: str, command: list[str], timeout: float = 90) -> str:
    """Run a one-off pod of the smoke image to completion; return what it printed."""
    from kubernetes import client

    core.create_namespaced_pod(NAMESPACE, client.V1Pod(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1PodSpec(restart_policy="Never", containers=[client.V1Container(
            name="client", image=IMAGE, image_pull_policy="Never", command=command)])))
    phase = _wait_for(f"pod {name} to finish", lambda: (p := core.read_namespaced_pod(name, NAMESPACE).status.phase)
                      in ("Succeeded", "Failed") and p, timeout=timeout)
    log = core.read_namespaced_pod_log(name, NAMESPACE)
    core.delete_namespaced_pod(name, NAMESPACE, grace_period_seconds=0)
    assert phase == "Succeeded", f"pod {name} failed:\n{log[-1500:]}"
    return log


def test_the_host_reaches_a_service_by_its_cluster_ip(app, kube_api):
    import urllib.request

    core, _ = app
    _wait_for("2 ready pods", lambda: len(_ready_pods(core)) >= 2, timeout=120)
    cluster_ip = core.read_namespaced_service("smoke", NAMESPACE).spec.cluster_ip
    # kube-proxy programs a new Service a moment after its pods are ready.
    wait_for_service(kube_api, NAMESPACE, "smoke", f"http://{cluster_ip}/index.html")
    answers = {urllib.request.urlopen(f"http://{cluster_ip}/index.html", timeout=5).read().decode().strip()
               for _ in range(30)}
    assert answers <= set(_ready_pods(core)) and len(answers) >= 2, answers  # kube-proxy spreads them


def test_a_pod_reaches_a_service_by_its_dns_name(app, kube_dns):
    core, _ = app
    _wait_for("a ready pod", lambda: _ready_pods(core), timeout=120)
    url = f"http://smoke.{NAMESPACE}.svc.cluster.local/index.html"
    printed = _run_pod(core, "dns-client", ["python", "-c", f"import urllib.request; "
                                            f"print(urllib.request.urlopen({url!r}, timeout=5).read().decode())"])
    assert printed.strip() in _ready_pods(core)


def test_kubectl_top_reports_each_pod(app, kube_metrics, kube_cluster):
    core, _ = app
    pods = _wait_for("2 ready pods", lambda: (p := _ready_pods(core)) and len(p) >= 2 and p, timeout=120)

    def reported():
        top = kube_cluster.kubectl("top", "pods", "-n", NAMESPACE, "--no-headers", timeout=20)
        return top.returncode == 0 and {line.split()[0] for line in top.stdout.splitlines()} >= set(pods)
    _wait_for(f"kubectl top to report the {len(pods)} pods", reported, timeout=60)


def _deploy_unready(apps, name: str, command: list[str]) -> None:
    from kubernetes import client

    # With a readiness probe, as a server has: without one a pod counts as ready for the moment
    # its process runs, and `rollout status` may call the rollout done in that moment.
    container = client.V1Container(name="web", image=IMAGE, image_pull_policy="Never", command=command,
                                   readiness_probe=client.V1Probe(http_get=client.V1HTTPGetAction(path="/", port=8080),
                                                                  period_seconds=1))
    apps.create_namespaced_deployment(NAMESPACE, deployment(name, container, grace=0))


def test_a_crash_looping_rollout_is_explained_at_once_by_its_pod(app, kube_cluster, kube_api):
    _, apps = app
    _deploy_unready(apps, "crashing", ["sh", "-c", "echo the model file is corrupt >&2; exit 3"])
    started = time.monotonic()
    with pytest.raises(RolloutStuck) as stuck:
        wait_for_rollout(kube_cluster, kube_api, NAMESPACE, "crashing", timeout=120)
    message = str(stuck.value)
    print(f"\n{message}")
    assert time.monotonic() - started < 60, f"a crash loop was waited on for {time.monotonic() - started:.0f} s"
    assert "cannot become ready" in message and "the model file is corrupt" in message, message
    assert "CrashLoopBackOff" in message and "exit code 3" in message, message
    assert len(message.splitlines()) <= 5 and Path(REPO_ROOT, stuck.value.log).is_file(), message


def test_a_rollout_that_stays_unready_is_explained_at_its_timeout(app, kube_cluster, kube_api):
    _, apps = app
    _deploy_unready(apps, "unready", ["sleep", "600"])
    with pytest.raises(RolloutStuck) as stuck:
        wait_for_rollout(kube_cluster, kube_api, NAMESPACE, "unready", timeout=8)
    message = str(stuck.value)
    print(f"\n{message}")
    assert "did not become ready within 8 s" in message and "running but not ready" in message, message


def test_a_service_that_selects_no_pod_is_said_to_have_no_endpoints(app, kube_api):
    from kubernetes import client

    core, _ = app
    service = core.create_namespaced_service(NAMESPACE, client.V1Service(
        metadata=client.V1ObjectMeta(name="nobody"),
        spec=client.V1ServiceSpec(selector={"app": "nobody"}, ports=[client.V1ServicePort(port=80, target_port=8080)])))
    with pytest.raises(ServiceUnreachable, match="its ready endpoints: none"):
        wait_for_service(kube_api, NAMESPACE, "nobody", f"http://{service.spec.cluster_ip}/", timeout=2)


# ------------------------------------------------------------------ the host network

def _host_network(names) -> HostNetwork:
    bridge, table, comment = names
    net = HostNetwork("192.0.2.1", "192.0.2.0/24", bridge=bridge, tables=(("ip", table),), comment=comment)
    net.proxy_running = lambda: False  # whatever cluster the session runs is not this one
    return net


@pytest.fixture
def test_names():
    names = ("kata-test0", "kata-test-proxy", "scalable-ai-katas test")
    yield names
    hostnet_cleanup = _host_network(names)
    hostnet_cleanup.claim()
    hostnet_cleanup.release()


def _left(names) -> list[str]:
    bridge, table, comment = names
    found = [f"table ip {table}"] if ("ip", table) in hostnet.nft_tables() else []
    found += hostnet.our_forward_rules(comment)
    found += [f"bridge {bridge}"] if subprocess.run(["ip", "link", "show", bridge], capture_output=True).returncode == 0 \
        else []
    return found


def test_a_cluster_takes_back_its_bridge_rules_and_tables_at_stop(test_names):
    net = _host_network(test_names)
    net.claim()
    net.make_bridge()
    subprocess.run(["nft", "add", "table", "ip", test_names[1]], check=True)  # as kube-proxy would
    assert len(_left(test_names)) == 4  # table, two FORWARD rules, bridge
    net.release()
    assert _left(test_names) == []


def test_what_a_killed_run_left_is_removed_when_the_next_cluster_starts(test_names):
    killed = _host_network(test_names)
    killed.claim()
    killed.make_bridge()
    subprocess.run(["nft", "add", "table", "ip", test_names[1]], check=True)
    # ... and the run was killed: release() never ran.
    removed = _host_network(test_names).claim()
    assert [r.split(" -")[0] for r in removed] == ["nftables table ip kata-test-proxy", "iptables rule",
                                                   "iptables rule", "bridge kata-test0"]
    assert _left(test_names) == []


def test_a_second_cluster_is_refused_while_another_kube_proxy_keeps_its_tables(test_names):
    subprocess.run(["nft", "add", "table", "ip", test_names[1]], check=True)
    other = _host_network(test_names)
    other.proxy_running = lambda: True
    with pytest.raises(KataSetupError, match="another kube-proxy runs on this host"):
        other.claim()
    other.release()  # what stop() does after a failed start: the other cluster's tables stay
    assert _left(test_names) == [f"table ip {test_names[1]}"]
