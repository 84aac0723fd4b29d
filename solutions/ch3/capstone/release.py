"""Capstone 3, kata 3.c.2: release a new image of the digit server, and undo a release that fails.

The Deployment is `digits`, its container `server` (manifests/deployment.yaml).
"""

from __future__ import annotations

import subprocess

DEPLOYMENT = "digits"
CONTAINER = "server"


class ReleaseFailed(RuntimeError):
    """A release that did not complete in time, and was rolled back."""


def _kubectl(kubeconfig: str, namespace: str, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["kubectl", f"--kubeconfig={kubeconfig}", f"--namespace={namespace}", *args],
                          capture_output=True, text=True, timeout=timeout)


def _rollout_status(kubeconfig: str, namespace: str, timeout: float) -> subprocess.CompletedProcess:
    return _kubectl(kubeconfig, namespace, "rollout", "status", f"deployment/{DEPLOYMENT}",
                    f"--timeout={max(1, round(timeout))}s", timeout=timeout + 15)


def release(kubeconfig: str, namespace: str, image: str, timeout: float = 120) -> None:
    """Roll the Deployment to `image`; return once every replica runs it and is ready.

    If that has not happened within `timeout` seconds, roll back to the release that ran
    before, wait for it, and raise ReleaseFailed naming `image` and why.
    """
    changed = _kubectl(kubeconfig, namespace, "set", "image", f"deployment/{DEPLOYMENT}", f"{CONTAINER}={image}")
    if changed.returncode != 0:
        raise ReleaseFailed(f"could not start the release of {image}: {changed.stderr.strip()}")
    status = _rollout_status(kubeconfig, namespace, timeout)
    if status.returncode == 0:
        return
    # The old pods never stopped (maxUnavailable: 0): undoing removes the new ones, and the
    # Deployment is back where it was.
    undone = _kubectl(kubeconfig, namespace, "rollout", "undo", f"deployment/{DEPLOYMENT}")
    back = _rollout_status(kubeconfig, namespace, 120) if undone.returncode == 0 else undone
    reason = status.stderr.strip() or status.stdout.strip().splitlines()[-1]
    if back.returncode != 0:
        raise ReleaseFailed(f"{image} did not become ready within {timeout:g} s ({reason}), and the rollback "
                            f"did not complete either: {back.stderr.strip()}")
    raise ReleaseFailed(f"{image} did not become ready within {timeout:g} s ({reason}); rolled back")
