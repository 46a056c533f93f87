"""The `[pack]` table's keys read beyond a type check (engine/pack.py): `history` (views, or
views and their columns), `history_keys` and `notes`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from berthcheck.engine.pack_spec import PackFileError

if TYPE_CHECKING:
    from berthcheck.engine.pack_model import Rule


def history_columns(history, toml_path: Path) -> dict[str, tuple[str, ...]]:
    """`[pack] history`: a list of views, or a table of view -> the columns the pack reads."""
    if isinstance(history, dict):
        for name, columns in history.items():
            if not (isinstance(columns, list) and all(isinstance(c, str) for c in columns)):
                raise PackFileError(f"{toml_path}: [pack] history.{name} must be a list of "
                                    "column names")
        return {name: tuple(columns) for name, columns in history.items()}
    if not (isinstance(history, (list, tuple)) and all(isinstance(h, str) for h in history)):
        raise PackFileError(f"{toml_path}: [pack] history must be a list of view names or a "
                            "table of view = [columns]")
    return {}


def history_keys(meta: dict, toml_path: Path) -> dict[str, str]:
    """`[pack] history_keys`: a table of history view -> the name of its key table, for a
    `judges = "scope_visits"` pack's declared history views only."""
    keys = meta.get("history_keys", {})
    if not isinstance(keys, dict) or not all(
            isinstance(v, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", v) for v in keys.values()):
        raise PackFileError(f"{toml_path}: [pack] history_keys must be a table of history view "
                            "= \"key table name\"")
    if keys and meta.get("judges") != "scope_visits":
        raise PackFileError(f"{toml_path}: [pack] history_keys needs judges = \"scope_visits\"")
    history = meta.get("history", ())
    for name in keys:
        if name not in history:
            raise PackFileError(f"{toml_path}: [pack] history_keys.{name}: {name} is not a "
                                "view [pack] history declares")
    return dict(keys)


def notes(reader, meta: dict, rules: list[Rule], columns) -> dict[str, str]:
    """`[pack] notes = { RULE_ID = "column" }`: each rule listed in `rules`, of severity info
    (a warning or violation is something to act on, never hidden by default), its column a
    declared VARCHAR result column used by one note only."""
    from berthcheck.engine.pack_spec import IDENTIFIER

    notes = meta.get("notes", {})
    if not isinstance(notes, dict):
        raise reader.fail("[pack] notes must be a table of rule id = result column, e.g. "
                          'notes = { AB01 = "not_applicable_reason" }', r"^\s*notes\s*=")
    by_id = {r.id: r for r in rules}
    declared = {c.name: c for c in columns}
    out: dict[str, str] = {}
    for rule_id, column in notes.items():
        at = rf"^\s*notes\s*=.*\b{re.escape(rule_id)}\b"
        rule = by_id.get(rule_id)
        if rule is None:
            raise reader.fail(f"[pack] notes: {rule_id!r} is not a rule of the pack "
                              f"([pack] rules: {', '.join(by_id) or 'none'})", at)
        if rule.severity != "info":
            raise reader.fail(f"[pack] notes: rule {rule_id} has severity {rule.severity}; only "
                              "an info rule may be a note", at)
        if not isinstance(column, str) or not IDENTIFIER.fullmatch(column):
            raise reader.fail(f"[pack] notes: {rule_id} = {column!r}: the value must name a "
                              "result column", at)
        kind = declared.get(column)
        if kind is None or kind.type != "VARCHAR":
            what = "is not declared" if kind is None else f"is {kind.type}"
            raise reader.fail(f"[pack] notes: {rule_id} = {column!r}: the column {what}; a "
                              "note's text is a VARCHAR column declared in [[result_columns]]",
                              at)
        if column in out.values():
            raise reader.fail(f"[pack] notes: column {column!r} is the text of two notes", at)
        out[rule_id] = column
    return out
