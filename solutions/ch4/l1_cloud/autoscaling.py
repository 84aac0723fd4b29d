"""Kata 4.1.6: autoscale the endpoint's variant on invocations per instance, and alarm on errors.

SageMaker scales through Application Auto Scaling: a scalable target (the variant's instance
count, between a minimum and a maximum) and a target-tracking policy that keeps the metric
SageMakerVariantInvocationsPerInstance (requests per instance per minute) near a target value.
That target comes from a measurement, not a guess: Little's law (lesson 1.1) says a server
that works on `concurrency` requests at a time, each taking `latency` seconds, completes at
most concurrency / latency requests a second.
"""

from __future__ import annotations

import math

SERVICE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
METRIC = "SageMakerVariantInvocationsPerInstance"


def invocations_target(mean_latency_s: float, concurrency: int, utilization: float = 0.7) -> float:
    """The target for SageMakerVariantInvocationsPerInstance (invocations per instance per
    MINUTE): an instance's measured capacity (Little's law: concurrency / latency per second)
    times 60, times `utilization` (the headroom kept for spikes and the minutes a new instance
    takes to start). ValueError unless latency > 0, concurrency >= 1 and 0 < utilization <= 1."""
    if not (isinstance(mean_latency_s, (int, float)) and math.isfinite(mean_latency_s) and mean_latency_s > 0):
        raise ValueError(f"mean_latency_s must be a positive number of seconds, got {mean_latency_s!r}")
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number of at least 1, got {concurrency!r}")
    if not 0 < utilization <= 1:
        raise ValueError(f"utilization must be in (0, 1], got {utilization!r}")
    return concurrency / mean_latency_s * 60 * utilization


def configure_autoscaling(aas, cloudwatch, endpoint: str, variant: str, *, min_instances: int,
                          max_instances: int, target: float, scale_in_cooldown: int = 300,
                          scale_out_cooldown: int = 60) -> None:
    """Register the variant's instance count as a scalable target (min..max), attach a
    target-tracking policy on invocations per instance at `target`, and create a CloudWatch
    alarm that fires when the variant answers any 5XX error within a minute.
    `aas` is a boto3 application-autoscaling client, `cloudwatch` a cloudwatch one."""
    if not 1 <= min_instances <= max_instances:
        raise ValueError(f"need 1 <= min_instances <= max_instances, got {min_instances} and {max_instances}")
    if not target > 0:
        raise ValueError(f"target must be a positive number of invocations per instance per minute, got {target!r}")
    resource = f"endpoint/{endpoint}/variant/{variant}"
    aas.register_scalable_target(ServiceNamespace=SERVICE, ResourceId=resource, ScalableDimension=DIMENSION,
                                 MinCapacity=min_instances, MaxCapacity=max_instances)
    aas.put_scaling_policy(
        PolicyName=f"{endpoint}-{variant}-invocations", ServiceNamespace=SERVICE, ResourceId=resource,
        ScalableDimension=DIMENSION, PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": float(target), "PredefinedMetricSpecification": {"PredefinedMetricType": METRIC},
            # Out fast (a queue builds up), in slowly (a dip is not the end of the load).
            "ScaleOutCooldown": scale_out_cooldown, "ScaleInCooldown": scale_in_cooldown})
    cloudwatch.put_metric_alarm(
        AlarmName=f"{endpoint}-{variant}-5xx", Namespace="AWS/SageMaker", MetricName="Invocation5XXErrors",
        Dimensions=[{"Name": "EndpointName", "Value": endpoint}, {"Name": "VariantName", "Value": variant}],
        Statistic="Sum", Period=60, EvaluationPeriods=1, Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData="notBreaching")
