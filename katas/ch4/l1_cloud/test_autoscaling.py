"""Kata 4.1.6: autoscaling configured from a measurement, and an alarm on errors.

The target comes from your lesson 4.1 image, measured here: vegeta (a real load generator)
sends single-row predictions to it, started as SageMaker starts it, and its report's mean
latency goes into your invocations_target. Application Auto Scaling and CloudWatch are
moto's: they store what you configure and the tests read it back; moto never scales an
endpoint nor evaluates an alarm, so nothing here pretends it did.
"""

import json
import math

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.docker.cloud import start_sagemaker, unpack_model
from fixtures.engines.vegeta import Attack

LOGS = REPO_ROOT / ".kata" / "logs"
ENDPOINT, VARIANT = "digits", "blue"
RESOURCE = f"endpoint/{ENDPOINT}/variant/{VARIANT}"


def _autoscaling():
    return lesson_module(__file__, "autoscaling")


@pytest.mark.parametrize("latency, concurrency, utilization, per_minute", [
    (0.05, 1, 0.7, 840.0),  # 20 requests a second at most; 70 % of it, per minute
    (0.2, 4, 0.5, 600.0),
    (0.01, 2, 1.0, 12000.0),
])
def test_the_target_is_littles_law_per_minute_with_headroom(latency, concurrency, utilization, per_minute):
    got = _autoscaling().invocations_target(latency, concurrency, utilization)
    assert isinstance(got, (int, float)) and math.isclose(got, per_minute, rel_tol=1e-9), \
        (f"invocations_target({latency}, {concurrency}, {utilization}) returned {got!r}; expected {per_minute} "
         "invocations per instance per minute")


def test_the_default_headroom_is_70_percent():
    assert math.isclose(_autoscaling().invocations_target(0.1, 1), 420.0, rel_tol=1e-9)


@pytest.mark.parametrize("args, why", [
    ((0, 1, 0.7), "a latency of 0 s is not a measurement"),
    ((-0.1, 1, 0.7), "a negative latency"),
    ((float("nan"), 1, 0.7), "NaN is not a latency"),
    ((0.1, 0, 0.7), "an instance that works on nothing at once"),
    ((0.1, 1.5, 0.7), "half a request in flight"),
    ((0.1, 1, 0.0), "a target of 0 scales out forever"),
    ((0.1, 1, 1.5), "more than the instance can do"),
    ((0.1, 1, -0.5), "a negative utilization"),
])
def test_a_measurement_that_is_not_one_is_refused(args, why):
    rejects(_autoscaling().invocations_target, *args, why=why)


@pytest.fixture
def measure(cloud_image_later, docker_engine, serving_model, tmp_path_factory):
    """vegeta's report for the real container (one server process), 25 single-row requests a
    second for 4 s: the per-instance latency the target is computed from. Measured when the
    test asks, after your own function has run."""
    import tarfile

    from fixtures.engines.docker.scope import DockerScope

    def measured():
        image = cloud_image_later()
        folder = tmp_path_factory.mktemp("model")
        with tarfile.open(folder / "model.tar.gz", "w:gz") as archive:
            archive.add(serving_model.onnx_path, arcname="model.onnx")
        model_dir = unpack_model(folder / "model.tar.gz", folder / "opt-ml-model")
        with DockerScope(docker_engine, name="4-1-6") as scope:
            container = start_sagemaker(scope, image.tag, model_dir, env={"WORKERS": "1"},
                                        log=LOGS / "4.1.6-run.log")
            url = f"http://127.0.0.1:{container.get_exposed_port(8080)}/invocations"
            body = json.dumps({"instances": serving_model.x_test[:1].tolist()}).encode()
            with Attack(url, rate=25, duration_s=4, body=body, results=folder / "load.bin") as attack:
                report = attack.wait()  # stopped on the way out whatever happens (Ctrl-C too)
        assert report.failures == 0, f"the container failed requests under light load: {report.summary()}"
        return report

    return measured


def test_the_target_comes_from_the_containers_measured_latency(measure):
    target_for = _autoscaling().invocations_target
    target_for(0.01, 1)  # your function first: the measurement needs your lesson 4.1 image
    measured = measure()
    latency = measured.mean_ms / 1000
    target = target_for(latency, 1)
    print(f"\nmeasured: {measured.summary()}\nmean latency {latency * 1000:.1f} ms -> one process serves at most "
          f"{1 / latency:.0f} requests/s; target {target:.0f} invocations per instance per minute")
    assert math.isclose(target, 60 * 0.7 / latency, rel_tol=1e-9), target


@pytest.fixture
def configured(aws):
    sm = aws.reader("sagemaker")
    sm.create_model(ModelName="digits-1", ExecutionRoleArn=aws.role(), PrimaryContainer={
        "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/digits:1",
        "ModelDataUrl": "s3://kata-models/digits/1/model.tar.gz"})
    sm.create_endpoint_config(EndpointConfigName="digits-1", ProductionVariants=[{
        "VariantName": VARIANT, "ModelName": "digits-1", "InstanceType": "ml.c5.large", "InitialInstanceCount": 1}])
    sm.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName="digits-1")
    _autoscaling().configure_autoscaling(aws.client("application-autoscaling"), aws.client("cloudwatch"), ENDPOINT,
                                         VARIANT, min_instances=2, max_instances=6, target=1234.5,
                                         scale_in_cooldown=600, scale_out_cooldown=30)
    return aws


