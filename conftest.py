"""Root conftest: everything the kata tests rely on lives in the `fixtures` package.

- fixtures/plugin.py   the pytest plugin (--solutions, kata ids, short failures, guards)
- fixtures/spark.py    Spark: the local session, the standalone cluster, SparkObserver
- fixtures/kubernetes/ Kubernetes: a real single-node cluster (cluster.py) and its fixtures
- fixtures/data/       data generators (and their fixtures), e.g. the capstone's request logs
- fixtures/catalog.py  reads catalog.toml, the ordered list of chapters, lessons and katas
- fixtures/check.py    the maintainer's checker (`make check`)
"""

pytest_plugins = ["fixtures.plugin", "fixtures.spark", "fixtures.kubernetes.fixtures", "fixtures.data.request_logs"]
