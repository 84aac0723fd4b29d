"""fixtures/ is layered by concern (fixtures/README.md): nothing imports upward.

Read statically, so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from fixtures.course.trees import REPO_ROOT

FIXTURES = REPO_ROOT / "fixtures"

# What each subpackage may import from the others (itself always).
ALLOWED = {
    "course": set(),
    "engines": {"course"},
    "data": {"course"},
    "plugin": {"course", "engines"},
    "classroom": {"course"},
    "runner": {"course", "plugin", "engines", "classroom"},
    "bench": {"course", "plugin", "engines", "data", "runner"},
}


def _fixtures_imports(path: Path) -> set[str]:
    """The fixtures.<subpackage> names a module imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            parts = node.module.split(".")
            if parts[0] == "fixtures":
                found.update([parts[1]] if len(parts) > 1 else _subpackages_named(node))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "fixtures" and len(parts) > 1:
                    found.add(parts[1])
    return found


def _subpackages_named(node: ast.ImportFrom) -> list[str]:
    # `from fixtures import engines` names a subpackage; `from fixtures import lesson_module`
    # names the learner's API, which lives in course.
    return [a.name if (FIXTURES / a.name).is_dir() else "course" for a in node.names]


def test_every_module_lives_in_a_subpackage_of_one_concern():
    loose = sorted(p.name for p in FIXTURES.glob("*.py") if p.name != "__init__.py")
    assert loose == [], f"modules directly under fixtures/ (give each a subpackage): {loose}"
    for package in ALLOWED:
        init = FIXTURES / package / "__init__.py"
        assert init.exists(), f"fixtures/{package}/ has no __init__.py"
        assert ast.get_docstring(ast.parse(init.read_text())), f"fixtures/{package}/__init__.py says nothing of itself"


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_nothing_imports_upward(package):
    wrong = []
    for path in sorted((FIXTURES / package).rglob("*.py")):
        for imported in _fixtures_imports(path) - {package} - ALLOWED[package]:
            wrong.append(f"{path.relative_to(REPO_ROOT)} imports fixtures.{imported}")
    assert not wrong, (f"fixtures/{package}/ may import only {sorted(ALLOWED[package]) or 'nothing else'} "
                       f"(fixtures/README.md):\n  " + "\n  ".join(wrong))


def test_every_subpackage_has_a_place_in_the_layers():
    packages = sorted(p.parent.name for p in FIXTURES.glob("*/__init__.py"))
    unplaced = [name for name in packages if name not in ALLOWED]
    assert not unplaced, f"add these to ALLOWED here and to the table in fixtures/README.md: {unplaced}"
