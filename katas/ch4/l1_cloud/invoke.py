"""Kata 4.1.7: call the endpoint the way a client in production does.

`invoke_endpoint` (the sagemaker-runtime client) sends your bytes and content type to the
container's /invocations and returns its bytes. A client serializes, says what it sends and
what it accepts, reads the predictions out of the answer, retries what is worth retrying
(throttling, a moment of unavailability) with a growing pause, and turns the rest (the model
refused the input) into one clear error at once.
"""

from __future__ import annotations

from fixtures import KataNotImplemented


class EndpointError(RuntimeError):
    """The endpoint did not give predictions: what was asked, and what it said."""


def predict(runtime, endpoint: str, instances: list[list[float]], *, retries: int = 3,
            base_delay: float = 0.1) -> list[int]:
    """The endpoint's predictions for `instances` (rows of 64 pixel values), one per row.

    Sends {"instances": instances} as application/json and accepts application/json. A
    throttled or unavailable call is retried up to `retries` times, waiting base_delay,
    2 x base_delay, 4 x base_delay... before each retry. EndpointError, naming the endpoint and
    the error's code and message, when the retries are used up or the error is not worth a
    retry (a ModelError: the container refused the input), and when the answer holds no
    predictions or not one per row. ValueError for no instances.
    """
    raise KataNotImplemented("4.1.7")
