"""The rule engine: loads a pack (data under rules/), binds its parameters, runs its SQL in
DuckDB over the stored tables, assembles one result row per visit plus findings, validates
them and stores the run.

Declarations (pack.toml, the SQL files' headers) are read by `pack`; execution is in `check`.
Nothing in the engine knows about a particular regulation.
"""

from berthcheck.engine.check import CheckResult, check
from berthcheck.engine.pack import Pack, Rule, available_packs, load_pack
from berthcheck.engine.scope import Scope, parse_scope

__all__ = [
    "CheckResult",
    "Pack",
    "Rule",
    "Scope",
    "available_packs",
    "check",
    "load_pack",
    "parse_scope",
]
