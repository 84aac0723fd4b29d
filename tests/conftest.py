"""Helpers for the framework's own tests: a throwaway copy of the repository.

Checker and plugin tests break things on purpose (copy a solution into katas/,
break a solution, add a hanging test); they do it in a copy under tmp, never in
the checkout.
"""

from __future__ import annotations

import shutil

import pytest

from fixtures.bench.repo_copy import RepoCopy, make_copy  # noqa: F401 (tests import them from here)

LESSON = "ch1/l1_scalability"


@pytest.fixture
def repo_copy(tmp_path) -> RepoCopy:
    return make_copy(tmp_path / "repo")


def replace_course(repo: RepoCopy, catalog: str, lessons: list[str]) -> None:
    """Give a copy a small course of a test's own: `catalog`, and empty lesson folders in both trees."""
    for tree in ("katas", "solutions"):
        for child in (repo.root / tree).iterdir():
            if child.is_dir():
                shutil.rmtree(child)
        for lesson in lessons:
            (repo.root / tree / lesson).mkdir(parents=True)
            for package in (lesson.split("/")[0], lesson):
                (repo.root / tree / package / "__init__.py").write_text("")
    repo.write("catalog.toml", catalog)
