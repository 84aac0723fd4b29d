"""Kata 4.1.4: deploy the model as a SageMaker endpoint: model, endpoint config, endpoint.

The three calls, in order: create_model (the image, the model's S3 URI, the role SageMaker
runs it with), create_endpoint_config (one production variant: instance type and count),
create_endpoint; then wait with the `endpoint_in_service` waiter. Input that cannot make a
working endpoint is refused before any API call: a request that fails halfway leaves a model
or a config behind.
"""

from __future__ import annotations

import re

# SageMaker's own pattern for model, config and endpoint names.
NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
INSTANCE_TYPE = re.compile(r"^ml\.[a-z0-9]+\.[a-z0-9]+$")


def validate(name: str, image_uri: str, model_data_url: str, role_arn: str, instance_type: str,
             instance_count: int) -> None:
    """ValueError, naming the argument, for anything SageMaker would refuse or that cannot serve."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"name must be 1-63 letters, digits and dashes, starting with a letter or digit; "
                         f"got {name!r}")
    if not isinstance(image_uri, str) or not image_uri or any(c.isspace() for c in image_uri):
        raise ValueError(f"image_uri must name an image, got {image_uri!r}")
    if not isinstance(model_data_url, str) or not re.match(r"^s3://[a-z0-9.-]{3,63}/.+\.tar\.gz$", model_data_url):
        raise ValueError(f"model_data_url must be the S3 URI of a model.tar.gz (s3://bucket/key.tar.gz), "
                         f"got {model_data_url!r}")
    if not isinstance(role_arn, str) or not ROLE_ARN.match(role_arn):
        raise ValueError(f"role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got {role_arn!r}")
    if not isinstance(instance_type, str) or not INSTANCE_TYPE.match(instance_type):
        raise ValueError(f"instance_type must be a SageMaker instance type like ml.m5.large, got {instance_type!r}")
    if isinstance(instance_count, bool) or not isinstance(instance_count, int) or instance_count < 1:
        raise ValueError(f"instance_count must be a whole number of at least 1, got {instance_count!r}")


def deploy(sm, *, name: str, image_uri: str, model_data_url: str, role_arn: str,
           instance_type: str = "ml.m5.large", instance_count: int = 1,
           environment: dict[str, str] | None = None, tags: dict[str, str] | None = None) -> str:
    """Create the model, the endpoint config and the endpoint `name`; return the endpoint's ARN
    once the endpoint is InService. `environment` becomes the container's environment; `tags`
    go on all three resources. `sm` is a boto3 SageMaker client."""
    validate(name, image_uri, model_data_url, role_arn, instance_type, instance_count)
    tag_list = [{"Key": k, "Value": v} for k, v in (tags or {}).items()]
    # Models, configs and endpoints are three kinds of resource: one name can serve all three.
    model = config = name
    sm.create_model(ModelName=model, ExecutionRoleArn=role_arn, Tags=tag_list,
                    PrimaryContainer={"Image": image_uri, "ModelDataUrl": model_data_url,
                                      "Environment": dict(environment or {})})
    sm.create_endpoint_config(EndpointConfigName=config, Tags=tag_list, ProductionVariants=[{
        "VariantName": "primary", "ModelName": model, "InstanceType": instance_type,
        "InitialInstanceCount": instance_count}])
    arn = sm.create_endpoint(EndpointName=name, EndpointConfigName=config, Tags=tag_list)["EndpointArn"]
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name)
    return arn
