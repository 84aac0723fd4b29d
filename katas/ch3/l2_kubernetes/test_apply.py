"""Kata 3.2.1: Deployment, Service and ConfigMap for the model server; apply, wait, apply again.

Your manifests in manifests/serving/ are applied by your `deploy.apply` to a fresh namespace
of the local cluster; the tests then look at what the cluster made of them (the pods, their
probes and resources, the environment the server really got) and call the Service from this
machine, as a client inside the cluster would.
"""

import json
import time
import urllib.error
import urllib.request

import pytest
from kubernetes import client

from fixtures import lesson_module
from fixtures.course.trees import lesson_path

pytestmark = pytest.mark.usefixtures("serving_on_kube")


@pytest.fixture(scope="module")
def deploy():
    return lesson_module(__file__, "deploy")


@pytest.fixture(scope="module")
def applied(deploy, kube_cluster, kube_api, kube_namespace):
    """Apply and wait once for the module; the tests read what came of it."""
    deploy.apply(str(kube_cluster.kubeconfig), lesson_path(__file__, "manifests/serving"), kube_namespace)
    deploy.wait_for_rollout(str(kube_cluster.kubeconfig), kube_namespace, "serving")
    apps = client.AppsV1Api(kube_api)
    # Read at once: wait_for_rollout must not return before the rollout is done.
    return kube_namespace, apps.read_namespaced_deployment("serving", kube_namespace)


def _pods(kube_api, namespace):
    pods = client.CoreV1Api(kube_api).list_namespaced_pod(namespace, label_selector="app=serving").items
    return [p for p in pods if p.metadata.deletion_timestamp is None]


def test_wait_for_rollout_returns_once_every_replica_is_ready(applied):
    _, deployment = applied
    wanted, status = deployment.spec.replicas, deployment.status
    assert wanted >= 2, f"the Deployment asks for {wanted} replica(s); the lesson asks for 2"
    assert (status.updated_replicas, status.ready_replicas, status.available_replicas) == (wanted, wanted, wanted), (
        f"right after wait_for_rollout returned: {status.updated_replicas} updated, {status.ready_replicas} ready, "
        f"{status.available_replicas} available of {wanted}: it returned before the rollout was done")


def test_each_pod_has_probes_and_resources(applied, kube_api):
    namespace, _ = applied
    for pod in _pods(kube_api, namespace):
        server = pod.spec.containers[0]
        for kind in ("readiness_probe", "liveness_probe"):
            probe = getattr(server, kind)
            assert probe is not None and probe.http_get is not None, \
                f"pod {pod.metadata.name} has no HTTP {kind.replace('_', ' ')}"
            assert probe.http_get.path == "/health", f"its {kind.replace('_', ' ')} asks {probe.http_get.path}"
        resources = server.resources
        requests, limits = resources.requests or {}, resources.limits or {}
        assert {"cpu", "memory"} <= set(requests), f"pod {pod.metadata.name} requests only {sorted(requests)}"
        assert "memory" in limits, f"pod {pod.metadata.name} has no memory limit"


def test_the_server_gets_its_settings_from_the_config_map(applied, kube_api, kube_cluster):
    namespace, _ = applied
    config = client.CoreV1Api(kube_api).read_namespaced_config_map("serving-config", namespace).data or {}
    assert "LOG_LEVEL" in config, f"ConfigMap serving-config has {sorted(config)}, not LOG_LEVEL"
    pod = _pods(kube_api, namespace)[0].metadata.name
    seen = kube_cluster.kubectl("exec", "-n", namespace, pod, "--", "printenv", "LOG_LEVEL", timeout=30)
    assert seen.stdout.strip() == config["LOG_LEVEL"], (
        f"the server in {pod} sees LOG_LEVEL={seen.stdout.strip() or '(unset)'}; the ConfigMap says "
        f"{config['LOG_LEVEL']!r}")


def test_the_service_answers_with_the_models_predictions(applied, kube_api, serving_model):
    namespace, _ = applied
    service = client.CoreV1Api(kube_api).read_namespaced_service("serving", namespace)
    port = service.spec.ports[0].port
    assert port == 80, f"Service serving listens on {port}; the lesson asks for 80"
    x = serving_model.x_test[:32]
    request = urllib.request.Request(f"http://{service.spec.cluster_ip}/predict",
                                     json.dumps({"instances": x.tolist()}).encode(),
                                     {"Content-Type": "application/json"})
    # Ready pods reach kube-proxy's rules a moment after the API server says so.
    deadline = time.monotonic() + 15
    while True:
        try:
            answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
            break
        except (ConnectionError, urllib.error.URLError) as err:
            if time.monotonic() > deadline:
                raise AssertionError(f"Service serving (port 80) did not answer within 15 s: {err}") from None
            time.sleep(0.25)
    assert answer["predictions"] == serving_model.predict(x).tolist()


def test_applying_the_same_files_again_changes_nothing(applied, deploy, kube_api, kube_cluster):
    namespace, _ = applied
    core, apps = client.CoreV1Api(kube_api), client.AppsV1Api(kube_api)

    def state():
        return {
            "deployment": apps.read_namespaced_deployment("serving", namespace).metadata.resource_version,
            "service": core.read_namespaced_service("serving", namespace).metadata.resource_version,
            "configmap": core.read_namespaced_config_map("serving-config", namespace).metadata.resource_version,
            "pods": sorted(p.metadata.name for p in _pods(kube_api, namespace)),
        }

    before = state()
    deploy.apply(str(kube_cluster.kubeconfig), lesson_path(__file__, "manifests/serving"), namespace)
    after = state()
    changed = [what for what in before if before[what] != after[what]]
    assert not changed, f"a second apply of the same files changed the {', '.join(changed)}"


def test_applying_a_changed_file_updates_that_object_alone(applied, deploy, kube_api, kube_cluster, tmp_path):
    import shutil

    import yaml

    namespace, _ = applied
    core, apps = client.CoreV1Api(kube_api), client.AppsV1Api(kube_api)
    changed = tmp_path / "serving"
    shutil.copytree(lesson_path(__file__, "manifests/serving"), changed)
    path = next(p for p in changed.iterdir() if any(doc and doc.get("kind") == "ConfigMap"
                                                    for doc in yaml.safe_load_all(p.read_text())))
    docs = list(yaml.safe_load_all(path.read_text()))
    for doc in docs:
        if doc and doc.get("kind") == "ConfigMap":
            doc["data"]["KATA_EXTRA"] = "applied"
    path.write_text(yaml.safe_dump_all(docs))
    deployment_before = apps.read_namespaced_deployment("serving", namespace).metadata.resource_version
    deploy.apply(str(kube_cluster.kubeconfig), changed, namespace)
    data = core.read_namespaced_config_map("serving-config", namespace).data or {}
    assert data.get("KATA_EXTRA") == "applied", (
        "after applying a ConfigMap with one more key, the cluster's ConfigMap does not have it: "
        "apply must update what exists, not only create what does not")
    assert apps.read_namespaced_deployment("serving", namespace).metadata.resource_version == deployment_before, \
        "applying a changed ConfigMap also changed the Deployment"
