"""The layers of the package, as the README's architecture section draws them: the pure rules
import nothing of the web or the database; services import no Flask; the JSON API and the
words import nothing of the HTML pages. Read from the source, so a new import that crosses a
layer fails here, not in review."""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "learning"


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _modules(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


def _crossing(layer: str, allowed: Callable[[str], bool]) -> dict[str, list[str]]:
    crossing = {}
    for path in _modules(layer):
        bad = sorted(name for name in _imports(path) if not allowed(name))
        if bad:
            crossing[str(path.relative_to(PACKAGE.parent))] = bad
    return crossing


def _standard_library(name: str) -> bool:
    return name.split(".")[0] in sys.stdlib_module_names


def test_the_domain_imports_only_the_standard_library_and_itself() -> None:
    allowed = lambda name: _standard_library(name) or name.startswith("learning.domain")  # noqa: E731
    assert _crossing("domain", allowed) == {}


@pytest.mark.parametrize("layer", ["services", "domain"])
def test_services_and_rules_import_no_flask(layer: str) -> None:
    allowed = lambda name: not name.split(".")[0].startswith("flask")  # noqa: E731
    assert _crossing(layer, allowed) == {}


@pytest.mark.parametrize("layer", ["api", "texts", "services", "domain", "models"])
def test_nothing_below_the_pages_imports_the_pages(layer: str) -> None:
    allowed = lambda name: not name.startswith("learning.web")  # noqa: E731
    assert _crossing(layer, allowed) == {}
