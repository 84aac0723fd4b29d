"""Kata 4.1.8: the same deployment on Vertex AI, as the official client library's requests.

With google-cloud-aiplatform's `aiplatform_v1` types: upload the model (your image, its port
and routes), deploy it to an endpoint (machine type, replicas, traffic split), and predict.
The requests are built and checked here, offline: sending them needs a Google Cloud project
(`aiplatform_v1.ModelServiceClient().upload_model(request=...)` and so on).
"""

from __future__ import annotations

import re

from google.cloud import aiplatform_v1

PROJECT = re.compile(r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$")
REGION = re.compile(r"^[a-z]+-[a-z]+\d+$")


def _parent(project: str, region: str) -> str:
    if not isinstance(project, str) or not PROJECT.match(project):
        raise ValueError(f"project must be a Google Cloud project id (6-30 lower-case letters, digits, dashes), "
                         f"got {project!r}")
    if not isinstance(region, str) or not REGION.match(region):
        raise ValueError(f"region must be a Vertex AI region like us-central1, got {region!r}")
    return f"projects/{project}/locations/{region}"


def upload_model_request(project: str, region: str, display_name: str, image_uri: str, *, port: int = 8080,
                         health_route: str = "/health", predict_route: str = "/predict",
                         env: dict[str, str] | None = None) -> aiplatform_v1.UploadModelRequest:
    """A model whose container is `image_uri`, listening on `port`, with Vertex's health and
    predict routes (the container reads them as AIP_HEALTH_ROUTE, AIP_PREDICT_ROUTE)."""
    parent = _parent(project, region)
    if not display_name or not image_uri:
        raise ValueError("display_name and image_uri must not be empty")
    if not 1 <= port <= 65535:
        raise ValueError(f"port must be from 1 to 65535, got {port}")
    for route in (health_route, predict_route):
        if not route.startswith("/"):
            raise ValueError(f"routes must start with /, got {route!r}")
    spec = aiplatform_v1.ModelContainerSpec(
        image_uri=image_uri, ports=[aiplatform_v1.Port(container_port=port)], health_route=health_route,
        predict_route=predict_route, env=[aiplatform_v1.EnvVar(name=k, value=v) for k, v in (env or {}).items()])
    return aiplatform_v1.UploadModelRequest(parent=parent, model=aiplatform_v1.Model(display_name=display_name,
                                                                                     container_spec=spec))


def deploy_model_request(project: str, region: str, endpoint_id: str, model_id: str, *, machine_type: str,
                         min_replicas: int = 1, max_replicas: int = 1, traffic_percent: int = 100,
                         current_deployed_model: str | None = None) -> aiplatform_v1.DeployModelRequest:
    """Deploy model `model_id` to endpoint `endpoint_id` on `machine_type`, autoscaled between
    min_replicas and max_replicas, taking `traffic_percent` of the endpoint's traffic; the
    rest stays on `current_deployed_model` (needed below 100). In a traffic split, "0" stands
    for the model this request deploys."""
    parent = _parent(project, region)
    if not machine_type:
        raise ValueError("machine_type must name a machine type, like n1-standard-4")
    if not 1 <= min_replicas <= max_replicas:
        raise ValueError(f"need 1 <= min_replicas <= max_replicas, got {min_replicas} and {max_replicas}")
    if not 0 < traffic_percent <= 100:
        raise ValueError(f"traffic_percent must be in (0, 100], got {traffic_percent}")
    split = {"0": traffic_percent}
    if traffic_percent < 100:
        if not current_deployed_model:
            raise ValueError("below 100 % the rest of the traffic needs a deployed model to stay on: "
                             "pass current_deployed_model")
        split[current_deployed_model] = 100 - traffic_percent
    deployed = aiplatform_v1.DeployedModel(
        model=f"{parent}/models/{model_id}",
        dedicated_resources=aiplatform_v1.DedicatedResources(
            machine_spec=aiplatform_v1.MachineSpec(machine_type=machine_type),
            min_replica_count=min_replicas, max_replica_count=max_replicas))
    return aiplatform_v1.DeployModelRequest(endpoint=f"{parent}/endpoints/{endpoint_id}", deployed_model=deployed,
                                            traffic_split=split)


def predict_request(project: str, region: str, endpoint_id: str,
                    instances: list[list[float]]) -> aiplatform_v1.PredictRequest:
    """A prediction request for `instances`: Vertex passes {"instances": [...]} to the
    container's predict route as it is."""
    import json

    if not instances:
        raise ValueError("instances is empty: send at least one row of 64 pixel values")
    body = {"endpoint": f"{_parent(project, region)}/endpoints/{endpoint_id}",
            "instances": [[float(v) for v in row] for row in instances]}
    # from_json: the keyword constructor cannot take nested lists (they are protobuf Values).
    return aiplatform_v1.PredictRequest.from_json(json.dumps(body))
