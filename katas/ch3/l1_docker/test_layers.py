"""Kata 3.1.5: a change to the code alone rebuilds without installing the dependencies again.

The engine's own build report says which steps came from its cache: after server.py
changes, no step that installs packages may be rebuilt.
"""

import time

from fixtures.course.trees import REPO_ROOT, lesson_path
from fixtures.engines.docker import build as docker_build

LOGS = REPO_ROOT / ".kata" / "logs"


def test_changing_the_code_reuses_the_dependency_layer(serving_images, docker_scope):
    lesson = lesson_path(__file__, ".")
    first = serving_images.build(lesson, "3.1.5", LOGS)
    context = serving_images.context(lesson, name="edited")
    with open(context / "server.py", "a", encoding="utf-8") as code:
        code.write("\n# an edit: only the code changed\n")
    started = time.monotonic()
    second = docker_build.build(docker_scope, context, "edited", log=LOGS / "3.1.5-rebuild.log")
    seconds = time.monotonic() - started
    installs = [step for step in first.steps if "pip" in step.instruction and "install" in step.instruction]
    assert installs, "no step of your Dockerfile runs `pip install`: where are the dependencies installed?"
    reinstalled = [step for step in second.rebuilt if "pip" in step and "install" in step]
    assert not reinstalled, (f"after an edit to server.py alone, the build ran again: {reinstalled[0]}\n"
                             f"  rebuilt steps: {second.rebuilt}\n  (see {LOGS / '3.1.5-rebuild.log'})")
    assert second.rebuilt, "nothing was rebuilt after server.py changed: is server.py in the image?"
    print(f"\nrebuilt after a code change in {seconds:.1f} s (first build {first.seconds:.1f} s); "
          f"from the cache: {len(second.cached)} steps, rebuilt: {len(second.rebuilt)}")
