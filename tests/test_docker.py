"""The Docker engine (fixtures/engines/docker/): builds with no network, short failures, nothing left behind."""

from __future__ import annotations

import pytest

from fixtures.course.errors import KataEngineError
from fixtures.engines.docker import build as docker_build
from fixtures.engines.docker.scope import LABEL, DockerScope
from fixtures.engines.probes import BASE_IMAGE
from fixtures.plugin import failures
from fixtures.plugin.guards import LeakGuard

pytestmark = pytest.mark.needs("docker", "base-images")


def _context(tmp_path, dockerfile: str, name: str = "context", **files: str):
    context = tmp_path / name  # the logs stay outside it
    context.mkdir()
    (context / "Dockerfile").write_text(dockerfile)
    for file, text in files.items():
        (context / file).write_text(text)
    return context


def _everything(client) -> dict[str, set[str]]:
    return {"containers": {c.id for c in client.containers.list(all=True)},
            "images": {i.id for i in client.images.list(all=True)},
            "networks": {n.id for n in client.networks.list()}}


TWO_LAYERS = (f"FROM {BASE_IMAGE}\n"
              "COPY deps.txt /app/deps.txt\n"
              "RUN python -c \"print(open('/app/deps.txt').read())\"\n"
              "COPY app.py /app/app.py\n"
              'CMD ["python", "/app/app.py"]\n')


def test_a_build_reports_its_steps_and_what_came_from_the_cache(docker_scope, tmp_path):
    context = _context(tmp_path, TWO_LAYERS, **{"deps.txt": "numpy\n", "app.py": "print('v1')\n"})
    first = docker_build.build(docker_scope, context, "layers", log=tmp_path / "build1.log")
    assert [s.number for s in first.steps] == [1, 2, 3, 4, 5]
    # The engine adds a LABEL step for each of the scope's labels after the Dockerfile's five.
    assert f'Step 5/{5 + len(docker_scope.labels)} : CMD ["python", "/app/app.py"]' in first.log.read_text()
    (context / "app.py").write_text("print('v2')\n")
    second = docker_build.build(docker_scope, context, "layers", log=tmp_path / "build2.log")
    # The dependency layers are reused; only the code's layer and what follows it are rebuilt.
    assert second.cached[1:3] == ["COPY deps.txt /app/deps.txt", "RUN python -c \"print(open('/app/deps.txt').read())\""]
    assert second.rebuilt == ["COPY app.py /app/app.py", 'CMD ["python", "/app/app.py"]']
    out = docker_scope.client.containers.run(second.tag, remove=True, labels=docker_scope.labels)
    assert out.strip() == b"v2"


def test_a_build_has_no_network(docker_scope, tmp_path):
    context = _context(tmp_path, f"FROM {BASE_IMAGE}\n"
                                 "RUN python -c \"import socket; print(socket.if_nameindex())\"\n"
                                 "RUN python -c \"import socket; socket.create_connection(('192.0.2.1', 80), 3)\"\n")
    with pytest.raises(KataEngineError) as caught:
        docker_build.build(docker_scope, context, "offline", log=tmp_path / "offline.log")
    err = caught.value
    assert err.said.startswith("docker build failed at step 3/3: RUN python -c")
    assert "(1, 'lo')" in (tmp_path / "offline.log").read_text()  # only loopback in the build
    assert any("unreachable" in line.lower() or "OSError" in line for line in err.lines), err.lines


def test_a_failed_build_is_a_short_message_with_the_log_named(docker_scope, tmp_path):
    noisy = "".join(f"RUN echo line {i}\n" for i in range(30))
    context = _context(tmp_path, f"FROM {BASE_IMAGE}\n{noisy}RUN echo about to fail && exit 3\n")
    with pytest.raises(KataEngineError) as caught:
        docker_build.build(docker_scope, context, "fails", log=tmp_path / "fails.log")
    err = caught.value
    assert err.said == "docker build failed at step 32/32: RUN echo about to fail && exit 3"
    assert len(err.lines) == docker_build.TAIL and "about to fail" in "\n".join(err.lines)
    assert "returned a non-zero code: 3" in err.lines[-1]
    text = failures.engine_output_text("3.1.2", err)
    assert text.splitlines()[0] == f"kata 3.1.2: {err.said}"
    assert text.splitlines()[-1].endswith("fails.log") and len(text.splitlines()) <= docker_build.TAIL + 3


def test_a_dockerfile_that_does_not_parse_is_said_so(docker_scope, tmp_path):
    context = _context(tmp_path, "FROM\n")
    with pytest.raises(KataEngineError) as caught:
        docker_build.build(docker_scope, context, "broken", log=tmp_path / "broken.log")
    assert caught.value.lines and "FROM" in " ".join(caught.value.lines)


