"""A load's outcome as plain data, for `load --json` and `load-dir --json`: what each file did
(rows new, unchanged, replaced, quarantined; its batch), the problems of the rows it
quarantined, and the warnings the command prints. A script reads this instead of parsing the
lines meant for people. The keys are documented in the README ("load ... --json")."""

from __future__ import annotations

from typing import Any

from berthcheck.errors import RowError


def problem(error: RowError) -> dict[str, Any]:
    """One quarantined row's problem, as a line of the `--errors` file."""
    out: dict[str, Any] = {"file": error.file, "row": error.row, "column": error.column,
                           "value": error.value, "reason": error.reason}
    if error.path:  # a JSON source: where in it the value is
        out["path"] = error.path
    return out


def file_outcome(report) -> dict[str, Any]:
    """One file's `FileReport` (berthcheck/ingest/load.py). `batch` is null when nothing
    changed (every row already loaded, or none below the header)."""
    return {
        "file": report.file,
        "kind": report.kind,
        "rows": report.rows_in_file,
        "new": report.inserted,
        "unchanged": report.unchanged,
        "replaced": report.replaced,
        "quarantined": report.quarantined,
        "batch": report.batch_id,
        "warnings": [problem(w) for w in report.warnings],
        "notes": list(report.notes),
        "unread_columns": list(getattr(report, "unread_columns", ())),
        # of those, the ones that look like a column the file lacks (the text line's hint)
        "unread_meant": dict(getattr(report, "unread_meant", {})),
    }


def load_outcome(report) -> dict[str, Any]:
    """A `load`'s report: its files, the quarantined rows' problems, and for the source
    kinds (dcsa-jit, wharfinger) what they left out or declared."""
    out: dict[str, Any] = {
        "kind": report.kind,
        "files": [file_outcome(f) for f in report.files],
        "quarantined_problems": [problem(e) for e in sorted(report.errors)],
        # `load`'s lines about the store (empty in `load-dir`'s loads: the folder's say them)
        "warnings": list(report.warnings),
    }
    if hasattr(report, "open_visits"):  # the source adapters (berthcheck/ingest/adapters.py)
        out["open_visits"] = [{"visit_id": v.visit_id, "vessel": v.vessel,
                               "arrival": v.arrival, "where": v.where}
                              for v in report.open_visits]
        out["skipped"] = dict(report.skipped)
        out["coverage_declared"] = [{"port": port, "year": year}
                                    for port, year in report.coverage]
    return out


def folder_outcome(report) -> dict[str, Any]:
    """A `load-dir`'s report (berthcheck/ingest/load_dir.py): each kind's load in the order
    loaded, the files skipped, the kinds still empty and what that means."""
    return {
        "folder": str(report.folder),
        "loads": [load_outcome(load) for load in report.loads],
        "skipped": [p.name for p in report.skipped],
        "empty_kinds": list(report.empty_kinds),
        "warnings": list(report.warnings),
    }
