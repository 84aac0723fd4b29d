"""Lesson 3.2: deploying, scaling and rolling a model server with kubectl.

Every function takes the cluster's kubeconfig file and a namespace, and returns only once
the cluster has done what was asked (or raises): the tests look at the cluster right after.
"""

from __future__ import annotations

import subprocess
from pathlib import Path


class KubectlError(RuntimeError):
    pass


def _kubectl(kubeconfig: str, namespace: str, *args: str, timeout: float = 300) -> str:
    done = subprocess.run(["kubectl", f"--kubeconfig={kubeconfig}", f"--namespace={namespace}", *args],
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise KubectlError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


# Kata 3.2.1 ------------------------------------------------------------------

def apply(kubeconfig: str, manifests: str | Path, namespace: str) -> None:
    """Apply every manifest in the folder `manifests` to `namespace`.

    Declarative: applying the same files again changes nothing in the cluster.
    """
    _kubectl(kubeconfig, namespace, "apply", "-f", str(manifests))


def wait_for_rollout(kubeconfig: str, namespace: str, deployment: str, timeout: float = 120) -> None:
    """Return once every replica of `deployment` runs its current template and is available."""
    _kubectl(kubeconfig, namespace, "rollout", "status", f"deployment/{deployment}", f"--timeout={timeout:.0f}s",
             timeout=timeout + 10)


# Kata 3.2.2 ------------------------------------------------------------------

def scale(kubeconfig: str, namespace: str, deployment: str, replicas: int, timeout: float = 120) -> None:
    """Set the number of replicas of `deployment`; return once that many are ready."""
    _kubectl(kubeconfig, namespace, "scale", f"deployment/{deployment}", f"--replicas={replicas}")
    wait_for_rollout(kubeconfig, namespace, deployment, timeout)


# Kata 3.2.3 ------------------------------------------------------------------

def set_image(kubeconfig: str, namespace: str, deployment: str, container: str, image: str,
              timeout: float = 180) -> None:
    """Roll `deployment` to a new image for `container`; return once the rollout is complete."""
    _kubectl(kubeconfig, namespace, "set", "image", f"deployment/{deployment}", f"{container}={image}")
    wait_for_rollout(kubeconfig, namespace, deployment, timeout)


def rollback(kubeconfig: str, namespace: str, deployment: str, timeout: float = 180) -> None:
    """Return `deployment` to its previous revision; return once that rollout is complete."""
    _kubectl(kubeconfig, namespace, "rollout", "undo", f"deployment/{deployment}")
    wait_for_rollout(kubeconfig, namespace, deployment, timeout)
