"""Kata 3.c.1: your lesson 3.1 image, deployed with your manifests, answers through its Service.

The test applies manifests/ (kubectl apply -f) to a fresh namespace and waits for the
Deployment. Then the model is asked through the Service three ways: from this machine (the
Service's cluster IP), from a client pod inside the cluster (by the Service's DNS name, as
another service would), and, scaled to 3, with a new connection per request (answers from
more than one pod). Every answer is compared with the model's own predictions.
"""

import json
import time
import urllib.request
import uuid

from kubernetes import client

from fixtures.engines.kubernetes import pods

KATA = "3.c.1"
NAME = "digits"
CLIENT_ROWS = 20

# The client pod runs your image with this instead of the server: Python's standard library
# only, the Service's DNS name from the environment.
CLIENT = """
import json, os, sys, urllib.request
rows = json.loads(os.environ["ROWS"])
request = urllib.request.Request(os.environ["URL"], data=json.dumps({"instances": rows}).encode(),
                                 headers={"Content-Type": "application/json"})
print(json.dumps(json.loads(urllib.request.urlopen(request, timeout=20).read())))
"""


def predict(url: str, rows) -> dict:
    body = json.dumps({"instances": [list(map(float, r)) for r in rows]}).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=30).read())


def test_the_deployment_runs_your_image_with_probes(deployed, kube_api):
    running = pods.live_pods(kube_api, deployed.namespace, f"app={NAME}")
    assert len(running) >= 2, f"your Deployment runs {len(running)} pod(s); the kata asks for 2"
    for pod in running:
        server = pod.spec.containers[0]
        assert server.image == "kata-digits:1", f"pod {pod.metadata.name} runs {server.image}, not kata-digits:1"
        for kind in ("readiness_probe", "liveness_probe"):
            probe = getattr(server, kind)
            assert probe is not None and probe.http_get is not None and probe.http_get.path == "/health", (
                f"pod {pod.metadata.name} has no HTTP {kind.replace('_', ' ')} on /health")


def test_the_service_answers_what_the_model_answers(deployed, serving_model):
    answer = predict(deployed.url("/predict"), serving_model.x_test)
    want = serving_model.predict(serving_model.x_test).tolist()
    got = answer.get("predictions")
    assert got == want, (f"POST {deployed.url('/predict')} with the 397 held-out digits: "
                         f"{sum(a != b for a, b in zip(got or [], want))} of 397 predictions differ from the model's "
                         f"(first 8: got {(got or [])[:8]}, the model says {want[:8]})")


def test_a_pod_in_the_cluster_calls_the_service_by_its_dns_name(deployed, kube_api, kube_dns, serving_model):
    core = client.CoreV1Api(kube_api)
    rows = serving_model.x_test[:CLIENT_ROWS].tolist()
    url = f"http://{NAME}.{deployed.namespace}.svc.cluster.local:{deployed.port}/predict"
    name = f"client-{uuid.uuid4().hex[:5]}"
    core.create_namespaced_pod(deployed.namespace, client.V1Pod(
        metadata=client.V1ObjectMeta(name=name),
        spec=client.V1PodSpec(restart_policy="Never", termination_grace_period_seconds=0, containers=[
            client.V1Container(name="client", image="kata-digits:1", image_pull_policy="Never",
                               command=["python", "-c", CLIENT],
                               env=[client.V1EnvVar(name="URL", value=url),
                                    client.V1EnvVar(name="ROWS", value=json.dumps(rows))])])))
    deadline = time.monotonic() + 60
    while (phase := core.read_namespaced_pod(name, deployed.namespace).status.phase) not in ("Succeeded", "Failed"):
        assert time.monotonic() < deadline, f"the client pod is still {phase} after 60 s"
        time.sleep(0.5)
    log = core.read_namespaced_pod_log(name, deployed.namespace, container="client")
    assert phase == "Succeeded", f"the client pod's POST {url} failed:\n{log.strip()[-800:]}"
    answer = json.loads(log.strip().splitlines()[-1])
    want = serving_model.predict(serving_model.x_test[:CLIENT_ROWS]).tolist()
    assert answer.get("predictions") == want, f"through {url} the model answered {answer}, not {want}"


def test_scaled_to_three_the_answers_come_from_more_than_one_pod(deployed, kube_api, kube_cluster, serving_model):
    scaled = kube_cluster.kubectl("scale", "-n", deployed.namespace, f"deployment/{NAME}", "--replicas=3")
    assert scaled.returncode == 0, f"kubectl scale --replicas=3: {scaled.stderr.strip()}"
    pods.wait_for_rollout(kube_cluster, kube_api, deployed.namespace, NAME, what=f"{NAME} scaled to 3")
    names = {p.metadata.name for p in pods.live_pods(kube_api, deployed.namespace, f"app={NAME}")}
    assert len(names) == 3, f"scaled to 3, the Deployment runs {sorted(names)}"
    want = serving_model.predict(serving_model.x_test[:4]).tolist()
    hosts: dict[str, int] = {}
    deadline = time.monotonic() + 20
    # urllib opens a new connection for each request: the Service picks a pod per connection.
    while len(hosts) < 2 and time.monotonic() < deadline:
        answer = predict(deployed.url("/predict"), serving_model.x_test[:4])
        assert answer.get("predictions") == want, f"a replica answered {answer}, the model says {want}"
        hosts[answer.get("host")] = hosts.get(answer.get("host"), 0) + 1
    assert len(hosts) >= 2, f"20 s of requests through the Service were all answered by {hosts}"
    assert set(hosts) <= names, (f"answers came from {sorted(set(hosts) - names)}, not pods of the Deployment "
                                 f"({sorted(names)}): does /predict report the server's host name?")

