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
    audit = set().union(*(_imports(p) for p in sorted((PACKAGE / "audit").glob("*.py"))))
    assert "berthcheck.engine.manifest" in audit


def test_the_audits_modules_never_import_the_package_they_make_up():
    """`berthcheck/audit/__init__.py` gathers its modules' names for callers; a module of the
    package importing the package itself (not the module it needs) makes an import circle."""
    offenders = sorted(p.name for p in (PACKAGE / "audit").glob("*.py")
                       if p.name != "__init__.py" and "berthcheck.audit" in _imports(p))
    assert offenders == []


def test_reading_stored_runs_does_not_import_pandera():
    """`runs list`, a report from a stored run and `audit diff` read the output columns'
    names (engine/output_columns.py), not the pandera models that check them: pandera's
    import (with pandas) was half a second of each such command."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from berthcheck.cli import app\n"
            "import berthcheck.engine.runs, berthcheck.engine.run_listing, berthcheck.report.data,"
            " berthcheck.cli_summary\n"
            "print(sorted(m for m in ('pandera', 'pandas') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"
