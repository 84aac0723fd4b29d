"""Root conftest: everything the kata tests rely on lives in the `fixtures` package (fixtures/README.md maps it).

The pytest plugins it loads, one a line:
  fixtures.plugin.hooks                  --solutions, kata ids, short failures, needs, timeouts, guards
  fixtures.engines.spark.fixtures        `spark` (local session) and `spark_cluster` (standalone cluster)
  fixtures.engines.kubernetes.fixtures   `kube_cluster`, `kube_api` (a real single-node cluster), `kube_dns`, `kube_metrics`
  fixtures.engines.torchdist.fixtures    `process_group` (PyTorch ranks over gloo)
  fixtures.engines.tfdist.fixtures       `tf_workers` (TensorFlow processes and clusters)
  fixtures.engines.docker.fixtures       `docker_engine` and `docker_scope` (images and containers, always removed)
  fixtures.engines.docker.serving        `serving_images`: a lesson folder + wheels + model, built once per content
  fixtures.engines.docker.cloud          `cloud_image`: lesson 4.1's image, and containers started as SageMaker and Vertex AI start them
  fixtures.engines.docker.watched        `watched_image`: Capstone 4's image, and an endpoint moto holds run as SageMaker runs it
  fixtures.engines.aws                   `moto_server`, `aws`: moto's server on loopback and boto3 clients bound to it
  fixtures.engines.monitoring.fixtures   `monitoring_engine`, `monitoring`: a real Prometheus and Alertmanager on loopback
  fixtures.data.request_logs             the Capstone 1 request-log generator's fixtures
  fixtures.data.shop                     lesson 2.1's shop data: products, users, events
  fixtures.data.models                   trained models lessons apply (a conversion model for lesson 2.1)
  fixtures.data.serving_model            `serving_model`: Capstone 2's classifier as ONNX, for Chapter 3
  fixtures.classroom.plugin              --kata-results: results.json, JUnit XML, the GitHub Classroom payload
"""

pytest_plugins = [
    "fixtures.plugin.hooks",
    "fixtures.engines.spark.fixtures",
    "fixtures.engines.kubernetes.fixtures",
    "fixtures.engines.torchdist.fixtures",
    "fixtures.engines.tfdist.fixtures",
    "fixtures.engines.docker.fixtures",
    "fixtures.engines.docker.serving",
    "fixtures.engines.docker.cloud",
    "fixtures.engines.docker.watched",
    "fixtures.engines.aws",
    "fixtures.engines.monitoring.fixtures",
    "fixtures.data.request_logs",
    "fixtures.data.shop",
    "fixtures.data.models",
    "fixtures.data.serving_model",
    "fixtures.classroom.plugin",
]
