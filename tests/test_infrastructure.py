"""The infrastructure later lessons stand on, provisioned by `make setup`, really works."""

from __future__ import annotations

import pytest

from fixtures.engines import probes


@pytest.mark.needs("java")
def test_java_is_new_enough_for_spark():
    assert probes.java().ok


@pytest.mark.needs("docker", "base-images")
@pytest.mark.timeout(120)
def test_the_base_image_runs_python_311_in_a_container():
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.wait_strategies import LogMessageWaitStrategy

    client = probes.docker_client()
    before = {c.id for c in client.containers.list(all=True)}
    # The container stays up after it prints: a log wait on one that has already exited races
    # (testcontainers reads the logs, then sees the exit, and calls it a failure to start).
    command = 'python -c "import sys, ssl, time; print(\'ready\', sys.version_info[:2], flush=True); time.sleep(600)"'
    with DockerContainer(probes.BASE_IMAGE).with_command(command).waiting_for(
            LogMessageWaitStrategy("ready").with_startup_timeout(60)) as container:
        stdout, _ = container.get_logs()
        assert b"ready (3, 11)" in stdout, stdout
    after = {c.id for c in client.containers.list(all=True)}
    client.close()
    assert after <= before, "the container was not removed when the context manager exited"
