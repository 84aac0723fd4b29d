"""Capstone 3, kata 3.c.2: release a new image of the digit server, and undo a release that fails.

The Deployment is `digits`, its container `server` (manifests/deployment.yaml). Use `kubectl`
(on PATH while the tests run; pass --kubeconfig and --namespace) or the `kubernetes` client
library (config.new_client_from_config(kubeconfig)): either passes.
"""

from __future__ import annotations

from fixtures import KataNotImplemented

DEPLOYMENT = "digits"
CONTAINER = "server"


class ReleaseFailed(RuntimeError):
    """A release that did not complete in time, and was rolled back."""


def release(kubeconfig: str, namespace: str, image: str, timeout: float = 120) -> None:
    """Roll the Deployment to `image`; return once every replica runs it and is ready.

    If that has not happened within `timeout` seconds, roll back to the release that ran
    before, wait for it, and raise ReleaseFailed naming `image` and why.
    """
    raise KataNotImplemented("3.c.2")
