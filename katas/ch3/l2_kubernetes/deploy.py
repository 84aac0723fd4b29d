"""Lesson 3.2: deploying, scaling and rolling a model server.

Every function takes the cluster's kubeconfig file and a namespace, and returns only once
the cluster has done what was asked (or raises): the tests look at the cluster right after.
Use `kubectl` (on PATH while the tests run; pass --kubeconfig and --namespace) or the
`kubernetes` client library (config.new_client_from_config(kubeconfig)): either passes.
"""

from __future__ import annotations

from pathlib import Path

from fixtures import KataNotImplemented


# Kata 3.2.1 ------------------------------------------------------------------

def apply(kubeconfig: str, manifests: str | Path, namespace: str) -> None:
    """Apply every manifest in the folder `manifests` to `namespace`.

    Declarative: applying the same files again changes nothing in the cluster.
    """
    raise KataNotImplemented("3.2.1")


def wait_for_rollout(kubeconfig: str, namespace: str, deployment: str, timeout: float = 120) -> None:
    """Return once every replica of `deployment` runs its current template and is available."""
    raise KataNotImplemented("3.2.1")


# Kata 3.2.2 ------------------------------------------------------------------

def scale(kubeconfig: str, namespace: str, deployment: str, replicas: int, timeout: float = 120) -> None:
    """Set the number of replicas of `deployment`; return once that many are ready."""
    raise KataNotImplemented("3.2.2")


# Kata 3.2.3 ------------------------------------------------------------------

def set_image(kubeconfig: str, namespace: str, deployment: str, container: str, image: str,
              timeout: float = 180) -> None:
    """Roll `deployment` to a new image for `container`; return once the rollout is complete."""
    raise KataNotImplemented("3.2.3")


def rollback(kubeconfig: str, namespace: str, deployment: str, timeout: float = 180) -> None:
    """Return `deployment` to its previous revision; return once that rollout is complete."""
    raise KataNotImplemented("3.2.3")
