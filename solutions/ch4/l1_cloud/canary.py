"""Kata 4.1.5: a canary release on one endpoint: two production variants, traffic moved in steps.

The endpoint serves `blue` (the current model) and `green` (the new one) side by side; a
variant's share of requests is its weight divided by the sum of the weights. Moving traffic is
`update_endpoint_weights_and_capacities`: no new endpoint, no downtime. After each step a check
(error rate, latency, the business metric) says whether to go on; a failed check moves all
traffic back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


def two_variant_config(sm, config_name: str, blue_model: str, green_model: str, *,
                       instance_type: str = "ml.m5.large", instance_count: int = 1) -> None:
    """Create endpoint config `config_name` with variants "blue" (all traffic) and "green"
    (none yet), each on `instance_count` instances of `instance_type`."""
    if not blue_model or not green_model or blue_model == green_model:
        raise ValueError(f"blue and green need two different models, got {blue_model!r} and {green_model!r}")
    sm.create_endpoint_config(EndpointConfigName=config_name, ProductionVariants=[
        {"VariantName": variant, "ModelName": model, "InstanceType": instance_type,
         "InitialInstanceCount": instance_count, "InitialVariantWeight": weight}
        for variant, model, weight in (("blue", blue_model, 1.0), ("green", green_model, 0.0))])


def _set_share(sm, endpoint: str, to_variant: str, others: list[str], percent: float) -> None:
    weights = [{"VariantName": to_variant, "DesiredWeight": percent / 100}]
    weights += [{"VariantName": v, "DesiredWeight": (100 - percent) / 100 / len(others)} for v in others]
    sm.update_endpoint_weights_and_capacities(EndpointName=endpoint, DesiredWeightsAndCapacities=weights)
    sm.get_waiter("endpoint_in_service").wait(EndpointName=endpoint)


def shift_traffic(sm, endpoint: str, to_variant: str, check: Callable[[], bool],
                  steps: Sequence[float] = (10, 50, 100)) -> bool:
    """Move `to_variant`'s share of the traffic through `steps` (percentages, rising, the last
    100), waiting for the endpoint to be InService and calling `check()` after each step.
    True once all traffic is on `to_variant`. If a check returns False, put all traffic back on
    the other variant(s), wait, and return False.

    ValueError before any change when the steps are not rising percentages in (0, 100] ending
    at 100, or the endpoint has no variant `to_variant`.
    """
    steps = list(steps)
    # Rising and ending at 100: every step is then at most 100.
    if not steps or steps[-1] != 100 or steps[0] <= 0 or any(b <= a for a, b in zip(steps, steps[1:])):
        raise ValueError(f"steps must be rising percentages in (0, 100] ending at 100, got {steps}")
    variants = [v["VariantName"] for v in sm.describe_endpoint(EndpointName=endpoint)["ProductionVariants"]]
    if to_variant not in variants:
        raise ValueError(f"endpoint {endpoint} has no variant {to_variant!r}; it has {', '.join(variants)}")
    others = [v for v in variants if v != to_variant]
    if not others:
        raise ValueError(f"endpoint {endpoint} has only {to_variant!r}: there is nothing to shift from")
    for percent in steps:
        _set_share(sm, endpoint, to_variant, others, percent)
        if not check():
            _set_share(sm, endpoint, to_variant, others, 0)
            return False
    return True
