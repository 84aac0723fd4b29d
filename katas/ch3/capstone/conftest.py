"""Capstone 3's fixtures: your manifests, applied to a fresh namespace of the local cluster.

Every kata's tests deploy your lesson 3.1 image (kata-digits:1, loaded into the node by
`digits_on_kube`) with your manifests/, then watch what the cluster made of them.
"""

from dataclasses import dataclass

import pytest
from kubernetes import client

from fixtures import KataNotImplemented
from fixtures.course.trees import lesson_path
from fixtures.engines.kubernetes import pods

NAME = "digits"


def manifests():
    return lesson_path(__file__, "manifests")


def require_deployment_written(kata: str) -> None:
    """A later kata deploys the manifests of 3.c.1: say so if they are not written yet."""
    folder = manifests()
    for name in ("deployment.yaml", "service.yaml"):
        if "KATA-TODO 3.c.1" in (folder / name).read_text(encoding="utf-8"):
            raise KataNotImplemented("3.c.1", f"kata {kata} deploys your manifests/{name}, which still has its "
                                              "KATA-TODO 3.c.1 line")


@dataclass
class Deployed:
    namespace: str
    cluster_ip: str
    port: int

    def url(self, path: str) -> str:
        return f"http://{self.cluster_ip}:{self.port}{path}"


def service_of(kube_api, namespace: str) -> Deployed:
    try:
        service = client.CoreV1Api(kube_api).read_namespaced_service(NAME, namespace)
    except client.ApiException as err:
        if err.status == 404:
            raise AssertionError(f"your manifests made no Service named {NAME} in namespace {namespace}") from None
        raise
    ports = service.spec.ports or []
    assert ports, f"Service {NAME} has no port"
    return Deployed(namespace, service.spec.cluster_ip, ports[0].port)


@pytest.fixture(scope="module")
def capstone_manifests(request):
    """manifests/ of the active tree, once 3.c.1 has written them."""
    require_deployment_written(getattr(request.module, "KATA", "3.c"))
    return manifests()


@pytest.fixture(scope="module")
def deployed(capstone_manifests, own_serving_lesson, kube_cluster, kube_api, kube_namespace,
             digits_on_kube) -> Deployed:
    """`kubectl apply -f manifests/` in a fresh namespace, and the Deployment ready."""
    applied = kube_cluster.kubectl("apply", "-n", kube_namespace, "-f", str(capstone_manifests), timeout=60)
    assert applied.returncode == 0, f"kubectl apply -f manifests/: {applied.stderr.strip()}"
    pods.wait_for_rollout(kube_cluster, kube_api, kube_namespace, NAME, timeout=120,
                          what=f"your Deployment {NAME}")
    deployed = service_of(kube_api, kube_namespace)
    pods.wait_for_service(kube_api, kube_namespace, NAME, deployed.url("/health"))
    return deployed
