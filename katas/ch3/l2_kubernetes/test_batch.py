"""Kata 3.2.5: batch inference as an Indexed Job, 4 shards, 2 pods at a time.

The test puts 4 shards of digits in a ConfigMap `batch-input` (shard-0.json .. shard-3.json,
each {"instances": [[64 numbers], ...]}), applies your manifests/batch/job.yaml, and waits for
the Job to complete. Each pod's log must hold one line of JSON, {"index": i, "predictions":
[...]}: put together in index order they must equal the model's own predictions for all
the rows, in order. The pods' start and end times show how many ran at once.
"""

import json
import time

import numpy as np
import pytest
from kubernetes import client

from fixtures.course.trees import lesson_path

SHARDS = 4
ROWS = 200


@pytest.fixture(scope="module")
def finished(kube_api, kube_cluster, kube_namespace, serving_on_kube, serving_model):
    core, batch = client.CoreV1Api(kube_api), client.BatchV1Api(kube_api)
    x = serving_model.x_test[:ROWS]
    shards = np.array_split(x, SHARDS)
    core.create_namespaced_config_map(kube_namespace, client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="batch-input"),
        data={f"shard-{i}.json": json.dumps({"instances": shard.tolist()}) for i, shard in enumerate(shards)}))
    manifest = lesson_path(__file__, "manifests/batch/job.yaml")
    applied = kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", str(manifest), timeout=60)
    assert applied.returncode == 0, f"kubectl apply -f {manifest.name}: {applied.stderr.strip()}"
    jobs = batch.list_namespaced_job(kube_namespace).items
    assert len(jobs) == 1, f"{manifest.name} made {len(jobs)} Jobs; one is expected"
    name = jobs[0].metadata.name
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        conditions = {c.type: c for c in batch.read_namespaced_job(name, kube_namespace).status.conditions or []
                      if c.status == "True"}
        if "Complete" in conditions or "Failed" in conditions:
            break
        time.sleep(1)
    job = batch.read_namespaced_job(name, kube_namespace)
    pods = core.list_namespaced_pod(kube_namespace, label_selector=f"job-name={name}").items
    return x, job, pods, conditions


def _logs(core, namespace, pod) -> str:
    return core.read_namespaced_pod_log(pod.metadata.name, namespace, container=pod.spec.containers[0].name)


def test_the_job_is_indexed_with_four_completions_two_at_a_time(finished):
    _, job, _, _ = finished
    spec = job.spec
    assert spec.completion_mode == "Indexed", f"completionMode is {spec.completion_mode}: pods would not know " \
                                              "their shard"
    assert (spec.completions, spec.parallelism) == (SHARDS, 2), \
        f"completions {spec.completions}, parallelism {spec.parallelism}; the lesson asks {SHARDS} and 2"


def test_the_job_completes(finished, kube_api, kube_namespace):
    _, job, pods, conditions = finished
    if "Complete" not in conditions:
        core = client.CoreV1Api(kube_api)
        tails = [f"{p.metadata.name} ({p.status.phase}): " + " | ".join(_logs(core, kube_namespace, p).splitlines()[-3:])
                 for p in pods]
        reason = conditions["Failed"].message if "Failed" in conditions else "still running after 150 s"
        raise AssertionError(f"the Job did not complete: {reason}\n  " + "\n  ".join(tails[-4:]))
    assert job.status.succeeded == SHARDS


def test_the_shards_put_together_equal_the_models_predictions(finished, kube_api, kube_namespace, serving_model):
    x, _, pods, _ = finished
    core = client.CoreV1Api(kube_api)
    by_index: dict[int, list[int]] = {}
    for pod in pods:
        if pod.status.phase != "Succeeded":
            continue
        label = int(pod.metadata.annotations["batch.kubernetes.io/job-completion-index"])
        lines = [line for line in _logs(core, kube_namespace, pod).splitlines() if line.strip().startswith("{")]
        assert lines, f"pod {pod.metadata.name} (index {label}) printed no JSON line"
        answer = json.loads(lines[-1])
        assert answer.get("index") == label, \
            f"pod {pod.metadata.name} has completion index {label} but reports index {answer.get('index')}"
        by_index[label] = answer["predictions"]
    assert sorted(by_index) == list(range(SHARDS)), f"shards scored: {sorted(by_index)}"
    combined = [p for i in range(SHARDS) for p in by_index[i]]
    assert combined == serving_model.predict(x).tolist(), \
        "the shards' predictions, in index order, differ from the model's predictions for the same rows"


def test_no_more_than_two_pods_ran_at_once(finished):
    _, _, pods, _ = finished
    spans = []
    for pod in pods:
        state = (pod.status.container_statuses or [None])[0]
        terminated = state and state.state and state.state.terminated
        if terminated and terminated.started_at and terminated.finished_at:
            spans.append((terminated.started_at, terminated.finished_at))
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    assert 1 <= peak <= 2, f"{peak} scoring containers ran at the same time; parallelism 2 allows two"
