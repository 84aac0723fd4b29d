"""Kata 4.1.6: autoscale the endpoint's variant on invocations per instance, and alarm on errors.

SageMaker scales through Application Auto Scaling: a scalable target (the variant's instance
count, between a minimum and a maximum) and a target-tracking policy that keeps the metric
SageMakerVariantInvocationsPerInstance (requests per instance per minute) near a target value.
That target comes from a measurement, not a guess: Little's law (lesson 1.1) says a server
that works on `concurrency` requests at a time, each taking `latency` seconds, completes at
most concurrency / latency requests a second.
"""

from __future__ import annotations

from fixtures import KataNotImplemented

SERVICE = "sagemaker"
DIMENSION = "sagemaker:variant:DesiredInstanceCount"
METRIC = "SageMakerVariantInvocationsPerInstance"


def invocations_target(mean_latency_s: float, concurrency: int, utilization: float = 0.7) -> float:
    """The target for SageMakerVariantInvocationsPerInstance (invocations per instance per
    MINUTE): an instance's measured capacity (Little's law: concurrency / latency per second)
    times 60, times `utilization` (the headroom kept for spikes and the minutes a new instance
    takes to start). ValueError unless latency > 0, concurrency >= 1 and 0 < utilization <= 1."""
    raise KataNotImplemented("4.1.6")


def configure_autoscaling(aas, cloudwatch, endpoint: str, variant: str, *, min_instances: int,
                          max_instances: int, target: float, scale_in_cooldown: int = 300,
                          scale_out_cooldown: int = 60) -> None:
    """Register the variant's instance count as a scalable target (min..max), attach a
    target-tracking policy on invocations per instance at `target`, and create a CloudWatch
    alarm that fires when the variant answers any 5XX error within a minute.
    `aas` is a boto3 application-autoscaling client, `cloudwatch` a cloudwatch one."""
    raise KataNotImplemented("4.1.6")
