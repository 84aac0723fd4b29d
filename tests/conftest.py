"""Helpers for the framework's own tests: a throwaway copy of the repository.

Checker and plugin tests break things on purpose (copy a solution into katas/,
break a solution, add a hanging test); they do it in a copy under tmp, never in
the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.trees import REPO_ROOT

LESSON = "ch1/l1_scalability"
_SKIP = shutil.ignore_patterns(".venv", ".git", ".kata", "__pycache__", "*.egg-info", ".hypothesis", "tests")


class RepoCopy:
    def __init__(self, root: Path):
        self.root = root

    def path(self, rel: str) -> Path:
        return self.root / rel

    def write(self, rel: str, text: str) -> None:
        self.path(rel).write_text(text, encoding="utf-8")

    def append(self, rel: str, text: str) -> None:
        with open(self.path(rel), "a", encoding="utf-8") as fh:
            fh.write(text)

    def run(self, *args: str, timeout: float = 300, env: dict | None = None) -> subprocess.CompletedProcess:
        """Run `python *args` inside the copy, importing the copy's fixtures package."""
        full_env = dict(os.environ, PYTHONPATH=str(self.root), PYTHONDONTWRITEBYTECODE="1")
        full_env.pop("KATA_TREE", None)
        full_env.update(env or {})
        return subprocess.run([sys.executable, *args], cwd=self.root, env=full_env, capture_output=True,
                              text=True, timeout=timeout)


def make_copy(dest: Path) -> RepoCopy:
    shutil.copytree(REPO_ROOT, dest, ignore=_SKIP)
    return RepoCopy(dest)


@pytest.fixture
def repo_copy(tmp_path) -> RepoCopy:
    return make_copy(tmp_path / "repo")
