"""Kata 4.1.8: the Vertex AI deployment as google-cloud-aiplatform's own request types.

The requests are built offline, without credentials, and checked three ways: their type, the
fields the API reads (through the REST JSON the library itself writes, to_json), and a round
trip through from_json. Then your lesson 4.1 image is started as Vertex AI would start the
model your upload request describes (its port, routes and environment) and answers your
prediction request's instances.
"""

import json
import urllib.request

import pytest

from fixtures import lesson_module
from fixtures.course.expect import rejects, returned
from fixtures.course.trees import REPO_ROOT
from fixtures.engines.docker.cloud import VertexRoutes, start_vertex

LOGS = REPO_ROOT / ".kata" / "logs"
PROJECT, REGION = "digits-serving-1", "europe-west4"
PARENT = f"projects/{PROJECT}/locations/{REGION}"
IMAGE = "europe-west4-docker.pkg.dev/digits-serving-1/serving/digits:2"


def _vertex():
    return lesson_module(__file__, "vertex")


def _rest(request) -> dict:
    """The request as the REST API receives it (camelCase JSON), written by the library."""
    return json.loads(type(request).to_json(request))


def _round_trips(request) -> None:
    kind = type(request)
    assert kind.from_json(kind.to_json(request)) == request, "the request does not survive to_json/from_json"


def _upload(**overrides):
    from google.cloud import aiplatform_v1

    args = {"port": 7080, "health_route": "/v1/health", "predict_route": "/v1/digits:predict",
            "env": {"WORKERS": "2", "LOG_LEVEL": "warning"}, **overrides}
    made = _vertex().upload_model_request(PROJECT, REGION, "digits-2", IMAGE, **args)
    return returned(made, aiplatform_v1.UploadModelRequest, call="upload_model_request(...)",
                    expected_text="an aiplatform_v1.UploadModelRequest",
                    advice="build it from aiplatform_v1.Model and aiplatform_v1.ModelContainerSpec")


def _deploy(**overrides):
    from google.cloud import aiplatform_v1

    args = {"machine_type": "n1-standard-4", "min_replicas": 2, "max_replicas": 5, **overrides}
    made = _vertex().deploy_model_request(PROJECT, REGION, "7001", "424242", **args)
    return returned(made, aiplatform_v1.DeployModelRequest, call="deploy_model_request(...)",
                    expected_text="an aiplatform_v1.DeployModelRequest",
                    advice="build it from aiplatform_v1.DeployedModel and aiplatform_v1.DedicatedResources")


def test_the_upload_names_your_container_its_port_routes_and_environment():
    request = _upload()
    rest = _rest(request)
    assert rest["parent"] == PARENT, rest["parent"]
    assert rest["model"]["displayName"] == "digits-2", rest["model"]
    spec = rest["model"]["containerSpec"]
    assert spec["imageUri"] == IMAGE, spec
    assert [p["containerPort"] for p in spec["ports"]] == [7080], spec["ports"]
    assert (spec["healthRoute"], spec["predictRoute"]) == ("/v1/health", "/v1/digits:predict"), spec
    assert {e["name"]: e["value"] for e in spec["env"]} == {"WORKERS": "2", "LOG_LEVEL": "warning"}, spec["env"]
    _round_trips(request)


def test_deploying_asks_for_the_machines_and_replicas_with_all_the_traffic():
    request = _deploy()
    rest = _rest(request)
    assert rest["endpoint"] == f"{PARENT}/endpoints/7001", rest["endpoint"]
    deployed = rest["deployedModel"]
    assert deployed["model"] == f"{PARENT}/models/424242", deployed["model"]
    resources = deployed["dedicatedResources"]
    assert resources["machineSpec"]["machineType"] == "n1-standard-4", resources
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (2, 5), resources
    assert rest["trafficSplit"] == {"0": 100}, \
        f"trafficSplit is {rest['trafficSplit']}; \"0\" stands for the model this request deploys"
    _round_trips(request)


@pytest.mark.parametrize("percent", [1, 10, 99])
def test_a_canary_on_vertex_splits_traffic_with_the_model_in_service(percent):
    rest = _rest(_deploy(traffic_percent=percent, current_deployed_model="5555"))
    assert rest["trafficSplit"] == {"0": percent, "5555": 100 - percent}, rest["trafficSplit"]


def test_by_default_one_replica_with_all_the_traffic():
    request = _vertex().deploy_model_request(PROJECT, REGION, "7001", "424242", machine_type="n1-standard-2")
    rest = _rest(request)
    resources = rest["deployedModel"]["dedicatedResources"]
    assert (resources["minReplicaCount"], resources["maxReplicaCount"]) == (1, 1), resources
    assert rest["trafficSplit"] == {"0": 100}, rest["trafficSplit"]


