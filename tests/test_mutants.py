"""`make mutants` on a course of its own: a weak test lets a mutant survive; listed as equivalent, it stops counting."""

from __future__ import annotations

import pytest

from tests.conftest import RepoCopy, make_copy, replace_course

CATALOG = '''
[[chapters]]
number = 1
title = "Demo"

[[chapters.lessons]]
id = "1.1"
title = "Plain Python"
dir = "ch1/l1_demo"

[[chapters.lessons.katas]]
id = "1.1.1"
title = "Adults"
files = ["ages.py"]
tests = "test_ages.py"
hints = ["nudge", "approach"]

[[chapters.lessons.katas]]
id = "1.1.2"
title = "Totals"
files = ["ages.py"]
tests = "test_total.py"
hints = ["nudge", "approach"]
'''
STUB = '''from fixtures import KataNotImplemented


def is_adult(age):
    """True from 18 on."""
    raise KataNotImplemented("1.1.1")


def total(a, b):
    """a + b."""
    raise KataNotImplemented("1.1.2")
'''
SOLUTION = "def is_adult(age):\n    return age >= 18\n\n\ndef total(a, b):\n    return a + b\n"
TESTS = {
    # Never asks about 18 itself: `age > 18` passes too.
    "test_ages.py": "def test_adults():\n    assert m.is_adult(30) and not m.is_adult(5)\n",
    "test_total.py": "def test_total():\n    assert m.total(2, 3) == 5\n",
}


@pytest.fixture
def course(tmp_path) -> RepoCopy:
    repo = make_copy(tmp_path / "repo")
    replace_course(repo, CATALOG, ["ch1/l1_demo"])
    repo.write("katas/ch1/l1_demo/ages.py", STUB)
    repo.write("solutions/ch1/l1_demo/ages.py", SOLUTION)
    repo.write("katas/ch1/l1_demo/README.md", "# demo\n")
    for name, body in TESTS.items():
        repo.write(f"katas/ch1/l1_demo/{name}",
                   f"from fixtures import lesson_module\n\nm = lesson_module(__file__, 'ages')\n\n\n{body}")
    return repo


@pytest.mark.timeout(300)
def test_a_survivor_is_named_per_kata_until_listed_as_equivalent(course):
    result = course.run("-m", "fixtures.course.mutants", "--jobs", "1", timeout=280)
    out = result.stdout
    assert result.returncode == 1, "a surviving mutant fails the run\n" + out + result.stderr[-2000:]
    # The shared file is split by the stub's functions: each kata is scored on its own lines.
    adults = next(line for line in out.splitlines() if line.strip().startswith("1.1.1 "))
    totals = next(line for line in out.splitlines() if line.strip().startswith("1.1.2 "))
    assert "killed (100.0%)" in totals, totals
    assert "killed (100.0%)" not in adults, adults
    assert "survived: solutions/ch1/l1_demo/ages.py:2" in out and "'return age > 18'" in out, out

    course.write("fixtures/course/equivalent_mutants.toml",
                 '[[equivalent]]\nkata = "1.1.1"\nfile = "solutions/ch1/l1_demo/ages.py"\n'
                 'was = "return age >= 18"\nnow = "return age > 18"\nwhy = "a test of this demo on purpose"\n')
    again = course.run("-m", "fixtures.course.mutants", "--kata", "1.1.1", "--jobs", "1", timeout=280)
    assert "'return age > 18'" not in again.stdout, again.stdout
    assert "equivalent  1" in again.stdout, again.stdout
