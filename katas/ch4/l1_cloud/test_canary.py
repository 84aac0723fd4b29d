"""Kata 4.1.5: a canary release on one SageMaker endpoint (moto's control plane).

The endpoint runs two production variants, blue (the model in service) and green (the new
one). After each step of your shift_traffic the test's own check reads the weights the API
reports (describe_endpoint) and turns them into shares of the traffic (weight / sum): the
tests assert on what SageMaker was told, not on what your function returns. A weight of 10
against 90 is the same split as 0.1 against 0.9.
"""

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects

ENDPOINT = "digits"


def _canary():
    return lesson_module(__file__, "canary")


@pytest.fixture
def models(aws):
    """Two releases of the model: digits-1 in service, digits-2 new."""
    sm = aws.reader("sagemaker")
    role = aws.role()
    for name, tag in (("digits-1", "1"), ("digits-2", "2")):
        sm.create_model(ModelName=name, ExecutionRoleArn=role, PrimaryContainer={
            "Image": f"123456789012.dkr.ecr.us-east-1.amazonaws.com/digits:{tag}",
            "ModelDataUrl": f"s3://kata-models/digits/{tag}/model.tar.gz"})
    return sm


@pytest.fixture
def endpoint(aws, models):
    """An endpoint on your two-variant config, all traffic on blue."""
    sm = models
    _canary().two_variant_config(aws.client("sagemaker"), "digits-canary", "digits-1", "digits-2",
                                 instance_type="ml.c5.large", instance_count=2)
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="digits-canary")
    return sm


def shares(sm) -> dict[str, float]:
    """Each variant's share of the traffic, from the weights the API reports."""
    variants = sm.describe_endpoint(EndpointName=ENDPOINT)["ProductionVariants"]
    weights = {v["VariantName"]: float(v.get("CurrentWeight", v.get("DesiredWeight", 0.0))) for v in variants}
    total = sum(weights.values())
    assert total > 0, f"every variant has weight 0: the endpoint would answer no request ({weights})"
    return {name: round(w / total, 4) for name, w in weights.items()}


class Recorder:
    """The check shift_traffic calls after each step: reads the shares, then passes or fails."""

    def __init__(self, sm, fail_at: int | None = None):
        self.sm, self.fail_at, self.seen = sm, fail_at, []

    def __call__(self) -> bool:
        self.seen.append(shares(self.sm))
        return len(self.seen) != self.fail_at


def test_the_config_has_blue_with_all_traffic_and_green_with_none(aws, endpoint):
    config = endpoint.describe_endpoint_config(EndpointConfigName="digits-canary")["ProductionVariants"]
    by_name = {v["VariantName"]: v for v in config}
    assert set(by_name) == {"blue", "green"}, f"the variants are {sorted(by_name)}; expected blue and green"
    assert by_name["blue"]["ModelName"] == "digits-1" and by_name["green"]["ModelName"] == "digits-2", config
    assert all(v["InstanceType"] == "ml.c5.large" and v["InitialInstanceCount"] == 2 for v in config), config
    assert shares(endpoint) == {"blue": 1.0, "green": 0.0}


def test_traffic_moves_10_50_100_and_each_step_is_checked(aws, endpoint):
    check = Recorder(endpoint)
    done = _canary().shift_traffic(aws.client("sagemaker"), ENDPOINT, "green", check)
    assert done is True, f"shift_traffic returned {done!r} after every check passed; expected True"
    assert check.seen == [{"blue": 0.9, "green": 0.1}, {"blue": 0.5, "green": 0.5}, {"blue": 0.0, "green": 1.0}], \
        f"the shares after each step were {check.seen}"
    assert shares(endpoint) == {"blue": 0.0, "green": 1.0}


def test_steps_of_your_own_choosing(aws, endpoint):
    check = Recorder(endpoint)
    _canary().shift_traffic(aws.client("sagemaker"), ENDPOINT, "green", check, steps=(5, 25, 100))
    assert [s["green"] for s in check.seen] == [0.05, 0.25, 1.0], check.seen


