"""Capstone 3, kata 3.c.3: size the pods' CPU request so that a given number fit the node.

The scheduler places a pod on a node only if the node's allocatable CPU, minus the requests of
the pods already there, covers the pod's request. Requests are what it counts, not use.
"""

from __future__ import annotations

import json
import math
import subprocess
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

DEPLOYMENT = "digits"
CONTAINER = "server"


def millicores(quantity: str) -> int:
    """A Kubernetes CPU quantity ("250m", "2", "0.5") in millicores, rounded up as Kubernetes does.

    ValueError for anything else ("two", "-1", "1Gi").
    """
    text = str(quantity).strip()
    try:
        value = Decimal(text[:-1]) if text.endswith("m") else Decimal(text) * 1000
    except InvalidOperation:
        raise ValueError(f"not a CPU quantity: {quantity!r}") from None
    if value < 0:
        raise ValueError(f"not a CPU quantity: {quantity!r}")
    return math.ceil(value)


def _kubectl_json(kubeconfig: str, *args: str) -> dict:
    done = subprocess.run(["kubectl", f"--kubeconfig={kubeconfig}", *args, "-o", "json"], capture_output=True,
                          text=True, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
    return json.loads(done.stdout)


def free_cpu(kubeconfig: str, namespace: str) -> int:
    """Millicores the cluster's one node can still give to the pods of `namespace`.

    The node's allocatable CPU minus the CPU requests of the pods bound to it that have not
    finished, leaving out the pods of `namespace` (those are the ones being sized).
    """
    nodes = _kubectl_json(kubeconfig, "get", "nodes")["items"]
    if len(nodes) != 1:
        raise ValueError(f"free_cpu sizes for a one-node cluster; this one has {len(nodes)} nodes")
    node = nodes[0]
    pods = _kubectl_json(kubeconfig, "get", "pods", "--all-namespaces",
                         f"--field-selector=spec.nodeName={node['metadata']['name']},"
                         "status.phase!=Succeeded,status.phase!=Failed")["items"]
    used = sum(millicores(c.get("resources", {}).get("requests", {}).get("cpu", "0"))
               for pod in pods if pod["metadata"]["namespace"] != namespace
               for c in pod["spec"]["containers"])
    return millicores(node["status"]["allocatable"]["cpu"]) - used


def cpu_request(free: int, replicas: int) -> int:
    """A CPU request (millicores) with which `replicas` pods fit in `free` and one more does not.

    ValueError if no whole number of millicores does that.
    """
    if replicas < 1:
        raise ValueError(f"replicas must be at least 1, got {replicas}")
    request = free // replicas
    if request < 1 or request * (replicas + 1) <= free:
        raise ValueError(f"no whole number of millicores lets exactly {replicas} pods fit in {free}m")
    return request


def fit(kubeconfig: str, namespace: str, manifests: str | Path, replicas: int, timeout: float = 120) -> int:
    """Apply `manifests` to `namespace` with `replicas` pods sized to fill the node; return
    once they are ready; return their CPU request in millicores.

    Sized before it is applied: a Deployment that fills its node cannot be resized by a
    rolling update afterwards (the surge pod would not fit).
    """
    request = cpu_request(free_cpu(kubeconfig, namespace), replicas)
    documents = [doc for path in sorted(Path(manifests).glob("*.yaml"))
                 for doc in yaml.safe_load_all(path.read_text()) if doc]
    for doc in documents:
        if doc.get("kind") == "Deployment" and doc["metadata"]["name"] == DEPLOYMENT:
            doc["spec"]["replicas"] = replicas
            for container in doc["spec"]["template"]["spec"]["containers"]:
                if container["name"] == CONTAINER:
                    resources = container.setdefault("resources", {})
                    # Limit = request: each replica gets its share of the node, no more.
                    resources.setdefault("requests", {})["cpu"] = f"{request}m"
                    resources.setdefault("limits", {})["cpu"] = f"{request}m"
    applied = subprocess.run(["kubectl", f"--kubeconfig={kubeconfig}", f"--namespace={namespace}", "apply", "-f", "-"],
                             input=yaml.safe_dump_all(documents), capture_output=True, text=True, timeout=60)
    if applied.returncode != 0:
        raise RuntimeError(f"kubectl apply: {applied.stderr.strip()}")
    status = subprocess.run(["kubectl", f"--kubeconfig={kubeconfig}", f"--namespace={namespace}", "rollout", "status",
                             f"deployment/{DEPLOYMENT}", f"--timeout={round(timeout)}s"],
                            capture_output=True, text=True, timeout=timeout + 15)
    if status.returncode != 0:
        raise RuntimeError(f"{replicas} pods of {request}m did not become ready: {status.stderr.strip()}")
    return request
