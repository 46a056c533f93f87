"""Where the shipped data lives: rule packs, report templates, reference tables.

`rules/` and `reports/templates/` sit at the repository's top level and are copied into the
wheel as `berthcheck/_rules` and `berthcheck/_templates`. Code never looks in the current
directory, so an installed berthcheck works from anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
REPO_DIR = PACKAGE_DIR.parent


def _first_existing(*candidates: Path) -> Path:
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError(f"none of {', '.join(str(c) for c in candidates)} exists")


def rules_dir() -> Path:
    """The rule packs' folder; `$BERTHCHECK_RULES_DIR` points elsewhere (a pack under review)."""
    override = os.environ.get("BERTHCHECK_RULES_DIR")
    if override:
        return Path(override)
    return _first_existing(PACKAGE_DIR / "_rules", REPO_DIR / "rules")


def builtin_rules_dir() -> Path:
    """The packs shipped with berthcheck (whatever `$BERTHCHECK_RULES_DIR` says)."""
    return _first_existing(PACKAGE_DIR / "_rules", REPO_DIR / "rules")


def templates_dir() -> Path:
    return _first_existing(PACKAGE_DIR / "_templates", REPO_DIR / "reports" / "templates")


def reference_dir() -> Path:
    return PACKAGE_DIR / "reference"


def sample_data_dir() -> Path:
    """The committed sample month; only present in a source checkout."""
    return REPO_DIR / "sample_data"