def test_the_endpoint_is_in_service_at_every_check(aws, endpoint):
    statuses = []

    def check():
        statuses.append(endpoint.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"])
        return True

    _canary().shift_traffic(aws.client("sagemaker"), ENDPOINT, "green", check)
    assert statuses == ["InService"] * 3, statuses
    ops = aws.operations("sagemaker")
    updates = [i for i, op in enumerate(ops) if op == "UpdateEndpointWeightsAndCapacities"]
    assert len(updates) == 3, ops
    for here, after in zip(updates, updates[1:] + [len(ops)]):
        assert "DescribeEndpoint" in ops[here:after], \
            f"a change of weights was not waited on (the endpoint_in_service waiter): {ops}"


def test_a_failed_check_puts_all_traffic_back_on_blue(aws, endpoint):
    check = Recorder(endpoint, fail_at=2)  # the 50 % step looks bad
    done = _canary().shift_traffic(aws.client("sagemaker"), ENDPOINT, "green", check)
    assert done is False, f"shift_traffic returned {done!r} after a failed check; expected False"
    assert len(check.seen) == 2, f"the check was called {len(check.seen)} times; the release stops at the failed one"
    assert shares(endpoint) == {"blue": 1.0, "green": 0.0}, "after a failed check all traffic is back on blue"


def test_a_failed_first_step_rolls_back_too(aws, endpoint):
    check = Recorder(endpoint, fail_at=1)
    assert _canary().shift_traffic(aws.client("sagemaker"), ENDPOINT, "green", check) is False
    assert shares(endpoint) == {"blue": 1.0, "green": 0.0}


@pytest.mark.parametrize("to_variant, steps, why", [
    ("green", (50, 10, 100), "the steps must rise"),
    ("green", (10, 50), "the last step must put all traffic on the new variant (100)"),
    ("green", (0, 50, 100), "a step of 0 % moves nothing"),
    ("green", (10, 150, 100), "a share above 100 %"),
    ("green", (), "no steps"),
    ("green", (-10, 50, 100), "a negative share"),
    ("green", (10, 10, 100), "a step that moves nothing"),
    ("green", (10, 150), "a share above 100 %, even as the last step"),
    ("red", (10, 50, 100), "the endpoint has no variant red"),
])
def test_a_plan_that_cannot_work_is_refused_before_any_change(aws, endpoint, to_variant, steps, why):
    rejects(_canary().shift_traffic, aws.client("sagemaker"), ENDPOINT, to_variant, lambda: True, steps=steps, why=why)
    assert "UpdateEndpointWeightsAndCapacities" not in aws.operations(), \
        f"the weights were changed before the plan was refused: {aws.operations()}"
    assert shares(endpoint) == {"blue": 1.0, "green": 0.0}


def test_a_one_percent_canary_is_a_canary(aws, endpoint):
    check = Recorder(endpoint)
    assert _canary().shift_traffic(aws.client("sagemaker"), ENDPOINT, "green", check, steps=(1, 100)) is True
    assert [s["green"] for s in check.seen] == [0.01, 1.0], check.seen


@pytest.mark.parametrize("blue, green, why", [
    ("digits-1", "-".join(["digits", "1"]), "blue and green are the same model: there is nothing to compare"),
    ("", "digits-2", "no blue model"),
    ("digits-1", "", "no green model"),
])
def test_a_config_without_two_models_is_refused(aws, blue, green, why):
    rejects(_canary().two_variant_config, aws.client("sagemaker"), "digits-canary", blue, green, why=why)
    assert aws.calls == [], aws.operations()


def test_by_default_each_variant_has_one_ml_m5_large(aws, models):
    _canary().two_variant_config(aws.client("sagemaker"), "digits-canary", "digits-1", "digits-2")
    config = aws.reader("sagemaker").describe_endpoint_config(EndpointConfigName="digits-canary")
    assert {(v["InstanceType"], v["InitialInstanceCount"]) for v in config["ProductionVariants"]} == \
        {("ml.m5.large", 1)}, config["ProductionVariants"]


def test_with_three_variants_the_others_share_what_is_left(aws):
    sm = aws.reader("sagemaker")
    role = aws.role()
    variants = []
    for name in ("blue", "green", "red"):
        sm.create_model(ModelName=f"digits-{name}", ExecutionRoleArn=role, PrimaryContainer={
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/digits:1"})
        variants.append({"VariantName": name, "ModelName": f"digits-{name}", "InstanceType": "ml.c5.large",
                         "InitialInstanceCount": 1, "InitialVariantWeight": 0.0 if name == "green" else 0.5})
    sm.create_endpoint_config(EndpointConfigName="three", ProductionVariants=variants)
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="three")
    check = Recorder(sm)
    _canary().shift_traffic(aws.client("sagemaker"), ENDPOINT, "green", check, steps=(50, 100))
    assert check.seen[0] == {"blue": 0.25, "green": 0.5, "red": 0.25}, check.seen


def test_green_may_be_an_older_model_than_blue(aws, models):
    """Rolling back is a release too: the new variant can run the model of last week."""
    _canary().two_variant_config(aws.client("sagemaker"), "digits-rollback", "digits-2", "digits-1")
    config = aws.reader("sagemaker").describe_endpoint_config(EndpointConfigName="digits-rollback")
    assert {v["VariantName"]: v["ModelName"] for v in config["ProductionVariants"]} == \
        {"blue": "digits-2", "green": "digits-1"}, config["ProductionVariants"]