def test_a_scope_removes_what_it_made_even_after_a_failed_build(docker_engine, tmp_path):
    before = _everything(docker_engine)
    scope = DockerScope(docker_engine, name="cleanup")
    context = _context(tmp_path, f"FROM {BASE_IMAGE}\nRUN echo one > /one\nRUN echo two > /two\nRUN exit 1\n")
    with pytest.raises(KataEngineError):
        docker_build.build(scope, context, "halfway", log=tmp_path / "halfway.log")
    ok = docker_build.build(scope, _context(tmp_path, f"FROM {BASE_IMAGE}\nRUN echo ok > /ok\n", "ok"), "ok",
                            log=tmp_path / "ok.log")
    scope.network("lb")
    docker_engine.containers.create(ok.tag, labels=scope.labels)  # made outside the scope's API: found by label
    assert _everything(docker_engine) != before
    assert scope.close() == []
    assert _everything(docker_engine) == before
    assert not docker_engine.containers.list(all=True, filters={"label": f"{LABEL}={scope.id}"})


def test_the_leak_guard_finds_and_removes_images_networks_and_stopped_containers(docker_engine, tmp_path):
    guard = LeakGuard()
    guard.snapshot()
    scope = DockerScope(docker_engine, name="leak")
    built = docker_build.build(scope, _context(tmp_path, f"FROM {BASE_IMAGE}\nRUN echo x > /x\n"), "leak",
                               log=tmp_path / "leak.log")
    scope.network("forgotten")
    docker_engine.containers.create(built.tag)
    leaks = guard.find_leaks()
    assert {leak.kind for leak in leaks} == {"image", "network", "container"}, leaks
    LeakGuard.clean_up(leaks)
    assert guard.find_leaks() == []


# ------------------------------------------------------------------ containers

SERVER = (f"FROM {BASE_IMAGE}\n"
          "WORKDIR /srv\n"
          "RUN mkdir health && echo ok > health/index.html\n"
          'CMD ["python", "-m", "http.server", "8000"]\n')


def test_a_container_is_ready_when_its_health_route_answers(docker_scope, tmp_path):
    from fixtures.engines.docker.run import serve

    built = docker_build.build(docker_scope, _context(tmp_path, SERVER), "server", log=tmp_path / "build.log")
    container = serve(docker_scope, built.tag, port=8000, health="/health/", log=tmp_path / "run.log")
    import urllib.request

    url = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(8000)}/health/"
    assert urllib.request.urlopen(url, timeout=5).read() == b"ok\n"


# A shell exits before the engine is even asked for the published port (whose mapping is gone
# once the container has stopped); Python exits a little later, usually while the health route
# is being polled. Both must read the same.
@pytest.mark.parametrize("command", [
    ["python", "-c", "import sys; print('PORT must be a number, got abc'); sys.exit(3)"],
    ["sh", "-c", "echo 'PORT must be a number, got abc'; exit 3"],
], ids=["python", "shell"])
def test_a_container_that_exits_at_start_is_reported_at_once_with_its_last_lines(docker_scope, tmp_path, command):
    import time

    from fixtures.engines.docker.run import serve

    built = docker_build.build(docker_scope, _context(tmp_path, SERVER), "exits", log=tmp_path / "build.log")
    started = time.monotonic()
    with pytest.raises(KataEngineError) as caught:
        serve(docker_scope, built.tag, port=8000, log=tmp_path / "run.log", timeout=60, command=command)
    seconds = time.monotonic() - started
    err = caught.value
    assert err.said == "the container exited with code 3 before /health answered"
    assert err.lines == ["PORT must be a number, got abc"]
    assert "PORT must be a number" in (tmp_path / "run.log").read_text()
    print(f"\nan exited container reported after {seconds:.1f} s (startup timeout 60 s)")


# ------------------------------------------------------------------ offline installs

def test_an_image_installs_its_packages_from_wheels_prepared_outside_the_build(docker_scope, tmp_path, monkeypatch):
    from fixtures.engines.docker import wheelhouse

    monkeypatch.setenv("KATA_CACHE", str(tmp_path / "cache"))  # the learner's cache stays as it was
    requirements = tmp_path / "lesson" / "requirements.txt"
    requirements.parent.mkdir()
    requirements.write_text("six==1.16.0\n")
    wheels = wheelhouse.prepare(requirements)
    assert wheelhouse.prepare(requirements) == wheels  # cached by content: no second download
    assert [w.name for w in wheels.glob("*.whl")] == ["six-1.16.0-py2.py3-none-any.whl"]
    context = _context(tmp_path, f"FROM {BASE_IMAGE}\n"
                                 "COPY wheels /wheels\nCOPY requirements.txt /\n"
                                 "RUN pip install --no-index --find-links /wheels -r /requirements.txt\n"
                                 'CMD ["python", "-c", "import six; print(six.__version__)"]\n',
                       **{"requirements.txt": requirements.read_text()})
    wheelhouse.copy_into(wheels, context)
    built = docker_build.build(docker_scope, context, "offline-install", log=tmp_path / "build.log")
    out = docker_scope.client.containers.run(built.tag, remove=True, labels=docker_scope.labels)
    assert out.strip() == b"1.16.0"


