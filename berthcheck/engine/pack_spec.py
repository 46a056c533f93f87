"""What a pack declares beyond its SQL: extra result columns, extra bases, evidence labels and
its report section (docs/packs.md), and the checks on `pack.toml` that need no database.

Every problem is a `PackFileError` naming the pack file and, where it can be found, the line:
a pack is input, so a broken one is a message, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from berthcheck.errors import UsageError

IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
# the types a declared result column may have (DuckDB names, as written in the pack's SQL)
COLUMN_TYPES = ("BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR", "DATE", "TIMESTAMPTZ")
VERDICTS = ("compliant", "non_compliant", "exempt", "not_applicable", "insufficient_data")
# TOML values a parameter may hold: they are bound to DuckDB as they are
PARAMETER_TYPES = (bool, int, float, str, dt.date)


class PackFileError(UsageError):
    """A pack file is malformed or breaks the pack contract (exit 2: the --pack named it)."""


def read_pack_file(path: Path) -> str:
    """A pack file's text: UTF-8 (a byte order mark, as Windows editors write, is dropped);
    anything else is a PackFileError naming the file, line and byte, never a traceback."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PackFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise PackFileError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save the file as UTF-8") from None


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str
    description: str
    unit: str | None = None
    nullable: bool = True


@dataclass(frozen=True)
class Basis:
    name: str
    verdicts: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class EvidenceLabel:
    label: str
    unit: str | None = None


@dataclass(frozen=True)
class ReportSpec:
    section_title: str = ""
    summary: str = ""
    columns: tuple[str, ...] = ()
    window_label: str | None = None
    # the two instants the listing's time column shows, and a sentence after "Times are
    # port-local" above it (CARB: Ready to Work / Pilot on Board and how its window is counted)
    window_columns: tuple[str, str] = ("arrival", "departure")
    window_note: str | None = None


# the keys each table of pack.toml may hold (docs/packs.md section 2); any other is refused
TOP_LEVEL_KEYS = ("pack", "parameters", "tables", "result_columns", "bases", "evidence", "report")
PACK_KEYS = ("id", "version", "title", "regulation", "citation", "stages", "rules", "assemble",
             "currency", "judges", "history", "history_keys", "inputs", "notes")
PARAMETER_KEYS = ("value", "citation", "unit", "confirmed", "note")
TABLE_KEYS = ("columns", "rows", "citation", "description", "note")
BASIS_KEYS = ("name", "verdicts", "description")
REPORT_KEYS = ("section_title", "summary", "columns", "window_label", "window_columns",
               "window_note")


@dataclass(frozen=True)
class PackSpec:
    """The declarations of one pack.toml other than parameters, stages and rules."""

    result_columns: tuple[ResultColumn, ...] = ()
    bases: tuple[Basis, ...] = ()
    evidence_labels: dict[str, EvidenceLabel] = field(default_factory=dict)
    report: ReportSpec = ReportSpec()


def line_of(text: str, pattern: str) -> int | None:
    """The 1-based line of the first match of `pattern` in `text` (for messages), or None."""
    match = re.search(pattern, text, flags=re.MULTILINE)
    if not match:
        return None
    # a pattern's `^\s*` also spans the blank lines before the match: count from its text
    found = match.group(0)
    return text.count("\n", 0, match.start() + len(found) - len(found.lstrip())) + 1


def where(path: Path, text: str, pattern: str | None) -> str:
    """`path, line N` when the pattern is found, else `path`."""
    line = line_of(text, pattern) if pattern else None
    return f"{path}, line {line}" if line else str(path)


