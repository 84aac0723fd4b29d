"""Katas 4.1.1 (contract_from) and 4.1.2 (main, and the Dockerfile): one image, two clouds.
Your lesson 3.1 server, started the way SageMaker and Vertex AI start a custom container.

SageMaker (bring your own container) runs `docker run IMAGE serve`: the argument `serve`,
port 8080, GET /ping (200 within 2 s) and POST /invocations, the model unpacked from
model.tar.gz into /opt/ml/model. Vertex AI runs the image as it is, with no arguments, and
says where to listen and answer in AIP_HTTP_PORT, AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE;
the model is the one in the image (no AIP_STORAGE_URI is given). Both send
{"instances": [[64 pixel values], ...]} and read {"predictions": [digit, ...]}.

The image (Dockerfile) is FROM your lesson 3.1 image; this file runs there, beside
server.py, whose app already answers /health and /predict.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass

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
    does not start with /)."""
    given = argv[1:]
    if given == ["serve"]:
        return Contract("sagemaker", SAGEMAKER_PORT, "/ping", "/invocations", SAGEMAKER_MODEL)
    if given:
        raise ValueError(f"the only argument this image takes is `serve` (SageMaker), got {' '.join(given)!r}")
    if "AIP_HTTP_PORT" not in env:
        raise ValueError("start the image with the argument `serve` (SageMaker) or with AIP_HTTP_PORT, "
                         "AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE set (Vertex AI)")
    raw = env["AIP_HTTP_PORT"]
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError(f"AIP_HTTP_PORT must be a port number from 1 to 65535, got {raw!r}")
    health, predict = env.get("AIP_HEALTH_ROUTE", ""), env.get("AIP_PREDICT_ROUTE", "")
    for name, route in (("AIP_HEALTH_ROUTE", health), ("AIP_PREDICT_ROUTE", predict)):
        if not route.startswith("/"):
            raise ValueError(f"{name} must be a path starting with /, got {route!r}")
    if health == predict:
        raise ValueError(f"AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE must differ, both are {health!r}")
    return Contract("vertex", int(raw), health, predict, IMAGE_MODEL)


def is_json(content_type: str | None) -> bool:
    """Whether a request's Content-Type is JSON (`application/json`, any parameters after `;`)."""
    return (content_type or "").split(";")[0].strip().lower() == "application/json"


class ContractApp:
    """An ASGI app in front of lesson 3.1's: the platform's routes lead to /health and /predict,
    any other path is a 404, and a prediction whose body is not JSON is a 415 (SageMaker
    passes the caller's Content-Type through)."""

    def __init__(self, inner, contract: Contract):
        self.inner = inner
        self.routes = {contract.health_route: "/health", contract.predict_route: "/predict"}
        self.predict_route = contract.predict_route

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        target = self.routes.get(scope["path"])
        if target is None:
            return await _answer(send, 404, {"detail": f"no route {scope['path']}; this server answers "
                                                       f"{' and '.join(self.routes)}"})
        if scope["path"] == self.predict_route:
            content_type = dict(scope.get("headers") or []).get(b"content-type", b"").decode("latin-1")
            if not is_json(content_type):
                return await _answer(send, 415, {"detail": f"send application/json, got {content_type!r}"})
        await self.inner(dict(scope, path=target, raw_path=target.encode()), receive, send)


async def _answer(send, status: int, body: dict) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


def main(argv: list[str] | None = None) -> None:
    """Read the contract, check the model is there, serve; a start that cannot work ends at
    once with one line saying why and exit code 2 (the platform shows it in the endpoint's logs)."""
    argv = sys.argv if argv is None else argv
    try:
        contract = contract_from(argv, os.environ)
        if not os.path.isfile(contract.model_path):
            raise ValueError(f"no model at {contract.model_path}: SageMaker unpacks ModelDataUrl's model.tar.gz "
                             f"into /opt/ml/model, and it must hold model.onnx at its top level")
    except ValueError as err:
        print(f"cloud_server: {err}", file=sys.stderr)
        raise SystemExit(2) from None
    import uvicorn

    import server  # lesson 3.1's, beside this file in the image

    app = ContractApp(server.create_app(contract.model_path), contract)
    print(f"cloud_server: {contract.platform} contract on port {contract.port}: GET {contract.health_route}, "
          f"POST {contract.predict_route}, model {contract.model_path}", file=sys.stderr)
    # uvicorn handles SIGTERM: stop accepting, finish what is in flight, exit 0 (SageMaker
    # sends SIGTERM, then SIGKILL after 30 s).
    uvicorn.run(app, host="0.0.0.0", port=contract.port, log_level="info")


if __name__ == "__main__":
    main()
