"""What a rule pack tells the report about itself: the `[report]` section, the `[evidence.*]`
labels, the extra `[[result_columns]]` and `[[bases]]` of its `pack.toml` (docs/packs.md).

`report_spec(pack)` is the report's one entry to these sections. Until the engine's Pack carries
them (issue 20: `Pack.report`, `Pack.evidence_labels`, `Pack.result_columns`, `Pack.bases`) it
reads them from `pack.path / "pack.toml"` itself; switching to the Pack attributes is a change
to this function only.

Everything here is text from a pack file, i.e. untrusted: the templates escape it like any
input value, and a section of the wrong shape is a clear error naming the file, the line of
its header and the key, never a traceback.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck.errors import BerthcheckError

IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
# The listing's time column when the pack names none: the visit's berthing and unberthing.
DEFAULT_WINDOW_COLUMNS = ("arrival", "departure")
DEFAULT_WINDOW_LABEL = "Arrival / departure"


@dataclass(frozen=True)
class EvidenceLabel:
    label: str
    unit: str | None = None


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str
    unit: str | None = None
    description: str = ""


@dataclass(frozen=True)
class PackBasis:
    name: str
    verdicts: tuple[str, ...]
    description: str


@dataclass(frozen=True)
class ReportSpec:
    """How the report presents one pack. Every field has a default, so a pack without these
    sections gets the generic report."""

    section_title: str | None = None  # heading of the pack's own chapter (none: no chapter)
    summary: str | None = None  # the methodology paragraph: what the pack checks
    columns: tuple[str, ...] = ()  # pack result columns shown in the visit listings
    window_label: str = DEFAULT_WINDOW_LABEL  # header of the listing's time column
    # the two instants the time column shows (berthcheck extension of the agreed shape, so
    # CARB's listing keeps Ready to Work / Pilot on Board)
    window_columns: tuple[str, str] = DEFAULT_WINDOW_COLUMNS
    window_note: str | None = None  # one sentence after "Times are port-local" in the listing
    evidence: dict[str, EvidenceLabel] = field(default_factory=dict)  # in declaration order
    result_columns: dict[str, ResultColumn] = field(default_factory=dict)
    bases: dict[str, PackBasis] = field(default_factory=dict)


def _line_of(text: str, header: str) -> int | None:
    """The 1-based line of a TOML table header such as `[report]` (for messages)."""
    pattern = re.compile(r"^\s*" + re.escape(header) + r"\s*(#.*)?$")
    for i, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return i
    return None


class _Reader:
    def __init__(self, path: Path):
        self.path = path
        self.text = path.read_text(encoding="utf-8")
        try:
            self.data = tomllib.loads(self.text)
        except tomllib.TOMLDecodeError as exc:  # the engine reports this first; kept for safety
            raise BerthcheckError(f"{path}: not valid TOML: {exc}") from None

    def fail(self, header: str, key: str | None, why: str) -> BerthcheckError:
        line = _line_of(self.text, header)
        where = f"{self.path}" + (f", line {line}" if line else "") + f", {header}"
        return BerthcheckError(f"{where}{' ' + key if key else ''}: {why}")

    def text_of(self, table: dict, header: str, key: str, *, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                raise self.fail(header, key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(header, key, f"must be a non-empty string, not {value!r}")
        return " ".join(value.split())  # one paragraph: TOML line breaks are layout only

    def names(self, table: dict, header: str, key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(header, key, f"must be a list of column names, not {value!r}")
        for v in value:
            if not IDENTIFIER.match(v):
                raise self.fail(header, key, f"{v!r} is not a column name ([a-z_][a-z0-9_]*)")
        if len(set(value)) != len(value):
            raise self.fail(header, key, "names a column twice")
        return tuple(value)


def read_spec(toml_path: Path) -> ReportSpec:
    """The report's view of one pack.toml."""
    r = _Reader(toml_path)
    data = r.data
    report = data.get("report", {})
    if not isinstance(report, dict):
        raise r.fail("[report]", None, "must be a table")
    known = {"section_title", "summary", "columns", "window_label", "window_columns",
             "window_note"}
    for key in report:
        if key not in known:
            raise r.fail("[report]", key, f"unknown key; allowed: {', '.join(sorted(known))}")
    window_columns = r.names(report, "[report]", "window_columns") or DEFAULT_WINDOW_COLUMNS
    if len(window_columns) != 2:
        raise r.fail("[report]", "window_columns",
                     "must name two instants: the start and the end shown in the time column")
    evidence: dict[str, EvidenceLabel] = {}
    raw_evidence = data.get("evidence", {})
    if not isinstance(raw_evidence, dict):
        raise r.fail("[evidence]", None, "must be tables [evidence.<key>]")
    for key, entry in raw_evidence.items():
        header = f"[evidence.{key}]"
        if not IDENTIFIER.match(key):
            raise r.fail(header, None, f"evidence key {key!r} is not an identifier")
        if not isinstance(entry, dict):
            raise r.fail(header, None, "must be a table with label (and unit)")
        for k in entry:
            if k not in ("label", "unit"):
                raise r.fail(header, k, "unknown key; allowed: label, unit")
        evidence[key] = EvidenceLabel(r.text_of(entry, header, "label", required=True) or key,
                                      r.text_of(entry, header, "unit"))
    columns: dict[str, ResultColumn] = {}
    for i, entry in enumerate(_array(r, data, "result_columns"), start=1):
        header = "[[result_columns]]"
        name = r.text_of(entry, header, "name", required=True) or ""
        if not IDENTIFIER.match(name):
            raise r.fail(header, "name", f"entry {i}: {name!r} is not a column name")
        columns[name] = ResultColumn(
            name, r.text_of(entry, header, "type", required=True) or "",
            r.text_of(entry, header, "unit"), r.text_of(entry, header, "description") or "")
    bases: dict[str, PackBasis] = {}
    for i, entry in enumerate(_array(r, data, "bases"), start=1):
        header = "[[bases]]"
        name = r.text_of(entry, header, "name", required=True) or ""
        if not IDENTIFIER.match(name):
            raise r.fail(header, "name", f"entry {i}: {name!r} is not an identifier")
        verdicts = entry.get("verdicts", [])
        if not isinstance(verdicts, list) or not all(isinstance(v, str) for v in verdicts):
            raise r.fail(header, "verdicts", f"entry {i}: must be a list of verdicts")
        bases[name] = PackBasis(name, tuple(verdicts),
                                r.text_of(entry, header, "description", required=True) or "")
    return ReportSpec(
        section_title=r.text_of(report, "[report]", "section_title"),
        summary=r.text_of(report, "[report]", "summary"),
        columns=r.names(report, "[report]", "columns"),
        window_label=r.text_of(report, "[report]", "window_label") or DEFAULT_WINDOW_LABEL,
        window_columns=(window_columns[0], window_columns[1]),
        window_note=r.text_of(report, "[report]", "window_note"),
        evidence=evidence,
        result_columns=columns,
        bases=bases,
    )


def _array(r: _Reader, data: dict, key: str) -> list[dict]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise r.fail(f"[[{key}]]", None, "must be an array of tables")
    return value


def report_spec(pack) -> ReportSpec:
    """The `[report]`, `[evidence.*]`, `[[result_columns]]` and `[[bases]]` of `pack`
    (an engine Pack). The one place to switch to the Pack's own attributes."""
    return read_spec(Path(pack.path) / "pack.toml")


__all__ = ["EvidenceLabel", "PackBasis", "ReportSpec", "ResultColumn", "read_spec",
           "report_spec"]
