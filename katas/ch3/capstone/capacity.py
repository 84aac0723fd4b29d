"""Capstone 3, kata 3.c.3: size the pods' CPU request so that a given number fit the node.

The scheduler places a pod on a node only if the node's allocatable CPU, minus the requests of
the pods already there, covers the pod's request. Requests are what it counts, not use.
Use `kubectl ... -o json` (on PATH while the tests run) or the `kubernetes` client library.
"""

from __future__ import annotations

from pathlib import Path

from fixtures import KataNotImplemented

DEPLOYMENT = "digits"
CONTAINER = "server"


def millicores(quantity: str) -> int:
    """A Kubernetes CPU quantity ("250m", "2", "0.5") in millicores, rounded up as Kubernetes does.

    ValueError for anything else ("two", "-1", "1Gi").
    """
    raise KataNotImplemented("3.c.3")


def free_cpu(kubeconfig: str, namespace: str) -> int:
    """Millicores the cluster's one node can still give to the pods of `namespace`.

    The node's allocatable CPU minus the CPU requests of the pods bound to it that have not
    finished, leaving out the pods of `namespace` (those are the ones being sized).
    """
    raise KataNotImplemented("3.c.3")


def cpu_request(free: int, replicas: int) -> int:
    """A CPU request (millicores) with which `replicas` pods fit in `free` and one more does not.

    ValueError if no whole number of millicores does that.
    """
    raise KataNotImplemented("3.c.3")


def fit(kubeconfig: str, namespace: str, manifests: str | Path, replicas: int, timeout: float = 120) -> int:
    """Apply `manifests` to `namespace` with `replicas` pods sized to fill the node; return
    once they are ready; return their CPU request in millicores."""
    raise KataNotImplemented("3.c.3")
