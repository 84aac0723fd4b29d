"""Root conftest: everything the kata tests rely on lives in the `fixtures` package (fixtures/README.md maps it).

The pytest plugins it loads, one a line:
  fixtures.plugin.hooks                  --solutions, kata ids, short failures, needs, timeouts, guards
  fixtures.engines.spark.fixtures        `spark` (local session) and `spark_cluster` (standalone cluster)
  fixtures.engines.kubernetes.fixtures   `kube_cluster` and `kube_api` (a real single-node cluster)
  fixtures.data.request_logs             the Capstone 1 request-log generator's fixtures
"""

pytest_plugins = [
    "fixtures.plugin.hooks",
    "fixtures.engines.spark.fixtures",
    "fixtures.engines.kubernetes.fixtures",
    "fixtures.data.request_logs",
]
