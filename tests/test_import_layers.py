"""Issue 16, item 6: no import circles between the audit and the engine. `audit` depends on
the engine and the store; no engine module (nor the store) imports `berthcheck.audit`, at
module level or inside a function."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "berthcheck"


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_the_engine_and_the_store_never_import_the_audit():
    lower = [*sorted((PACKAGE / "engine").glob("*.py")), PACKAGE / "store.py"]
    offenders = {
        p.relative_to(PACKAGE).as_posix(): sorted(n for n in _imports(p)
                                                  if n.startswith("berthcheck.audit"))
        for p in lower
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_audit_builds_on_the_engine_manifest():
    # the check's manifest is the engine's; audit reads it (one direction)
    assert "berthcheck.engine.manifest" in _imports(PACKAGE / "audit.py")
