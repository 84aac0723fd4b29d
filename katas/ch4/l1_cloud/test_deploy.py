"""Kata 4.1.4: a SageMaker endpoint made by your deploy(), read back through the API.

SageMaker's control plane is moto's server (the `aws` fixture). The tests do not trust what
deploy() returns: they follow the endpoint to its config and model with describe calls, and
read the record of every API call your code made (`aws.calls`): the order of the creates, the
wait, and that input which cannot work is refused before the first call.
"""

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects

IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/digits:2"
MODEL_DATA = "s3://kata-models/digits/2/model.tar.gz"


def _deploy():
    return lesson_module(__file__, "deploy")


@pytest.fixture
def good(aws):
    return dict(name="digits-prod", image_uri=IMAGE, model_data_url=MODEL_DATA, role_arn=aws.role(),
                instance_type="ml.c5.xlarge", instance_count=2, environment={"WORKERS": "2", "LOG_LEVEL": "warning"},
                tags={"team": "ml-platform", "cost-center": "4117"})


@pytest.fixture
def deployed(aws, good):
    arn = _deploy().deploy(aws.client("sagemaker"), **good)
    sm = aws.reader("sagemaker")
    endpoint = sm.describe_endpoint(EndpointName=good["name"])
    config = sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    variants = config["ProductionVariants"]
    assert len(variants) == 1, f"the endpoint config has {len(variants)} production variants; one is asked for"
    model = sm.describe_model(ModelName=variants[0]["ModelName"])
    return sm, arn, endpoint, variants[0], model


def test_the_endpoint_is_in_service_when_deploy_returns(deployed, good):
    _, arn, endpoint, _, _ = deployed
    assert endpoint["EndpointStatus"] == "InService", endpoint["EndpointStatus"]
    assert arn == endpoint["EndpointArn"], f"deploy returned {arn!r}, the endpoint's ARN is {endpoint['EndpointArn']!r}"


def test_the_model_runs_your_image_with_your_model_role_and_environment(deployed, good):
    _, _, _, _, model = deployed
    container = model["PrimaryContainer"]
    assert container["Image"] == IMAGE, container
    assert container["ModelDataUrl"] == MODEL_DATA, container
    assert container.get("Environment", {}) == good["environment"], container
    assert model["ExecutionRoleArn"] == good["role_arn"], model["ExecutionRoleArn"]


def test_the_variant_has_the_instances_asked_for_and_all_the_traffic(deployed, good):
    _, _, _, variant, _ = deployed
    assert variant["InstanceType"] == "ml.c5.xlarge" and variant["InitialInstanceCount"] == 2, variant
    assert variant.get("InitialVariantWeight", 1.0) > 0, "the only variant must take traffic (a weight above 0)"


@pytest.mark.parametrize("resource", ["endpoint", "endpoint config", "model"])
def test_every_resource_carries_the_tags(deployed, good, resource):
    sm, _, endpoint, variant, model = deployed
    arn = {"endpoint": endpoint["EndpointArn"], "model": model["ModelArn"],
           "endpoint config": sm.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])[
               "EndpointConfigArn"]}[resource]
    tags = {t["Key"]: t["Value"] for t in sm.list_tags(ResourceArn=arn)["Tags"]}
    assert tags.items() >= good["tags"].items(), f"the {resource}'s tags are {tags}; expected {good['tags']}"


def test_the_calls_create_in_order_and_wait_for_the_endpoint(aws, deployed):
    made = [op for op in aws.operations("sagemaker") if op.startswith("Create")]
    assert made == ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"], made
    ops = aws.operations("sagemaker")
    last_create = len(ops) - 1 - ops[::-1].index("CreateEndpoint")
    assert "DescribeEndpoint" in ops[last_create:], \
        "deploy returned without asking whether the endpoint is InService (the endpoint_in_service waiter)"


@pytest.mark.parametrize("change, why", [
    ({"instance_type": "m5.large"}, "SageMaker instance types start with ml."),
    ({"instance_type": ""}, "no instance type"),
    ({"instance_count": 0}, "an endpoint needs at least one instance"),
    ({"instance_count": -2}, "a negative instance count"),
    ({"model_data_url": "/home/me/model.tar.gz"}, "the model must be in S3 (s3://...)"),
    ({"model_data_url": "https://kata-models.s3.amazonaws.com/model.tar.gz"}, "ModelDataUrl is an s3:// URI"),
    ({"role_arn": "kata-sagemaker-execution"}, "a role is named by its ARN"),
    ({"role_arn": "arn:aws:iam::123456789012:user/alice"}, "a user is not a role"),
    ({"name": "digits_prod"}, "SageMaker names allow letters, digits and dashes only"),
    ({"name": "-digits"}, "a name starts with a letter or digit"),
    ({"name": "d" * 64}, "a name has at most 63 characters"),
    ({"image_uri": ""}, "no image"),
    ({"image_uri": "digits: 2"}, "an image reference has no spaces"),
    ({"instance_count": 1.5}, "half an instance"),
])
def test_input_that_cannot_work_is_refused_before_any_call(aws, good, change, why):
    sm = aws.client("sagemaker")
    rejects(_deploy().deploy, sm, why=why, **{**good, **change})
    assert aws.calls == [], (f"deploy with {change} made {', '.join(aws.operations())} before refusing: check "
                             "the input first, or a half-made deployment is left behind")


@pytest.mark.parametrize("name", ["Digits-2", "d" * 63])
def test_any_name_sagemaker_takes_deploys(aws, good, name):
    _deploy().deploy(aws.client("sagemaker"), **{**good, "name": name, "environment": {}, "tags": {}})
    assert aws.reader("sagemaker").describe_endpoint(EndpointName=name)["EndpointStatus"] == "InService"


def test_by_default_one_ml_m5_large_instance(aws, good):
    required = {k: good[k] for k in ("name", "image_uri", "model_data_url", "role_arn")}
    _deploy().deploy(aws.client("sagemaker"), **required)
    sm = aws.reader("sagemaker")
    config = sm.describe_endpoint(EndpointName=good["name"])["EndpointConfigName"]
    [variant] = sm.describe_endpoint_config(EndpointConfigName=config)["ProductionVariants"]
    assert (variant["InstanceType"], variant["InitialInstanceCount"]) == ("ml.m5.large", 1), variant
