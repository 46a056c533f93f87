"""Checks on a pack's SQL that need no database, run when the pack is loaded.

The sandbox (engine/sandbox.py) already keeps a pack away from files and the store; these checks
say earlier and more plainly what is wrong: a stage that writes a table the pack reads from the
store (it would shadow the store's `visits` for the rest of the pack), or a rule or assemble
file that is not one query.
"""

from __future__ import annotations

import re
from pathlib import Path

from berthcheck.engine.pack_spec import PackFileError

# What pack SQL may read: the store's views and built-in reference tables (the sandbox hands
# over exactly these; tests/test_pack_contract.py keeps this list equal to the store's).
STORE_OBJECTS = (
    "allowances", "berths", "caecs", "capture", "coverage", "events", "ports", "ports_builtin",
    "ports_user", "shore_power", "terminals", "visit_counts", "visits",
)
SCOPE_TABLE = "scope_visits"  # the visit ids of the check's scope (engine/check.py)
# a scope_visits pack's whole-store history: history_<view> (engine/sandbox.py hands it over)
HISTORY_PREFIX = "history_"
HISTORY_OBJECTS = tuple(HISTORY_PREFIX + name for name in STORE_OBJECTS)

_NAME = r"(\"[^\"]+\"|[A-Za-z_][\w$]*)(?:\s*\.\s*(\"[^\"]+\"|[A-Za-z_][\w$]*))*"
_WRITE = re.compile(
    r"(?:^|;)\s*(?P<verb>"
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?:TEMP|TEMPORARY)\s+)?(?:TABLE|VIEW|MACRO|FUNCTION)\s+"
    r"(?:IF\s+NOT\s+EXISTS\s+)?"
    r"|INSERT\s+(?:OR\s+\w+\s+)?INTO\s+|UPDATE\s+|DELETE\s+FROM\s+|TRUNCATE\s+(?:TABLE\s+)?"
    r"|DROP\s+(?:TABLE|VIEW|MACRO(?:\s+TABLE)?|FUNCTION)\s+(?:IF\s+EXISTS\s+)?|ALTER\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?)"
    r"(?P<name>" + _NAME + ")",
    re.IGNORECASE,
)
_QUERY_START = re.compile(r"^\s*(?:\(\s*)*(SELECT|WITH|FROM|VALUES)\b", re.IGNORECASE)


# What pack SQL may not name (docs/packs.md section 3): the sandbox (engine/sandbox.py) has no
# file or network access and a locked configuration, but DuckDB's settings and catalog stay
# readable in it, and they hold paths (the temporary and secret folders, the working folder
# that `allowed_directories` lists); SQL made from text would hide a name from this check.
# Each: (names, a regular expression; only when called, `name(`; what naming it does).
REFUSED_NAMES: tuple[tuple[str, bool, str], ...] = (
    (r"current_setting|duckdb_settings|pg_settings|getenv", False,
     "reads DuckDB's settings or the environment (among them paths of this machine)"),
    (r"duckdb_\w+|pragma_\w+|pg_database", False,
     "reads DuckDB's own catalog (its databases, files, memory, extensions, settings)"),
    (r"query|query_table|json_execute_serialized_sql", True,
     "runs SQL made from text, which a reader of the pack's files would not see"),
    (r"read_\w+|glob|sniff_csv|parquet_\w+", True, "reads files"),
)
_REFUSED = [(re.compile(r"(?<![\w$])(" + names + r")(?![\w$])" + (r"\s*\(" if called else ""),
                        re.IGNORECASE), called, what) for names, called, what in REFUSED_NAMES]
PRAGMA_DOES = "reads or changes DuckDB's settings and catalog"
_PRAGMA = re.compile(r"(?:^|;)\s*(PRAGMA)\b", re.IGNORECASE)
_LITERAL = re.compile(r"'(?:[^']|'')*'")


def check_reach(path: Path, sql: str, who: str) -> None:
    """Pack SQL that names a DuckDB setting, its catalog, a file function or SQL made from
    text: refused when the pack is loaded, naming the file, line and name (`who`: the pack,
    as its check's errors name it)."""
    body = _strip_comments(sql)
    # a literal's words are text, not names (a message may say "read_count"); its newlines stay
    body = _LITERAL.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), body).replace('"', " ")
    found = []
    for pattern, called, what in _REFUSED:
        for match in pattern.finditer(body):
            found.append((match.start(1), match.group(1) + ("()" if called else ""), what))
    found += [(m.start(1), "PRAGMA", PRAGMA_DOES)
              for m in _PRAGMA.finditer(body)]
    if found:
        start, name, what = min(found)
        line = body.count("\n", 0, start) + 1
        raise PackFileError(f"{who}: {path}, line {line}: {name} {what}, which rule packs may "
                            "not do (docs/packs.md section 3)")


def _strip_comments(sql: str) -> str:
    from berthcheck.engine.pack_text import strip_comments

    return strip_comments(sql)


def protected_names(table_names) -> set[str]:
    """Tables a stage may not create, change or drop: what the pack reads from the store and
    what the engine gives it (tables, history views, and macros such as bc_interval_union)."""
    from berthcheck.engine.pack_macros import ENGINE_MACROS

    return {
        *STORE_OBJECTS,
        *HISTORY_OBJECTS,
        SCOPE_TABLE,
        *ENGINE_MACROS,
        *(f"param_{t}" for t in table_names),
    }


def check_stage(path: Path, sql: str, protected: set[str]) -> None:
    body = _strip_comments(sql)
    for match in _WRITE.finditer(body):
        name = match.group("name").split(".")[-1].strip().strip('"').lower()
        if name in protected:
            line = body.count("\n", 0, match.start("verb")) + 1
            verb = " ".join(match.group("verb").split()).upper()
            raise PackFileError(
                f"{path}, line {line}: {verb} {name}: a stage may not write {name}, which the "
                "pack reads from the store or the engine; build the pack's own temporary "
                "tables under other names (e.g. a prefix of the pack's)")


def check_query(path: Path, sql: str, what: str) -> None:
    """A rule or assemble file holds one SELECT (WITH ... SELECT)."""
    from berthcheck.engine.pack_text import split_statements

    body = _strip_comments(sql).strip().rstrip(";").strip()
    if not _QUERY_START.match(body) or len(split_statements(body)) > 1:
        raise PackFileError(f"{path}: {what} must be one SELECT query (it may start with WITH)")
