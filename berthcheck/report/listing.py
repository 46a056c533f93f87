"""Long lists in the report: the non-compliant visits and the every-visit appendix.

A long list is laid out as one fixed-width text line per visit in a one-cell table row: table
cells are what makes long listings slow to lay out in WeasyPrint, and one cell per row keeps the
header repeating on every page. Above the thresholds below a list stops and says where the rest
is (the attached results CSV), so a year of every California port still renders in a minute:

* the non-compliant chapter shows the `NONCOMPLIANT_DETAIL_MAX` visits with the most
  uncontrolled time in full (reasons, evidence), the next ones as lines, up to
  `NONCOMPLIANT_LIST_MAX` visits in all;
* the appendix lists every visit (or only the non-compliant ones, or none: `--appendix`) up to
  `APPENDIX_MAX_VISITS` visits; above that it is a summary table by verdict and basis.
"""

from __future__ import annotations

from berthcheck.report import fmt
from berthcheck.report.pack_section import value_text
from berthcheck.report.words import VERDICT_LABELS, basis_text

APPENDIX_MODES = ("all", "non-compliant", "none")
APPENDIX_MAX_VISITS = 2_500
# characters of 7.5 pt DejaVu Sans Mono (0.602 em each) that fit a landscape letter line:
# 11 in less report.css's 14 mm margins is 712.6 pt, 157.8 characters (A4 holds 168)
APPENDIX_LINE_MAX = 157
BASIS_MIN = 20  # the basis column gives up width to a pack's columns down to this
NONCOMPLIANT_DETAIL_MAX = 100
NONCOMPLIANT_LIST_MAX = 1_000

def _cut(text: str, width: int | None) -> str:
    return fmt.column_text(str(text), width)


def fixed_width(columns: tuple, cells: list[dict]) -> dict:
    """{header, rows}: `columns` are (title, key, widest allowed, right-aligned); each row is
    one line with the columns padded to the widest value (capped)."""
    widths = []
    for title, key, cap, _ in columns:
        longest = max([len(title), *(fmt.column_width(_cut(c[key], None)) for c in cells)])
        widths.append(longest if cap is None else min(cap, longest))

    def line(values: list[str]) -> str:
        parts = []
        for (_, _, _, right), width, value in zip(columns, widths, values, strict=True):
            pad = " " * max(0, width - fmt.column_width(value))
            parts.append(pad + value if right else value + pad)
        return "  ".join(parts).rstrip()

    return {
        "header": line([title for title, _, _, _ in columns]),
        "rows": [{"line": line([_cut(c[key], cap) for _, key, cap, _ in columns]),
                  "verdict_key": c.get("verdict_key", "")} for c in cells],
    }


# The appendix line (landscape page): visit ids are never cut.
APPENDIX_COLUMNS = (
    ("Visit", "visit_id", None, False),
    ("Vessel", "vessel", 24, False),
    ("Terminal", "terminal", 12, False),
    ("Departure (port-local)", "departure", None, False),
    ("Verdict", "verdict", None, False),
    ("Basis", "basis", 40, False),
    ("Uncontr. h", "uncontrolled", None, True),
)

# The non-compliant visits beyond the detailed ones (portrait page).
NONCOMPLIANT_COLUMNS = (
    ("Visit", "visit_id", None, False),
    ("Vessel", "vessel", 22, False),
    ("Terminal", "terminal", 10, False),
    ("Departure (port-local)", "departure", None, False),
    ("Responsible", "responsible", 24, False),
    ("Uncontr. min", "uncontrolled_min", None, True),
)


def appendix_cell(v: dict, extra: tuple = ()) -> dict:
    """One appendix line's values; `extra` columns (key `pack:<column>`) are the pack's own."""
    tz = v.get("port_timezone")
    pack_values = {key: value_text(v.get(key.removeprefix("pack:")), tz) for _, key, _, _ in extra}
    return {
        **pack_values,
        "visit_id": v["visit_id"],
        "vessel": v.get("vessel_name") or fmt.DASH,
        "terminal": v.get("terminal") or fmt.DASH,
        "departure": fmt.local_time(v.get("departure"), tz),
        "verdict": VERDICT_LABELS.get(v["verdict"], v["verdict"]),
        "basis": basis_text(v.get("basis")),
        "uncontrolled": fmt.hours(v.get("uncontrolled_hours"), 2)
        if v.get("uncontrolled_hours") is not None else fmt.DASH,
        "verdict_key": v["verdict"],
    }


def appendix(results, mode: str = "all", extra: tuple = ()) -> dict:
    """The appendix model: `kind` is "lines" (one line per visit), "summary" (above the
    threshold: visits by verdict and basis) or "none". `extra`: the pack's own columns, after
    the visit's (see `APPENDIX_COLUMNS` for the shape)."""
    import polars as pl

    if mode not in APPENDIX_MODES:
        raise ValueError(f"appendix mode {mode!r}")
    base = {"mode": mode, "threshold": APPENDIX_MAX_VISITS, "total": results.height}
    if mode == "none":
        return {**base, "kind": "none", "listed": 0}
    chosen = results if mode == "all" else results.filter(pl.col("verdict") == "non_compliant")
    base["chosen"] = chosen.height
    if chosen.height <= APPENDIX_MAX_VISITS:
        chosen = chosen.sort("visit_id")
        cells = [appendix_cell(v, extra) for v in chosen.iter_rows(named=True)]
        lines = fixed_width((*APPENDIX_COLUMNS, *extra), cells)
        overflow = len(lines["header"]) - APPENDIX_LINE_MAX
        if extra and overflow > 0:  # a pack's columns: the basis text is cut shorter instead
            lines = fixed_width((*_basis_cap(-overflow), *extra), cells)
        elif overflow < 0:  # room left on the line: a long basis is not cut short of it
            lines = fixed_width((*_basis_cap(-overflow), *extra), cells)
        return {**base, "kind": "lines", "listed": chosen.height, **lines}
    return {**base, "kind": "summary", "listed": 0, "summary": basis_summary(results)}


def _basis_cap(change: int) -> tuple:
    """The appendix columns with the basis column's width changed by `change` characters
    ("controlled in the window, emergency excused part" was cut to "… emergency exc…" on a
    line with room for all of it)."""
    return tuple((t, k, max(BASIS_MIN, (cap or 0) + change), r) if k == "basis"
                 else (t, k, cap, r) for t, k, cap, r in APPENDIX_COLUMNS)


def basis_summary(results) -> list[dict]:
    """Visits and uncontrolled hours by verdict and basis, in the contract's verdict order."""
    import polars as pl

    order = {v: i for i, v in enumerate(VERDICT_LABELS)}
    grouped = (results.group_by("verdict", "basis")
               .agg(pl.len().alias("n"),
                    pl.col("uncontrolled_hours").fill_null(0).sum().alias("h"))
               .rows())
    grouped.sort(key=lambda r: (order.get(r[0], 99), -r[2], r[1] or ""))
    return [{"verdict": VERDICT_LABELS.get(v, v), "verdict_key": v, "basis": b or "",
             "words": basis_text(b), "n": n, "n_text": fmt.integer(n), "hours": fmt.hours(h)}
            for v, b, n, h in grouped]
