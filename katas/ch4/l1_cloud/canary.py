"""Kata 4.1.5: a canary release on one endpoint: two production variants, traffic moved in steps.

The endpoint serves `blue` (the current model) and `green` (the new one) side by side; a
variant's share of requests is its weight divided by the sum of the weights. Moving traffic is
`update_endpoint_weights_and_capacities`: no new endpoint, no downtime. After each step a check
(error rate, latency, the business metric) says whether to go on; a failed check moves all
traffic back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from fixtures import KataNotImplemented


def two_variant_config(sm, config_name: str, blue_model: str, green_model: str, *,
                       instance_type: str = "ml.m5.large", instance_count: int = 1) -> None:
    """Create endpoint config `config_name` with variants "blue" (all traffic) and "green"
    (none yet), each on `instance_count` instances of `instance_type`."""
    raise KataNotImplemented("4.1.5")


def shift_traffic(sm, endpoint: str, to_variant: str, check: Callable[[], bool],
                  steps: Sequence[float] = (10, 50, 100)) -> bool:
    """Move `to_variant`'s share of the traffic through `steps` (percentages, rising, the last
    100), waiting for the endpoint to be InService and calling `check()` after each step.
    True once all traffic is on `to_variant`. If a check returns False, put all traffic back on
    the other variant(s), wait, and return False.

    ValueError before any change when the steps are not rising percentages in (0, 100] ending
    at 100, or the endpoint has no variant `to_variant`.
    """
    raise KataNotImplemented("4.1.5")