def test_the_variants_instance_count_is_a_scalable_target_within_min_and_max(configured):
    targets = configured.reader("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="sagemaker")["ScalableTargets"]
    assert [(t["ResourceId"], t["ScalableDimension"]) for t in targets] == \
        [(RESOURCE, "sagemaker:variant:DesiredInstanceCount")], targets
    assert (targets[0]["MinCapacity"], targets[0]["MaxCapacity"]) == (2, 6), targets[0]


def test_a_target_tracking_policy_keeps_invocations_per_instance_at_the_target(configured):
    policies = configured.reader("application-autoscaling").describe_scaling_policies(
        ServiceNamespace="sagemaker")["ScalingPolicies"]
    assert len(policies) == 1, f"{len(policies)} scaling policies; one target-tracking policy is asked for"
    policy = policies[0]
    assert policy["ResourceId"] == RESOURCE and policy["PolicyType"] == "TargetTrackingScaling", policy
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == \
        "SageMakerVariantInvocationsPerInstance", config
    assert math.isclose(config["TargetValue"], 1234.5), config
    assert (config.get("ScaleInCooldown"), config.get("ScaleOutCooldown")) == (600, 30), config


def test_the_target_is_registered_before_the_policy(configured):
    ops = configured.operations("application-autoscaling")
    assert "RegisterScalableTarget" in ops and "PutScalingPolicy" in ops, ops
    assert ops.index("RegisterScalableTarget") < ops.index("PutScalingPolicy"), \
        f"a policy needs its scalable target first: {ops}"


def test_an_alarm_fires_on_any_5xx_error_of_the_variant(configured):
    alarms = configured.reader("cloudwatch").describe_alarms()["MetricAlarms"]
    assert len(alarms) == 1, f"{len(alarms)} alarms; one on the variant's 5XX errors is asked for"
    alarm = alarms[0]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/SageMaker", "Invocation5XXErrors"), alarm
    dims = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
    assert dims == {"EndpointName": ENDPOINT, "VariantName": VARIANT}, dims
    assert alarm["Statistic"] in ("Sum", "Maximum"), f"count the errors (Sum), not {alarm['Statistic']}"
    operator, threshold = alarm["ComparisonOperator"], alarm["Threshold"]
    one_error_fires = ((operator == "GreaterThanOrEqualToThreshold" and 0 < threshold <= 1)
                       or (operator == "GreaterThanThreshold" and 0 <= threshold < 1))
    assert one_error_fires, (f"{operator} {threshold}: one error in a period should fire the alarm, and no "
                             "error should not")
    assert alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"]) == 1, \
        "one period with an error should be enough, not several in a row"
    assert alarm["Period"] in (10, 30) or alarm["Period"] % 60 == 0, \
        f"CloudWatch takes periods of 10, 30 or a multiple of 60 s, not {alarm['Period']}"
    assert alarm["Period"] <= 300, "the alarm should fire within 5 minutes of the error"


@pytest.mark.parametrize("change, why", [
    ({"min_instances": 0}, "an endpoint keeps at least one instance"),
    ({"min_instances": 4, "max_instances": 3}, "the minimum is above the maximum"),
    ({"target": 0}, "a target of 0 invocations"),
    ({"target": -5.0}, "a negative target"),
])
def test_a_configuration_that_cannot_work_is_refused_before_any_call(aws, change, why):
    args = {"min_instances": 1, "max_instances": 4, "target": 500.0, **change}
    rejects(_autoscaling().configure_autoscaling, aws.client("application-autoscaling"), aws.client("cloudwatch"),
            ENDPOINT, VARIANT, why=why, **args)
    assert aws.calls == [], f"calls were made before the input was refused: {aws.operations()}"


def test_a_fixed_fleet_and_a_small_target_are_configurations_too(aws):
    """min = max pins the fleet (the policy then only records the target); any positive
    target is one. Cooldowns left out are 300 s in, 60 s out, as the signature says."""
    _autoscaling().configure_autoscaling(aws.client("application-autoscaling"), aws.client("cloudwatch"), ENDPOINT,
                                         VARIANT, min_instances=1, max_instances=1, target=0.5)
    aas = aws.reader("application-autoscaling")
    [target] = aas.describe_scalable_targets(ServiceNamespace="sagemaker")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 1), target
    [policy] = aas.describe_scaling_policies(ServiceNamespace="sagemaker")["ScalingPolicies"]
    config = policy["TargetTrackingScalingPolicyConfiguration"]
    assert config["TargetValue"] == 0.5 and (config.get("ScaleInCooldown"), config.get("ScaleOutCooldown")) == \
        (300, 60), config
