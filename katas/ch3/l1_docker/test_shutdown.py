"""Kata 3.1.6: `docker stop` is a graceful shutdown: the request in flight completes, the server exits 0.

`docker stop` sends SIGTERM to the container's PID 1 and, after the stop timeout, SIGKILL.
The test starts a request and holds it open (its body half sent), stops the container, then
finishes the request: it must be answered, and the container must exit 0 before the timeout.
"""

import json
import socket
import threading
import time

from fixtures.course.trees import REPO_ROOT, lesson_path
from fixtures.engines.docker.run import serve

LOGS = REPO_ROOT / ".kata" / "logs"
STOP_TIMEOUT = 10


def _health(port: int) -> bool:
    """Does a new connection get /health answered?"""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
            probe.sendall(b"GET /health HTTP/1.1\r\nHost: server\r\nConnection: close\r\n\r\n")
            return probe.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def test_a_request_in_flight_completes_and_the_server_exits_0(serving_images, docker_scope, serving_model):
    image = serving_images.build(lesson_path(__file__, "."), "3.1.6", LOGS)
    server = serve(docker_scope, image.tag, port=8000, log=LOGS / "3.1.6-run.log", what="your container")
    container = server.get_wrapped_container()
    body = json.dumps({"instances": serving_model.x_test[:3].tolist()}).encode()
    head = (f"POST /predict HTTP/1.1\r\nHost: server\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
    port = int(server.get_exposed_port(8000))
    conn = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        conn.sendall(head + body[: len(body) // 2])  # the request is now in flight
        # Served in order: once a later request is answered, the server has read this one's start.
        assert _health(port), "the server stopped answering /health"
        stopped = {}

        def stop():
            began = time.monotonic()
            container.stop(timeout=STOP_TIMEOUT)
            stopped["seconds"] = time.monotonic() - began

        stopper = threading.Thread(target=stop)
        stopper.start()
        # SIGTERM has taken effect when the server stops taking new requests (or the stop timeout
        # passes: a server that never got it keeps answering).
        deadline = time.monotonic() + STOP_TIMEOUT
        while _health(port) and time.monotonic() < deadline:
            pass
        conn.sendall(body[len(body) // 2:])
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
        stopper.join(STOP_TIMEOUT + 20)
    finally:
        conn.close()
    status = answer.split(b"\r\n", 1)[0].decode(errors="replace")
    assert " 200 " in status + " ", (f"the request in flight was not answered after `docker stop` (got {status!r}): "
                                     "does SIGTERM reach the server, and does it finish what it started?")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["predictions"] == serving_model.predict(serving_model.x_test[:3]).tolist()
    container.reload()
    code = container.attrs["State"]["ExitCode"]
    assert code == 0, (f"the server exited with code {code} after `docker stop`"
                       + (" (137: killed after the stop timeout: SIGTERM never reached it; is CMD in exec form?)"
                          if code == 137 else ""))
    assert stopped["seconds"] < STOP_TIMEOUT, f"`docker stop` took {stopped['seconds']:.1f} s: the server ignored SIGTERM"
    print(f"\n`docker stop` with a request in flight: {stopped['seconds']:.1f} s, exit code {code}")
