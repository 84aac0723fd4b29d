"""Kata 4.1.4: deploy the model as a SageMaker endpoint: model, endpoint config, endpoint.

The three calls, in order: create_model (the image, the model's S3 URI, the role SageMaker
runs it with), create_endpoint_config (one production variant: instance type and count),
create_endpoint; then wait with the `endpoint_in_service` waiter. Input that cannot make a
working endpoint is refused before any API call: a request that fails halfway leaves a model
or a config behind.
"""

from __future__ import annotations

from fixtures import KataNotImplemented


def deploy(sm, *, name: str, image_uri: str, model_data_url: str, role_arn: str,
           instance_type: str = "ml.m5.large", instance_count: int = 1,
           environment: dict[str, str] | None = None, tags: dict[str, str] | None = None) -> str:
    """Create the model, the endpoint config and the endpoint `name`; return the endpoint's ARN
    once the endpoint is InService. `environment` becomes the container's environment; `tags`
    go on all three resources. `sm` is a boto3 SageMaker client."""
    raise KataNotImplemented("4.1.4")
