"""Kata 4.1.1: the contract a container was started under, read from its arguments and
environment, in this process (no Docker): SageMaker starts it with the argument `serve`,
Vertex AI with AIP_HTTP_PORT, AIP_HEALTH_ROUTE and AIP_PREDICT_ROUTE set.
"""

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects
from fixtures.engines.docker.cloud import VertexRoutes


def _server():
    return lesson_module(__file__, "cloud_server")


def test_serve_means_sagemaker():
    contract = _server().contract_from(["cloud_server.py", "serve"], {})
    assert (contract.port, contract.health_route, contract.predict_route, contract.model_path) == \
        (8080, "/ping", "/invocations", "/opt/ml/model/model.onnx"), contract


def test_aip_variables_mean_vertex_and_are_read_not_assumed():
    routes = VertexRoutes(endpoint="9", deployed_model="31", port=6123)
    contract = _server().contract_from(["cloud_server.py"], routes.env)
    assert (contract.port, contract.health_route, contract.predict_route) == \
        (6123, routes.health, routes.predict), contract
    assert contract.model_path != "/opt/ml/model/model.onnx", \
        "Vertex AI mounts no /opt/ml/model: the model is the one in the image"


@pytest.mark.parametrize("argv, env, why", [
    (["cloud_server.py"], {}, "no `serve` argument and no AIP_HTTP_PORT: neither platform started it"),
    (["cloud_server.py"], {**VertexRoutes().env, "AIP_HTTP_PORT": "eighty"}, "AIP_HTTP_PORT is not a number"),
    (["cloud_server.py"], {**VertexRoutes().env, "AIP_HTTP_PORT": "70000"}, "AIP_HTTP_PORT is not a port"),
    (["cloud_server.py"], {**VertexRoutes().env, "AIP_PREDICT_ROUTE": "predict"}, "a route must start with /"),
    (["cloud_server.py"], {k: v for k, v in VertexRoutes().env.items() if k != "AIP_HEALTH_ROUTE"},
     "AIP_HEALTH_ROUTE is missing"),
    (["cloud_server.py"], {**VertexRoutes().env, "AIP_HTTP_PORT": "0"}, "port 0 is not one a server listens on"),
    (["cloud_server.py"], {**VertexRoutes().env, "AIP_HTTP_PORT": "65536"}, "ports end at 65535"),
    (["cloud_server.py"], {**VertexRoutes().env, "AIP_PREDICT_ROUTE": VertexRoutes().health},
     "health and predictions on one route cannot both be answered"),
    # SageMaker starts the same image with `train` for a training job: not this server's job.
    (["cloud_server.py", "train"], {}, "`train` is SageMaker's training start, not serving"),
    (["cloud_server.py", "train"], VertexRoutes().env, "an argument Vertex AI never passes"),
])
def test_a_start_neither_platform_makes_is_refused(argv, env, why):
    rejects(_server().contract_from, argv, env, why=why)


@pytest.mark.parametrize("port", ["1", "65535"])
def test_every_port_from_1_to_65535_is_one(port):
    contract = _server().contract_from(["cloud_server.py"], {**VertexRoutes().env, "AIP_HTTP_PORT": port})
    assert contract.port == int(port), contract


def test_a_refused_argument_is_named_in_the_error():
    with pytest.raises(ValueError) as caught:
        _server().contract_from(["cloud_server.py", "train"], {})
    assert "train" in str(caught.value), f"the error should name what it was given: {caught.value}"


def test_routes_the_model_names_itself_are_taken_as_they_are():
    """A containerSpec may name its own routes (healthRoute, predictRoute): any two paths."""
    env = {"AIP_HTTP_PORT": "8501", "AIP_HEALTH_ROUTE": "/v2/health", "AIP_PREDICT_ROUTE": "/v1/models/digits:predict"}
    contract = _server().contract_from(["cloud_server.py"], env)
    assert (contract.port, contract.health_route, contract.predict_route) == \
        (8501, "/v2/health", "/v1/models/digits:predict"), contract
