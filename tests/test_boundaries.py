"""The parts import one way only (ARCHITECTURE.md): checked on the source, not by convention."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).parent.parent / "src/cmagent"
# part -> the parts it must never import
FORBIDDEN = {
    "errors": ("agent", "machine", "himds", "wire", "cloud", "lab", "asgi"),
    # the server stack shared by the cloud and himds, below both
    "asgi": ("errors", "agent", "machine", "himds", "wire", "cloud", "lab"),
    "machine": ("agent", "himds", "wire", "cloud", "lab"),
    "wire": ("agent", "himds", "cloud", "lab"),
    "agent": ("himds", "cloud", "lab"),
    "himds": ("agent", "cloud", "lab"),
    # The cloud's command line hosts the lab's commands (cmagent-cloud scenario ...); the lab
    # itself drives the agent and the cloud as processes and imports neither.
    "cloud": ("agent", "machine", "himds", "wire"),
    "lab": ("agent", "machine", "himds", "wire", "cloud"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize("part", sorted(FORBIDDEN))
def test_imports_go_one_way(part) -> None:
    crossings = []
    for path in sorted((SOURCE / part).rglob("*.py")):
        for name in _imports(path):
            if any(name == f"cmagent.{other}" or name.startswith(f"cmagent.{other}.")
                   for other in FORBIDDEN[part]):
                crossings.append(f"{path.relative_to(SOURCE)} imports {name}")
    assert crossings == []