# ------------------------------------------------------------------ a load balancer

HAPROXY_CFG = """
global
    log stdout format raw local0
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    retries 2
    option redispatch
frontend web
    bind :8080
    default_backend replicas
frontend stats
    bind :8404
    stats enable
    stats uri /stats
backend replicas
    balance roundrobin
    option httpchk GET /health/
    default-server inter 300ms fall 2 rise 2
{servers}
"""


def _poll(what: str, check, timeout: float = 20):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def test_haproxy_spreads_requests_and_notices_a_stopped_replica(docker_scope, tmp_path):
    import csv
    import io
    import urllib.request

    from fixtures.engines.docker.run import serve
    from fixtures.engines.probes import LB_IMAGE

    whoami = (f"FROM {BASE_IMAGE}\nWORKDIR /srv\n"
              'CMD ["sh", "-c", "hostname > index.html && mkdir health && echo ok > health/index.html '
              '&& exec python -m http.server 8000"]\n')
    built = docker_build.build(docker_scope, _context(tmp_path, whoami), "whoami", log=tmp_path / "build.log")
    net = docker_scope.network("lb")
    names = [f"web{i}-{docker_scope.id}" for i in (1, 2)]
    replicas = [docker_scope.client.containers.run(built.tag, detach=True, name=name, hostname=name,
                                                   network=net.name, labels=docker_scope.labels) for name in names]
    for replica in replicas:
        docker_scope.adopt_container(replica.id)
    config = tmp_path / "haproxy"
    config.mkdir()
    servers = "\n".join(f"    server {name} {name}:8000 check" for name in names)
    (config / "haproxy.cfg").write_text(HAPROXY_CFG.replace("{servers}", servers))
    config.chmod(0o755)
    lb = serve(docker_scope, LB_IMAGE, port=8080, also=(8404,), health="/", network=net.name,
               log=tmp_path / "lb.log", mounts={str(config): "/usr/local/etc/haproxy"},
               what="haproxy")
    site = f"http://127.0.0.1:{lb.get_exposed_port(8080)}/"
    stats = f"http://127.0.0.1:{lb.get_exposed_port(8404)}/stats;csv"

    def states() -> dict[str, str]:
        """What HAProxy itself says of each replica (UP, DOWN, ...): the balancer's view, observed."""
        rows = csv.DictReader(io.StringIO(urllib.request.urlopen(stats, timeout=3).read().decode().lstrip("# ")))
        return {row["svname"]: row["status"] for row in rows if row["pxname"] == "replicas" and row["svname"] in names}

    def answers(n: int) -> list[str]:
        return [urllib.request.urlopen(site, timeout=3).read().decode().strip() for _ in range(n)]

    _poll("both replicas UP", lambda: set(states().values()) == {"UP"})
    assert sorted(set(answers(6))) == sorted(names)  # round robin over both
    replicas[0].stop(timeout=1)
    _poll(f"{names[0]} DOWN", lambda: states().get(names[0]) == "DOWN")
    assert set(answers(6)) == {names[1]}  # nothing lost once the balancer knows


# ------------------------------------------------------------------ what an image really is

def test_inspecting_an_image_asks_the_engine(docker_scope, tmp_path):
    from fixtures.engines.docker import inspect

    dockerfile = (f"FROM {BASE_IMAGE}\n"
                  "RUN useradd --uid 10001 --no-create-home app && head -c 3000000 /dev/urandom > /blob\n"
                  "USER app\n"
                  "HEALTHCHECK --interval=1s --timeout=2s --retries=2 CMD test -f /blob\n"
                  'CMD ["sleep", "60"]\n')
    built = docker_build.build(docker_scope, _context(tmp_path, dockerfile), "inspect", log=tmp_path / "build.log")
    base = inspect.size_mb(docker_scope.client, BASE_IMAGE)
    assert 2.9 < inspect.size_mb(docker_scope.client, built.tag) - base < 3.5
    layers = inspect.history(docker_scope.client, built.tag)
    assert any("useradd" in instruction and size > 2_900_000 for instruction, size in layers)
    assert inspect.run_in(docker_scope, built.tag, ["id", "-u"]) == (0, "10001\n")
    assert inspect.run_in(docker_scope, built.tag, ["sh", "-c", "echo no >&2; exit 4"]) == (4, "no\n")
    container = docker_scope.client.containers.run(built.tag, detach=True, labels=docker_scope.labels)
    docker_scope.adopt_container(container.id)
    assert inspect.health(container) in ("starting", "healthy")
    _poll("healthy", lambda: inspect.health(container) == "healthy")
