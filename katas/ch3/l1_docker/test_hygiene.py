"""Kata 3.1.4: image hygiene, judged on the image the engine built, not on the Dockerfile's text.

Not root; a HEALTHCHECK that Docker reports healthy; a small build context (.dockerignore):
a large file dropped in the folder is neither sent nor in the image; no wheels, no pip cache
and no compiler in the final image; and a size within the budget the README explains.
"""

import time

import pytest

from fixtures.course.trees import REPO_ROOT, lesson_path
from fixtures.engines.docker import build as docker_build
from fixtures.engines.docker import inspect
from fixtures.engines.docker.run import logs_tail
from fixtures.engines.docker.serving import context_bytes
from fixtures.engines.probes import BASE_IMAGE

LOGS = REPO_ROOT / ".kata" / "logs"
BUDGET_MB = 210  # on top of the base image: see the README ("Why 210 MB")
JUNK = "notes/training-data-export.bin"
JUNK_MB = 120


@pytest.fixture
def image(serving_images):
    return serving_images.build(lesson_path(__file__, "."), "3.1.4", LOGS)


def test_it_does_not_run_as_root(image, docker_scope):
    code, out = inspect.run_in(docker_scope, image.tag, [], entrypoint=["id", "-u"])
    assert code == 0 and out.strip() != "0", "the server's process runs as root (uid 0): add a user and USER it"


def test_docker_reports_it_healthy(image, docker_scope):
    assert docker_scope.client.images.get(image.tag).attrs["Config"].get("Healthcheck"), "no HEALTHCHECK in the image"
    container = docker_scope.client.containers.run(image.tag, detach=True, labels=docker_scope.labels)
    docker_scope.adopt_container(container.id)
    deadline = time.monotonic() + 60  # the HEALTHCHECK's interval and start period are the image's own
    status = inspect.health(container)
    while status not in ("healthy", "unhealthy") and container.status != "exited" and time.monotonic() < deadline:
        time.sleep(0.2)
        status = inspect.health(container)
    assert status == "healthy", f"Docker says the container is {status}; its last lines:\n  " + \
        "\n  ".join(logs_tail(container))


def test_the_build_context_stays_small_and_junk_stays_out(serving_images, docker_scope, tmp_path):
    lesson = lesson_path(__file__, ".")
    context = serving_images.context(lesson, name="junk")
    (context / JUNK).parent.mkdir(exist_ok=True)
    with open(context / JUNK, "wb") as out:
        out.truncate(JUNK_MB * 10**6)  # sparse: costs no disk, weighs 120 MB in a context
    sent = context_bytes(context) / 1e6
    needed = sum(p.stat().st_size for p in (context / "wheels").glob("*")) / 1e6
    assert sent < needed + 30, (f"the build context is {sent:.0f} MB (the wheels are {needed:.0f} MB): "
                                f"{JUNK} ({JUNK_MB} MB) was sent; .dockerignore should keep out what the image does not need")
    built = docker_build.build(docker_scope, context, "junk", log=LOGS / "3.1.4-junk-build.log")
    code, out = inspect.run_in(docker_scope, built.tag, [], user="0",
                               entrypoint=["sh", "-c", "find / -xdev -name '*.bin' -size +1M 2>/dev/null"])
    assert out.strip() == "", f"the junk reached the image: {out.strip()}"


LEFTOVERS = ("find / -xdev \\( -name '*.whl' -o -path '*/.cache/pip' \\) 2>/dev/null; "
             "for c in gcc cc g++; do command -v $c; done; true")


def test_no_wheels_pip_cache_or_compiler_in_the_image(image, docker_scope):
    # What the base image itself carries (Debian's pip keeps its own wheels) is not the build's doing.
    _, base = inspect.run_in(docker_scope, BASE_IMAGE, [], user="0", entrypoint=["sh", "-c", LEFTOVERS])
    _, mine = inspect.run_in(docker_scope, image.tag, [], user="0", entrypoint=["sh", "-c", LEFTOVERS])
    added = sorted(set(mine.split()) - set(base.split()))
    assert not added, ("found in the final image: " + ", ".join(added[:5]) +
                       " (install in a first stage, copy only the result into the second)")


def test_the_image_is_within_its_size_budget(image, docker_scope):
    base = inspect.size_mb(docker_scope.client, BASE_IMAGE)
    size = inspect.size_mb(docker_scope.client, image.tag)
    print(f"\nimage {size:.0f} MB = base {base:.0f} MB + {size - base:.0f} MB (budget + {BUDGET_MB} MB)")
    assert size - base <= BUDGET_MB, (f"the image adds {size - base:.0f} MB to {BASE_IMAGE}; the budget is "
                                      f"{BUDGET_MB} MB. The biggest layers:\n  " + "\n  ".join(
                                          f"{n / 1e6:6.1f} MB  {what[:90]}" for what, n in
                                          sorted(inspect.history(docker_scope.client, image.tag), key=lambda l: -l[1])[:4]))
