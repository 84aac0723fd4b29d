"""Helpers for the framework's own tests: a throwaway copy of the repository.

Checker and plugin tests break things on purpose (copy a solution into katas/,
break a solution, add a hanging test); they do it in a copy under tmp, never in
the checkout.
"""

from __future__ import annotations

import pytest

from fixtures.bench.repo_copy import RepoCopy, make_copy  # noqa: F401 (tests import them from here)

LESSON = "ch1/l1_scalability"


@pytest.fixture
def repo_copy(tmp_path) -> RepoCopy:
    return make_copy(tmp_path / "repo")