class SpecReader:
    """Reads one pack.toml's tables, raising PackFileError with file and line."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.text = text

    def fail(self, message: str, pattern: str | None = None) -> PackFileError:
        return PackFileError(f"{where(self.path, self.text, pattern)}: {message}")

    def table(self, data: dict, key: str, context: str, pattern: str | None = None) -> dict:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(f"{context}{key} must be a table", pattern)
        return value

    def entries(self, data: dict, key: str) -> list[dict]:
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{key} must be written as [[{key}]] tables", rf"^\s*\[+{key}\]+")
        return value

    def known_keys(self, spec: dict, allowed: tuple[str, ...], context: str,
                   pattern: str | None, what: str = "key") -> None:
        """A key the contract does not know is refused, not ignored: a misspelt `judges` or
        `unit` would otherwise change what the pack does without a word."""
        import difflib

        for key in spec:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f" (did you mean {near[0]}?)" if near else ""
                name = re.escape(str(key))
                # the key's own line: `key = ...`, or a table header `[key.x]` / `[[key]]`
                line_pattern = next((p for p in (rf"^\s*[\"']?{name}[\"']?\s*=",
                                                 rf"^\s*\[+\s*{name}\s*[\].]")
                                     if line_of(self.text, p)), pattern)
                raise self.fail(f"{context}: unknown {what} {key!r}{hint}; allowed: "
                                f"{', '.join(allowed)}", line_pattern)

    def text_of(self, spec: dict, key: str, context: str, pattern: str | None,
                required: bool = True) -> str | None:
        value = spec.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise self.fail(f"{context}: {key} must be a non-empty text", pattern)
        return value


def parse_spec(data: dict[str, Any], path: Path, text: str) -> PackSpec:
    """The [[result_columns]], [[bases]], [evidence.*] and [report] declarations."""
    reader = SpecReader(path, text)
    columns = _result_columns(reader, data)
    bases = _bases(reader, data)
    labels = _evidence_labels(reader, data)
    report = _report(reader, data, {c.name: c.type for c in columns})
    return PackSpec(columns, bases, labels, report)


def _name_pattern(name: object) -> str:
    return rf"^\s*name\s*=\s*[\"']{re.escape(str(name))}[\"']"


def _result_columns(reader: SpecReader, data: dict) -> tuple[ResultColumn, ...]:
    from berthcheck.engine.pack_columns import reserved_columns

    reserved = reserved_columns()
    out: list[ResultColumn] = []
    for spec in reader.entries(data, "result_columns"):
        name = spec.get("name")
        pattern = _name_pattern(name) if name else r"^\s*\[\[result_columns\]\]"
        if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
            raise reader.fail(f"[[result_columns]] name {name!r} is not an identifier "
                              "([a-z_][a-z0-9_]*)", pattern)
        context = f"[[result_columns]] {name}"
        if name in reserved:
            raise reader.fail(f"{context}: {name} is already a column of every pack's results "
                              f"({reserved[name]}); declare only the pack's own columns", pattern)
        if any(c.name == name for c in out):
            raise reader.fail(f"{context} is declared twice", pattern)
        kind = spec.get("type")
        if kind not in COLUMN_TYPES:
            raise reader.fail(f"{context}: unknown type {kind!r}; one of "
                              f"{', '.join(COLUMN_TYPES)}", pattern)
        nullable = spec.get("nullable", True)
        if not isinstance(nullable, bool):
            raise reader.fail(f"{context}: nullable must be true or false", pattern)
        description = reader.text_of(spec, "description", context, pattern)
        unit = reader.text_of(spec, "unit", context, pattern, required=False)
        unknown = set(spec) - {"name", "type", "unit", "description", "nullable"}
        if unknown:
            raise reader.fail(f"{context}: unknown keys {sorted(unknown)}", pattern)
        out.append(ResultColumn(name, kind, description or "", unit, nullable))
    return tuple(out)


def _bases(reader: SpecReader, data: dict) -> tuple[Basis, ...]:
    from berthcheck.engine.bases import CONTRACT_BASES, JOINED

    contract = {b: v for v, names in CONTRACT_BASES.items() for b in names}
    out: list[Basis] = []
    for spec in reader.entries(data, "bases"):
        name = spec.get("name")
        pattern = _name_pattern(name) if name else r"^\s*\[\[bases\]\]"
        if not isinstance(name, str) or not IDENTIFIER.fullmatch(name):
            raise reader.fail(f"[[bases]] name {name!r} is not an identifier", pattern)
        context = f"[[bases]] {name}"
        if name in contract or name in JOINED or name.startswith("missing_"):
            owner = contract.get(name, "compliant/non_compliant (joined)")
            raise reader.fail(f"{context}: {name} is already a basis of the contract "
                              f"(verdict {owner}); a pack declares only new bases", pattern)
        if any(b.name == name for b in out):
            raise reader.fail(f"{context} is declared twice", pattern)
        verdicts = spec.get("verdicts")
        if (not isinstance(verdicts, list) or not verdicts
                or any(v not in VERDICTS or v == "insufficient_data" for v in verdicts)):
            raise reader.fail(f"{context}: verdicts must be a list of "
                              f"{', '.join(v for v in VERDICTS if v != 'insufficient_data')}",
                              pattern)
        description = reader.text_of(spec, "description", context, pattern)
        reader.known_keys(spec, BASIS_KEYS, context, pattern)
        out.append(Basis(name, tuple(verdicts), description or ""))
    return tuple(out)


def _evidence_labels(reader: SpecReader, data: dict) -> dict[str, EvidenceLabel]:
    section = reader.table(data, "evidence", "", r"^\s*evidence\s*=")
    out = {}
    for key, spec in section.items():
        pattern = rf"^\s*\[evidence\.{re.escape(key)}\]"
        if not IDENTIFIER.fullmatch(key):
            raise reader.fail(f"[evidence.{key}]: evidence key {key!r} is not an identifier",
                              pattern)
        if not isinstance(spec, dict):
            raise reader.fail(f"[evidence.{key}] must be a table with label (and unit)", pattern)
        unknown = sorted(set(spec) - {"label", "unit"})
        if unknown:
            raise reader.fail(f"[evidence.{key}] {unknown[0]}: unknown key; allowed: label, unit",
                              pattern)
        label = reader.text_of(spec, "label", f"[evidence.{key}]", pattern)
        unit = reader.text_of(spec, "unit", f"[evidence.{key}]", pattern, required=False)
        out[key] = EvidenceLabel(label or "", unit)
    return out


def _column_type(name: str, declared: dict[str, str]) -> str | None:
    """A result column's type: declared, the contract's, or a visits column's; None for a name
    the results cannot have."""
    from berthcheck.engine.pack_columns import ASSEMBLE_COLUMNS, visit_columns

    if name in declared:
        return declared[name]
    if name in ASSEMBLE_COLUMNS:
        return ASSEMBLE_COLUMNS[name][0]
    return visit_columns().get(name)


def _report(reader: SpecReader, data: dict, declared: dict[str, str]) -> ReportSpec:
    pattern = r"^\s*\[report\]"
    spec = reader.table(data, "report", "", pattern)
    if not spec:
        return ReportSpec()
    unknown = sorted(set(spec) - set(REPORT_KEYS))
    if unknown:
        raise reader.fail(f"[report] {unknown[0]}: unknown key; allowed: "
                          f"{', '.join(REPORT_KEYS)}", pattern)
    columns = spec.get("columns", [])
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise reader.fail("[report] columns must be a list of column names", pattern)
    window = spec.get("window_columns", ["arrival", "departure"])
    if (not isinstance(window, list) or len(window) != 2
            or not all(isinstance(c, str) and IDENTIFIER.fullmatch(c) for c in window)):
        raise reader.fail("[report] window_columns must name two instants: the start and the "
                          "end shown in the listing's time column", pattern)
    for column in window:
        # the listing prints both as port-local instants: a number or text there crashed the
        # report ('int' object has no attribute 'tzinfo')
        kind = _column_type(column, declared)
        if kind != "TIMESTAMPTZ":
            raise reader.fail(
                f"[report] window_columns names {column!r}, "
                + (f"a {kind} column" if kind else "no column of the results")
                + ": the listing's time column shows two instants (window_start, window_end, "
                "a visits instant such as arrival, or a declared TIMESTAMPTZ column)", pattern)
    for column in columns:
        if column not in declared:
            raise reader.fail(f"[report] columns names {column!r}, which no [[result_columns]] "
                              "declares", pattern)
    return ReportSpec(
        section_title=reader.text_of(spec, "section_title", "[report]", pattern,
                                     required=False) or "",
        summary=reader.text_of(spec, "summary", "[report]", pattern, required=False) or "",
        columns=tuple(columns),
        window_label=reader.text_of(spec, "window_label", "[report]", pattern, required=False),
        window_columns=(window[0], window[1]),
        window_note=reader.text_of(spec, "window_note", "[report]", pattern, required=False),
    )


ENGINE_PARAMETER_PREFIX = "_bc_"  # engine/findings.py binds $_bc_version, $_bc_rule_N, ...


def check_parameter(reader: SpecReader, name: str, spec: object) -> None:
    """A parameter is a table with a value of a bindable type and a citation."""
    pattern = rf"^\s*\[parameters\.{re.escape(name)}\]"
    if not IDENTIFIER.fullmatch(name):
        raise reader.fail(f"parameter name {name!r} is not an identifier", pattern)
    if name.startswith(ENGINE_PARAMETER_PREFIX):
        # the engine binds its own values beside the pack's ($_bc_version in every finding
        # id, $_bc_rule_N): a pack's parameter of such a name would never reach its SQL
        raise reader.fail(f"parameter name {name!r} starts with {ENGINE_PARAMETER_PREFIX!r}, "
                          "which the engine keeps for the values it binds itself", pattern)
    if not isinstance(spec, dict) or "value" not in spec:
        raise reader.fail(f"parameter {name} needs a value", pattern)
    value = spec["value"]
    items = value if isinstance(value, list) else [value]
    if (not all(isinstance(v, PARAMETER_TYPES) and not isinstance(v, dt.datetime)
                for v in items)
            or len({type(v) for v in items}) > 1):
        raise reader.fail(
            f"parameter {name} has a value of unknown type ({type(value).__name__}: "
            f"{value!r}); a parameter is a boolean, integer, float, text or date, or a list "
            "of one of these", pattern)
    reader.text_of(spec, "citation", f"parameter {name}", pattern)
    reader.known_keys(spec, PARAMETER_KEYS, f"parameter {name}", pattern)
    for key in ("unit", "note"):
        reader.text_of(spec, key, f"parameter {name}", pattern, required=False)
    if not isinstance(spec.get("confirmed", True), bool):
        raise reader.fail(f"parameter {name}: confirmed must be true or false", pattern)


def parse_table(reader: SpecReader, name: str, spec: object,
                pattern: str) -> tuple[tuple[str, ...], tuple[tuple, ...]]:
    """A `[tables.NAME]`'s columns and rows: column names are distinct identifiers, each row
    has one value per column, and each column holds values of one parameter type (integers
    among floats are read as floats), so `param_NAME` gets the types the author wrote."""
    if not IDENTIFIER.fullmatch(name):
        raise reader.fail(f"table name {name!r} is not an identifier", pattern)
    if not isinstance(spec, dict) or not isinstance(spec.get("columns"), list) \
            or not isinstance(spec.get("rows"), list):
        raise reader.fail(f"table {name} needs columns and rows (lists)", pattern)
    reader.text_of(spec, "citation", f"table {name}", pattern)
    reader.known_keys(spec, TABLE_KEYS, f"table {name}", pattern)
    for key in ("description", "note"):
        reader.text_of(spec, key, f"table {name}", pattern, required=False)
    columns = spec["columns"]
    for column in columns:
        if not isinstance(column, str) or not IDENTIFIER.fullmatch(column):
            raise reader.fail(f"table {name}: column {column!r} is not an identifier "
                              "([a-z_][a-z0-9_]*)", pattern)
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if not columns or twice:
        raise reader.fail(f"table {name}: columns must be a non-empty list of distinct names"
                          + (f" ({', '.join(twice)} twice)" if twice else ""), pattern)
    rows = [r if isinstance(r, list) else [r] for r in spec["rows"]]
    kinds: dict[str, set[type]] = {c: set() for c in columns}
    for number, row in enumerate(rows, start=1):
        if len(row) != len(columns):
            raise reader.fail(f"table {name} row {number} {row} does not match columns "
                              f"{columns}", pattern)
        for column, value in zip(columns, row, strict=True):
            if not isinstance(value, PARAMETER_TYPES) or isinstance(value, dt.datetime):
                raise reader.fail(
                    f"table {name} row {number}, column {column}: {value!r} is not a boolean, "
                    "integer, float, text or date", pattern)
            kinds[column].add(type(value))
    for column, found in kinds.items():
        if len(found - ({int} if float in found else set())) > 1:
            names = sorted(t.__name__ for t in found)
            raise reader.fail(f"table {name}, column {column}: values of different types "
                              f"({', '.join(names)}); a column holds one type", pattern)
    floats = {i for i, c in enumerate(columns) if kinds[c] == {int, float}}
    return tuple(columns), tuple(
        tuple(float(v) if i in floats else v for i, v in enumerate(row)) for row in rows)


def input_columns(reader: SpecReader, meta: dict) -> dict[str, tuple[str, ...]]:
    """`[pack] inputs = { view = [columns] }`: the columns of a view the pack's SQL reads, the
    only ones the sandbox is handed (docs/packs.md section 2); a view not listed is handed
    over with all its columns. Whether each view has its columns is the check's to say."""
    pattern = r"^\s*inputs\s*="
    inputs = meta.get("inputs", {})
    if not isinstance(inputs, dict):
        raise reader.fail('[pack] inputs must be a table of view = [columns], e.g. inputs = '
                          '{ visits = ["visit_id", "departure"] }', pattern)
    out: dict[str, tuple[str, ...]] = {}
    for view, columns in inputs.items():
        if not IDENTIFIER.fullmatch(view):
            raise reader.fail(f"[pack] inputs: {view!r} is not a view name", pattern)
        if (not isinstance(columns, list) or not columns
                or not all(isinstance(c, str) and IDENTIFIER.fullmatch(c) for c in columns)):
            raise reader.fail(f"[pack] inputs.{view} must be a non-empty list of column names",
                              pattern)
        twice = sorted({c for c in columns if columns.count(c) > 1})
        if twice:
            raise reader.fail(f"[pack] inputs.{view} lists {', '.join(twice)} twice", pattern)
        out[view] = tuple(columns)
    return out
