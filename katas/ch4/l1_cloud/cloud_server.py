"""Katas 4.1.1 (contract_from) and 4.1.2 (main, and the Dockerfile): one image, two clouds.
Your lesson 3.1 server, started the way SageMaker and Vertex AI start a custom container.

SageMaker (bring your own container) runs `docker run IMAGE serve`: the argument `serve`,
port 8080, GET /ping (200 within 2 s) and POST /invocations, the model unpacked from
model.tar.gz into /opt/ml/model. Vertex AI runs the image as it is, with no arguments, and
says where to listen and answer in AIP_HTTP_PORT, AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE;
the model is the one in the image (no AIP_STORAGE_URI is given). Both send
{"instances": [[64 pixel values], ...]} and read {"predictions": [digit, ...]}.

The image (Dockerfile) is FROM your lesson 3.1 image; this file runs there, beside
server.py, whose app already answers /health and /predict: reuse it (import server).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

try:
    from fixtures import KataNotImplemented
except ImportError:  # inside the image, where the course's fixtures are not installed
    KataNotImplemented = NotImplementedError

SAGEMAKER_PORT = 8080
SAGEMAKER_MODEL = "/opt/ml/model/model.onnx"
IMAGE_MODEL = "/app/model/model.onnx"  # where the lesson 3.1 image keeps its model


@dataclass(frozen=True)
class Contract:
    platform: str  # "sagemaker" or "vertex"
    port: int
    health_route: str
    predict_route: str
    model_path: str


def contract_from(argv: list[str], env) -> Contract:
    """The contract the container was started under: SageMaker when its first argument is
    `serve`, Vertex AI when AIP_HTTP_PORT is set. ValueError, saying what was expected, for
    anything else (no argument and no AIP_HTTP_PORT, a port that is not one, a route that
    does not start with /). Kata 4.1.1."""
    raise KataNotImplemented("4.1.1")


def main(argv: list[str] | None = None) -> None:
    """Read the contract, check the model is there, serve; a start that cannot work ends at
    once with one line saying why and exit code 2 (the platform shows it in the endpoint's logs).

    Kata 4.1.2. Serve with uvicorn on the contract's port: GET health route -> 200, POST
    predict route with a JSON body -> the predictions, a body that is not application/json -> 415.
    """
    raise KataNotImplemented("4.1.2")


if __name__ == "__main__":
    main(sys.argv)
