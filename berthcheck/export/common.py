"""The steps every export shares: obtain the run, build the files in memory, write them
atomically, then record them for `audit verify`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck import store
from berthcheck.export.files import write_files
from berthcheck.export.proof import record_export
from berthcheck.export.source import ExportRun, obtain_run
from berthcheck.run_warnings import run_warnings


@dataclass
class Built:
    """An export built in memory: file name -> bytes, plus counts for the command's message."""

    files: dict[str, bytes]
    rows: int = 0
    incomplete: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class ExportOutcome:
    kind: str
    export_id: str
    run_id: str
    reused_run: bool
    paths: list[Path]
    rows: int
    incomplete: int
    notes: list[str] = field(default_factory=list)
    visits: int = 0  # visits in the run's scope
    # what a reader of the files should know: said as `check` says it ("warning: ...")
    warnings: list[str] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)  # file name -> sha256, as recorded
    pack: str = ""  # the run's rule pack and version: what a partner must export with
    pack_version: str = ""


def make_export(con, *, kind: str, parameters: dict, scope, pack_id: str,
                build: Callable[[object, ExportRun, dict], Built], folder: Path,
                names: list[str]) -> ExportOutcome:
    """`names`: every file the export will write into `folder`, checked against the database
    and the loaded files before `obtain_run` stores a run: a refused output is a usage error
    that leaves nothing behind, no file and no new run."""
    store.check_not_loaded(con, [("--out", Path(folder) / name) for name in sorted(names)])
    run = obtain_run(con, scope, pack_id)
    built = build(con, run, parameters)
    if set(built.files) - set(names):  # a build writing a name not checked above: our bug
        raise AssertionError(f"{kind}: files {sorted(set(built.files) - set(names))} were "
                             "not checked before the run")
    # written first: an export whose files could not be written is never recorded (so neither
    # `export list` nor `audit verify` names files that do not exist)
    paths = write_files(folder, built.files)
    record = record_export(con, run.run_id, kind, parameters, built.files)
    visits = run.results.height
    # the run's warnings, as `check` and `report` give them (berthcheck/run_warnings.py): said
    # beside the files, never in them (a regulator's format has no place for them)
    warnings = run_warnings(con, run.pack, scope, run.results)
    return ExportOutcome(kind, record.export_id, run.run_id, run.reused, paths, built.rows,
                         built.incomplete, built.notes, visits, warnings, dict(record.files),
                         run.pack.id, run.pack.version)


def plus_days(day: dt.date | None, days: int) -> str | None:
    return None if day is None else (day + dt.timedelta(days=days)).isoformat()


def hours(value) -> float | None:
    return None if value is None else round(float(value), 4)