@pytest.mark.parametrize("overrides, why", [
    ({"port": 0}, "port 0 is not one a server listens on"),
    ({"port": 65536}, "ports end at 65535"),
    ({"health_route": "health"}, "a route starts with /"),
    ({"predict_route": "v1/digits:predict"}, "a route starts with /"),
])
def test_a_container_vertex_cannot_reach_is_refused(overrides, why):
    args = {"port": 7080, "health_route": "/v1/health", "predict_route": "/v1/digits:predict", **overrides}
    rejects(_vertex().upload_model_request, PROJECT, REGION, "digits-2", IMAGE, why=why, **args)


@pytest.mark.parametrize("display_name, image", [("", IMAGE), ("digits-2", "")])
def test_a_model_without_a_name_or_an_image_is_refused(display_name, image):
    rejects(_vertex().upload_model_request, PROJECT, REGION, display_name, image, why="both are required")


@pytest.mark.parametrize("port", [1, 65535])
def test_every_port_from_1_to_65535_is_one(port):
    spec = _rest(_upload(port=port))["model"]["containerSpec"]
    assert [p["containerPort"] for p in spec["ports"]] == [port], spec["ports"]


@pytest.mark.parametrize("overrides, why", [
    ({"min_replicas": 0}, "Vertex AI keeps at least one replica of a dedicated deployment"),
    ({"min_replicas": 3, "max_replicas": 2}, "the minimum is above the maximum"),
    ({"machine_type": ""}, "no machine type"),
    ({"traffic_percent": 0, "current_deployed_model": "5555"}, "a deployment that takes no traffic"),
    ({"traffic_percent": -10, "current_deployed_model": "5555"}, "a negative share"),
    ({"traffic_percent": 101, "current_deployed_model": "5555"}, "more than all the traffic"),
    ({"traffic_percent": 30}, "70 % of the traffic has no model to go to"),
])
def test_a_deployment_that_cannot_work_is_refused(overrides, why):
    args = {"machine_type": "n1-standard-4", "min_replicas": 1, "max_replicas": 2, **overrides}
    rejects(_vertex().deploy_model_request, PROJECT, REGION, "7001", "424242", why=why, **args)


@pytest.mark.parametrize("project, region, why", [
    ("Digits Serving", REGION, "a project id has no capitals or spaces"),
    ("digits-serving-1", "", "no region"),
    ("digits-serving-1", "europe west4", "not a region"),
])
def test_a_project_or_region_that_is_not_one_is_refused(project, region, why):
    rejects(_vertex().upload_model_request, project, region, "digits-2", IMAGE, why=why)


def test_the_prediction_request_carries_the_instances(serving_model):
    from google.cloud import aiplatform_v1

    x = serving_model.x_test[:5]
    request = returned(_vertex().predict_request(PROJECT, REGION, "7001", x.tolist()), aiplatform_v1.PredictRequest,
                       call="predict_request(...)", expected_text="an aiplatform_v1.PredictRequest",
                       advice="aiplatform_v1.PredictRequest.from_json(...)")
    rest = _rest(request)
    assert rest["endpoint"] == f"{PARENT}/endpoints/7001", rest["endpoint"]
    assert rest["instances"] == x.tolist(), "the instances are not the rows given"
    _round_trips(request)


def test_the_image_serves_as_vertex_would_start_the_model_you_uploaded(cloud_image_later, docker_scope, serving_model):
    spec = _rest(_upload())["model"]["containerSpec"]
    routes = VertexRoutes(port=spec["ports"][0]["containerPort"], health_route=spec["healthRoute"],
                          predict_route=spec["predictRoute"])
    env = {e["name"]: e["value"] for e in spec.get("env", [])}
    x = serving_model.x_test[:40]
    rest = _rest(_vertex().predict_request(PROJECT, REGION, "7001", x.tolist()))
    container = start_vertex(docker_scope, cloud_image_later().tag, routes, env=env, log=LOGS / "4.1.8-vertex.log")
    request = urllib.request.Request(f"http://127.0.0.1:{container.get_exposed_port(routes.port)}{routes.predict}",
                                     json.dumps({"instances": rest["instances"]}).encode(),
                                     {"Content-Type": "application/json"})
    answer = json.loads(urllib.request.urlopen(request, timeout=30).read())
    assert answer["predictions"] == serving_model.predict(x).tolist()


def test_by_default_the_container_listens_on_8080():
    request = _vertex().upload_model_request(PROJECT, REGION, "digits-2", IMAGE)
    assert [p["containerPort"] for p in _rest(request)["model"]["containerSpec"]["ports"]] == [8080]
