"""Kata 4.1.8: the same deployment on Vertex AI, as the official client library's requests.

With google-cloud-aiplatform's `aiplatform_v1` types: upload the model (your image, its port
and routes), deploy it to an endpoint (machine type, replicas, traffic split), and predict.
The requests are built and checked here, offline: sending them needs a Google Cloud project
(`aiplatform_v1.ModelServiceClient().upload_model(request=...)` and so on).
"""

from __future__ import annotations

from google.cloud import aiplatform_v1

from fixtures import KataNotImplemented


def upload_model_request(project: str, region: str, display_name: str, image_uri: str, *, port: int = 8080,
                         health_route: str = "/health", predict_route: str = "/predict",
                         env: dict[str, str] | None = None) -> aiplatform_v1.UploadModelRequest:
    """A model whose container is `image_uri`, listening on `port`, with Vertex's health and
    predict routes (the container reads them as AIP_HEALTH_ROUTE, AIP_PREDICT_ROUTE)."""
    raise KataNotImplemented("4.1.8")


def deploy_model_request(project: str, region: str, endpoint_id: str, model_id: str, *, machine_type: str,
                         min_replicas: int = 1, max_replicas: int = 1, traffic_percent: int = 100,
                         current_deployed_model: str | None = None) -> aiplatform_v1.DeployModelRequest:
    """Deploy model `model_id` to endpoint `endpoint_id` on `machine_type`, autoscaled between
    min_replicas and max_replicas, taking `traffic_percent` of the endpoint's traffic; the
    rest stays on `current_deployed_model` (needed below 100). In a traffic split, "0" stands
    for the model this request deploys."""
    raise KataNotImplemented("4.1.8")


def predict_request(project: str, region: str, endpoint_id: str,
                    instances: list[list[float]]) -> aiplatform_v1.PredictRequest:
    """A prediction request for `instances`: Vertex passes {"instances": [...]} to the
    container's predict route as it is."""
    raise KataNotImplemented("4.1.8")
