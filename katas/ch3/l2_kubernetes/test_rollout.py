"""Kata 3.2.3: a rolling update, and its undo, with not one failed request.

Your manifests/rolling/deployment.yaml is applied to a fresh namespace (by the test, with
kubectl apply) behind a Service the test makes. While vegeta sends a steady stream of
predictions through the Service, your `deploy.set_image` rolls the Deployment from
kata-serving:1 to kata-serving:2, and then your `deploy.rollback` undoes it. vegeta's own
report is what is judged: every request must succeed. The report goes to .kata/logs/.
"""

import json

import pytest
from kubernetes import client

from fixtures import lesson_module
from fixtures.course.trees import REPO_ROOT, lesson_path
from fixtures.engines.vegeta import Attack

LOGS = REPO_ROOT / ".kata" / "logs"
RATE = 40  # requests per second, each on its own connection

pytestmark = pytest.mark.usefixtures("serving_on_kube")


@pytest.fixture(scope="module")
def deploy():
    return lesson_module(__file__, "deploy")


@pytest.fixture(scope="module")
def rolling(kube_api, kube_cluster, kube_namespace, deploy):
    manifest = lesson_path(__file__, "manifests/rolling/deployment.yaml")
    applied = kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", str(manifest), timeout=60)
    assert applied.returncode == 0, f"kubectl apply -f {manifest.name}: {applied.stderr.strip()}"
    service = client.CoreV1Api(kube_api).create_namespaced_service(kube_namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name="serving"),
        spec=client.V1ServiceSpec(selector={"app": "serving"},
                                  ports=[client.V1ServicePort(port=80, target_port=8000)])))
    done = kube_cluster.kubectl("rollout", "status", "-n", kube_namespace, "deployment/serving", "--timeout=120s",
                                timeout=130)
    assert done.returncode == 0, f"the first rollout of your Deployment did not finish: {done.stderr.strip()}"
    return kube_namespace, service.spec.cluster_ip


def _images(kube_api, namespace) -> dict[str, str]:
    pods = client.CoreV1Api(kube_api).list_namespaced_pod(namespace, label_selector="app=serving").items
    return {p.metadata.name: p.spec.containers[0].image for p in pods if p.metadata.deletion_timestamp is None}


def _under_load(cluster_ip, serving_model, name, action):
    body = json.dumps({"instances": serving_model.x_test[:4].tolist()}).encode()
    with Attack(f"http://{cluster_ip}/predict", rate=RATE, body=body, results=LOGS / f"3.2.3-{name}.bin") as attack:
        action()
    report = attack.report
    print(f"\n{name}: {report.summary()}")
    return report


def test_the_pods_wait_for_readiness_before_they_get_traffic(rolling, kube_api):
    namespace, _ = rolling
    pods = client.CoreV1Api(kube_api).list_namespaced_pod(namespace, label_selector="app=serving").items
    assert len(pods) >= 2, f"the Deployment runs {len(pods)} pod(s); a rolling update needs several"
    server = pods[0].spec.containers[0]
    assert server.readiness_probe is not None, (
        "your pods have no readiness probe: the Service would send requests to a new pod before its server "
        "listens")


def test_a_rolling_update_under_load_fails_no_request(rolling, deploy, kube_api, kube_cluster, serving_model):
    namespace, cluster_ip = rolling
    report = _under_load(cluster_ip, serving_model, "update", lambda: deploy.set_image(
        str(kube_cluster.kubeconfig), namespace, "serving", "server", "kata-serving:2"))
    images = _images(kube_api, namespace)
    assert set(images.values()) == {"kata-serving:2"}, f"after set_image returned the pods run {images}"
    assert report.requests >= RATE, f"only {report.requests} requests were sent while the update ran"
    assert report.failures == 0, f"requests failed during the rolling update: {report.summary()}"


def test_rollback_under_load_returns_the_previous_image_and_fails_no_request(rolling, deploy, kube_api, kube_cluster,
                                                                          serving_model):
    namespace, cluster_ip = rolling
    deploy.set_image(str(kube_cluster.kubeconfig), namespace, "serving", "server", "kata-serving:2")
    report = _under_load(cluster_ip, serving_model, "rollback",
                         lambda: deploy.rollback(str(kube_cluster.kubeconfig), namespace, "serving"))
    images = _images(kube_api, namespace)
    assert set(images.values()) == {"kata-serving:1"}, f"after rollback returned the pods run {images}"
    assert report.failures == 0, f"requests failed during the rollback: {report.summary()}"
