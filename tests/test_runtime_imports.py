"""berthcheck imports only what its runtime install brings: `make demo` installs the
`dependencies` of pyproject.toml, not the dev extra (which brings numpy, pandas and more, so
the suite alone would never notice a missing runtime dependency)."""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# distribution name -> the modules it provides, where they differ
PROVIDES = {"pyyaml": {"yaml"}, "pandera": {"pandera"}, "tzdata": {"tzdata"},
            "fonttools": {"fontTools"}}
# what a runtime dependency always installs with it (typer: click; jinja2: markupsafe)
TRANSITIVE = {"click", "markupsafe", "_duckdb"}


def _runtime_modules() -> set[str]:
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    out = set(TRANSITIVE)
    for requirement in data["project"]["dependencies"]:
        name = requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        out |= PROVIDES.get(name, {name.replace("-", "_")})
    return out


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_every_module_berthcheck_imports_is_stdlib_or_a_runtime_dependency():
    allowed = _runtime_modules() | set(sys.stdlib_module_names) | {"berthcheck"}
    strays = {
        f"{path.relative_to(REPO)}: {name}"
        for path in sorted((REPO / "berthcheck").rglob("*.py"))
        for name in _imports(path) - allowed
    }
    assert strays == set(), "imported but not a runtime dependency in pyproject.toml"
