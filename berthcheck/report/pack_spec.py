"""What a rule pack tells the report about itself: the `[report]` section, the `[evidence.*]`
labels, the extra `[[result_columns]]` and `[[bases]]` of its `pack.toml` (docs/packs.md).

The engine reads and checks these sections when it loads a pack (engine/pack_spec.py: a section
of the wrong shape is an error naming the file, line and key); this module is the report's view
of them, with the report's defaults (no chapter, the generic time column).

Everything here is text from a pack file, i.e. untrusted: the templates escape it like any
input value.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck.engine.pack_spec import Basis as PackBasis
from berthcheck.engine.pack_spec import (
    EvidenceLabel,
    PackFileError,
    ResultColumn,
    parse_spec,
    read_pack_file,
)
from berthcheck.engine.pack_spec import ReportSpec as PackReport

# The listing's time column when the pack names none: the visit's berthing and unberthing.
DEFAULT_WINDOW_COLUMNS = ("arrival", "departure")
DEFAULT_WINDOW_LABEL = "Arrival / departure"


@dataclass(frozen=True)
class ReportSpec:
    """How the report presents one pack. Every field has a default, so a pack without these
    sections gets the generic report."""

    section_title: str | None = None  # heading of the pack's own chapter (none: no chapter)
    summary: str | None = None  # the methodology paragraph: what the pack checks
    columns: tuple[str, ...] = ()  # pack result columns shown in the visit listings
    window_label: str = DEFAULT_WINDOW_LABEL  # header of the listing's time column
    window_columns: tuple[str, str] = DEFAULT_WINDOW_COLUMNS  # the two instants it shows
    # after "Times are port-local" in the listing: a clause ("; the window is ...") or, from a
    # capital letter, a sentence of its own (". The window opens ..."); no final period
    window_note: str | None = None
    evidence: dict[str, EvidenceLabel] = field(default_factory=dict)  # in declaration order
    result_columns: dict[str, ResultColumn] = field(default_factory=dict)
    bases: dict[str, PackBasis] = field(default_factory=dict)


def _paragraph(text: str | None) -> str | None:
    """One paragraph: TOML line breaks are layout only; empty means none."""
    return " ".join(text.split()) or None if text else None


def _note(text: str | None) -> str | None:
    """The window note as the listing's sentence ends it: its own final period dropped (the
    template adds one), so "The window opens ... departure." does not end in "..". """
    return (_paragraph(text) or "").rstrip(".").rstrip() or None


def _view(report: PackReport, evidence: dict[str, EvidenceLabel],
          columns: tuple[ResultColumn, ...], bases: tuple[PackBasis, ...]) -> ReportSpec:
    return ReportSpec(
        section_title=_paragraph(report.section_title),
        summary=_paragraph(report.summary),
        columns=report.columns,
        window_label=_paragraph(report.window_label) or DEFAULT_WINDOW_LABEL,
        window_columns=report.window_columns,
        window_note=_note(report.window_note),
        evidence=dict(evidence),
        result_columns={c.name: c for c in columns},
        bases={b.name: b for b in bases},
    )


def report_spec(pack) -> ReportSpec:
    """The report's view of a loaded pack's declarations."""
    return _view(pack.report, pack.evidence_labels, pack.result_columns, pack.bases)


def read_spec(toml_path: Path) -> ReportSpec:
    """The report's view of one pack.toml's sections (checked as the engine checks them)."""
    text = read_pack_file(toml_path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackFileError(f"{toml_path}: not valid TOML: {exc}") from None
    spec = parse_spec(data, toml_path, text)
    return _view(spec.report, spec.evidence_labels, spec.result_columns, spec.bases)


__all__ = ["DEFAULT_WINDOW_COLUMNS", "EvidenceLabel", "PackBasis", "ReportSpec",
           "ResultColumn", "read_spec", "report_spec"]
