"""The shape of a pack's fixture file (`PACK/tests/<RULE_ID>.yml`, docs/packs.md section 8),
checked when the cases are read: a case whose keys or rows are misspelt must fail loudly, never
pass because the misspelt part was not read (`expects:` instead of `expect:` made a case that
could not fail), and a malformed row is a message naming the file, case, table and row, never
a traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from berthcheck.engine.pack_spec import PackFileError

FILE_KEYS = ("rule", "pack", "visit_defaults", "cases")
CASE_KEYS = ("name", "tables", "expect", "findings", "plug_in_all", "period", "load")
FINDING_KEYS = ("visit_id", "minutes")
TIMESTAMP_TYPES = ("timestamp",)


def _unknown(keys, allowed: tuple[str, ...]) -> list[str]:
    """Keys not allowed; an `x-` key holds YAML anchors the cases refer to (`x-times:`)."""
    return sorted(str(k) for k in keys if k not in allowed and not str(k).startswith("x-"))


def check_file(path: Path, spec: dict) -> None:
    unknown = _unknown(spec, FILE_KEYS)
    if unknown:
        raise PackFileError(f"{path}: unknown key {unknown[0]!r}; a fixture file has "
                            f"{', '.join(FILE_KEYS)}")
    defaults = spec.get("visit_defaults")
    if defaults is not None:
        if not isinstance(defaults, dict):
            raise PackFileError(f"{path}: visit_defaults must be a mapping of visits columns")
        _check_row(path, "visit_defaults", "visits", 0, defaults, defaults={"visit_id": ""})


def check_case(path: Path, case: dict, defaults: dict) -> None:
    """One case's keys, tables, rows, expectations and findings (their shapes; the values are
    the loader's and the engine's to judge)."""
    where = f"{path}: case {case['name']!r}"
    unknown = _unknown(case, CASE_KEYS)
    if unknown:
        raise PackFileError(f"{where}: unknown key {unknown[0]!r}; a case has "
                            f"{', '.join(CASE_KEYS)}")
    tables = case.get("tables") or {}
    if not isinstance(tables, dict):
        raise PackFileError(f"{where}: tables must be a mapping of kind: [rows]")
    for kind, rows in tables.items():
        _check_rows(path, where, kind, rows, defaults)
    for key, kind in (("load", dict), ("expect", dict), ("findings", list)):
        if case.get(key) is not None and not isinstance(case[key], kind):
            raise PackFileError(f"{where}: {key} must be a "
                                f"{'mapping' if kind is dict else 'list'}")
    for kind, text in (case.get("load") or {}).items():
        _known_kind(where, "load", kind)
        if not isinstance(text, str):
            raise PackFileError(f"{where}: load.{kind} must be the text of a CSV file")
    for visit_id, expected in (case.get("expect") or {}).items():
        if not isinstance(expected, dict):
            raise PackFileError(f"{where}: expect.{visit_id} must be a mapping of result "
                                "column: value")
    for number, finding in enumerate(case.get("findings") or [], start=1):
        if not isinstance(finding, dict) or "visit_id" not in finding \
                or _unknown(finding, FINDING_KEYS):
            raise PackFileError(f"{where}: findings item {number} must be "
                                "{visit_id: ..., minutes: ...} (minutes optional)")
        minutes = finding.get("minutes")
        if minutes is not None and (isinstance(minutes, bool)
                                    or not isinstance(minutes, (int, float))):
            raise PackFileError(f"{where}: findings item {number}: minutes must be a number")
    if not isinstance(case.get("plug_in_all", False), bool):
        raise PackFileError(f"{where}: plug_in_all must be true or false")
    if case.get("period") is not None and not isinstance(case["period"], str):
        raise PackFileError(f"{where}: period must be text, e.g. \"2026-10\"")


def _known_kind(where: str, key: str, kind: object) -> None:
    from berthcheck.ingest.kinds import KINDS

    if kind not in KINDS:
        raise PackFileError(f"{where}: {key}: unknown kind {kind!r}; one of "
                            f"{', '.join(KINDS)}")


def _check_rows(path: Path, where: str, kind: object, rows: object, defaults: dict) -> None:
    _known_kind(where, "tables", kind)
    if rows is None:
        return
    if not isinstance(rows, list):
        raise PackFileError(f"{where}: tables.{kind} must be a list of rows")
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise PackFileError(f"{where}: tables.{kind} row {number} must be a mapping of "
                                "column: value")
        _check_row(path, where, str(kind), number, row, defaults if kind == "visits" else {})


def _check_row(path: Path, where: str, kind: str, number: int, row: dict,
               defaults: dict) -> None:
    from berthcheck.ingest.kinds import KINDS

    columns = {c.name: c for c in KINDS[kind].columns}
    label = f"{where}: tables.{kind} row {number}" if number else f"{path}: {where}"
    allowed = set(columns) | ({"repeat"} if kind == "visits" else set())
    unknown = _unknown(row, tuple(allowed))
    if unknown:
        raise PackFileError(f"{label}: unknown column {unknown[0]!r} (berthcheck schema {kind} "
                            "lists the columns)")
    if kind == "visits" and "visit_id" not in {**defaults, **row}:
        raise PackFileError(f"{label}: a visit row needs a visit_id")
    repeat = row.get("repeat")
    if repeat is not None and (isinstance(repeat, bool) or not isinstance(repeat, int)
                               or repeat < 1):
        raise PackFileError(f"{label}: repeat must be a whole number of copies, 1 or more")
    for name, value in row.items():
        column = columns.get(name)
        if column is None or value in (None, "") or column.type not in TIMESTAMP_TYPES:
            continue
        if isinstance(value, dt.datetime):
            continue
        try:
            dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise PackFileError(f"{label}, column {name}: {value!r} is not an ISO time "
                                "(2026-10-03 06:00, or with an offset)") from None
