"""`berthcheck load` for the source formats (dcsa-jit, wharfinger): dispatch and what the
command prints beyond a plain load (open visits, skipped JIT objects, coverage declared)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from berthcheck.errors import UsageError

SOURCE_KINDS = ("dcsa-jit", "wharfinger")


def adapter_load(con, kind: str, files: list[Path], *, replace: bool, quarantine: bool,
                 errors_out: Path | None, details: Path | None, aliases: Path | None,
                 coverage: bool, read_options=None, mkdir: bool = False):
    """A source kind goes through its adapter; any other kind through `load_files`."""
    if kind in SOURCE_KINDS:
        from berthcheck.ingest.adapters import load_adapter

        return load_adapter(con, kind, files, replace=replace, quarantine=quarantine,
                            errors_out=errors_out, details=details, aliases=aliases,
                            coverage=coverage, mkdir=mkdir, read_options=read_options)
    if details or aliases or not coverage:
        raise UsageError("--details, --terminal-aliases and --no-coverage apply to the "
                         "dcsa-jit and wharfinger kinds only")
    from berthcheck.ingest.load import load_files

    return load_files(con, kind, files, replace=replace, quarantine=quarantine,
                      errors_out=errors_out, read_options=read_options, mkdir=mkdir)


def print_adapter_extras(report, say: Callable[[str], None]) -> None:
    for visit in getattr(report, "open_visits", []):
        say(f"open: {visit.visit_id} ({visit.vessel}) at berth since {visit.arrival}, no BERTH "
            f"DEPA yet ({visit.where}); not loaded")
    for what, count in (getattr(report, "skipped", None) or {}).items():
        say(f"skipped: {count} {what}")
    for port, year in getattr(report, "coverage", []):
        say(f"coverage: {port} {year} declared complete (the Wharfinger file is the port's "
            "record for the year; --no-coverage to leave it out)")
