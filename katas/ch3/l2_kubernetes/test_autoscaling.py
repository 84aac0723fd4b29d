"""Kata 3.2.4: a HorizontalPodAutoscaler that scales out under load and back in after it.

The test makes a Deployment `serving` of one replica (each pod requests 100m of CPU) and a
Service, applies your manifests/autoscaling/hpa.yaml, and once the autoscaler reads the
pods' CPU (metrics-server), sends vegeta's load for about 40 s, then none. It records the
Deployment's replica count every second; that timeline, printed and saved in .kata/logs/,
is what is judged: more than one replica under load, and one again within 90 s after it.
"""

import json
import time

import pytest
from kubernetes import client

from fixtures.course.trees import REPO_ROOT, lesson_path
from fixtures.engines.kubernetes import pods
from fixtures.engines.vegeta import Attack

LOGS = REPO_ROOT / ".kata" / "logs"
LABELS = {"app": "serving"}
LOAD_S = 40  # seconds of load
SETTLE_S = 90  # seconds after the load for the autoscaler to scale back in


@pytest.fixture(scope="module")
def autoscaled(kube_api, kube_cluster, kube_metrics, kube_namespace, serving_on_kube):
    apps, core = client.AppsV1Api(kube_api), client.CoreV1Api(kube_api)
    probe = client.V1Probe(http_get=client.V1HTTPGetAction(path="/health", port=8000), period_seconds=1)
    container = client.V1Container(
        name="server", image=serving_on_kube[0], image_pull_policy="Never",
        ports=[client.V1ContainerPort(container_port=8000)], readiness_probe=probe,
        resources=client.V1ResourceRequirements(requests={"cpu": "100m", "memory": "128Mi"},
                                                limits={"memory": "512Mi"}))
    apps.create_namespaced_deployment(kube_namespace, pods.deployment("serving", container, labels=LABELS))
    service = core.create_namespaced_service(kube_namespace, client.V1Service(
        metadata=client.V1ObjectMeta(name="serving"),
        spec=client.V1ServiceSpec(selector=LABELS, ports=[client.V1ServicePort(port=80, target_port=8000)])))
    done = kube_cluster.kubectl("rollout", "status", "-n", kube_namespace, "deployment/serving", "--timeout=120s",
                                timeout=130)
    assert done.returncode == 0, done.stderr
    manifest = lesson_path(__file__, "manifests/autoscaling/hpa.yaml")
    applied = kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", str(manifest), timeout=60)
    assert applied.returncode == 0, f"kubectl apply -f {manifest.name}: {applied.stderr.strip()}"
    return kube_namespace, service.spec.cluster_ip


def _autoscalers(kube_api, namespace):
    return client.AutoscalingV2Api(kube_api).list_namespaced_horizontal_pod_autoscaler(namespace).items


def _replicas(kube_api, namespace) -> int:
    return client.AppsV1Api(kube_api).read_namespaced_deployment("serving", namespace).status.replicas or 0


def test_the_autoscaler_targets_the_deployment_on_cpu(autoscaled, kube_api):
    namespace, _ = autoscaled
    found = _autoscalers(kube_api, namespace)
    assert len(found) == 1, f"{len(found)} HorizontalPodAutoscalers in the namespace; one is expected"
    spec = found[0].spec
    assert (spec.scale_target_ref.kind, spec.scale_target_ref.name) == ("Deployment", "serving"), \
        f"it scales {spec.scale_target_ref.kind} {spec.scale_target_ref.name}, not Deployment serving"
    assert any(m.type == "Resource" and m.resource.name == "cpu" for m in spec.metrics or []), \
        "it does not scale on CPU"
    assert spec.min_replicas == 1 and spec.max_replicas >= 3, \
        f"it allows {spec.min_replicas} to {spec.max_replicas} replicas; the lesson asks 1 to 4"


def test_it_scales_out_under_load_and_back_in_after_it(autoscaled, kube_api, serving_model):
    namespace, cluster_ip = autoscaled
    hpa = _autoscalers(kube_api, namespace)[0].metadata.name
    autoscaling = client.AutoscalingV2Api(kube_api)
    deadline = time.monotonic() + 60  # its first reading of the pods' CPU
    while not (autoscaling.read_namespaced_horizontal_pod_autoscaler(hpa, namespace).status.current_metrics
               or time.monotonic() > deadline):
        time.sleep(1)
    timeline: list[tuple[float, int]] = []
    started = time.monotonic()

    def record():
        timeline.append((round(time.monotonic() - started), _replicas(kube_api, namespace)))

    body = json.dumps({"instances": serving_model.x_test[:64].tolist()}).encode()
    with Attack(f"http://{cluster_ip}/predict", rate=60, body=body, results=LOGS / "3.2.4-load.bin") as attack:
        while time.monotonic() - started < LOAD_S:
            record()
            time.sleep(1)
    load_ended = time.monotonic() - started
    while time.monotonic() - started < load_ended + SETTLE_S:
        record()
        if timeline[-1][1] == 1 and max(n for _, n in timeline) > 1:
            break
        time.sleep(1)
    peak = max(n for _, n in timeline)
    changes = [f"{t}s: {n}" for i, (t, n) in enumerate(timeline) if i == 0 or timeline[i - 1][1] != n]
    story = (f"replicas over time (load from 0 s to {load_ended:.0f} s): {', '.join(changes)}\n"
             f"load: {attack.report.summary()}")
    LOGS.mkdir(parents=True, exist_ok=True)
    (LOGS / "3.2.4-timeline.txt").write_text(story + "\n")
    print("\n" + story)
    assert peak > 1, f"under load the Deployment never had more than one replica\n{story}"
    assert timeline[-1][1] == 1, (f"{SETTLE_S} s after the load ended it still had {timeline[-1][1]} replicas: "
                                  f"a short scale-down stabilization window belongs in the manifest\n{story}")
