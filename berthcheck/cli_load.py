"""`berthcheck load-dir DIR`: a folder of input files, loaded in dependency order as one unit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from berthcheck.cli_common import (
    DbOption,
    ErrorsOption,
    JsonOption,
    QuarantineOption,
    QuietOption,
    ReplaceOption,
    say_loaded,
    warn,
    with_store,
)
from berthcheck.errors import BerthcheckError


def load_dir_command(
    folder: Annotated[Path, typer.Argument(help="Folder of files named after their kind (visits.csv, shore_power.xlsx, ...).", show_default=False)],
    db: DbOption = None,
    quarantine: QuarantineOption = False,
    replace: ReplaceOption = False,
    errors: ErrorsOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
) -> None:
    """Load every recognised file of a folder in dependency order (all or nothing), then say
    which kinds are empty and what that means for the verdicts."""
    from berthcheck.cli_progress import progress
    from berthcheck.ingest.load_dir import load_dir, plan

    def work(con):
        try:
            files, _ = plan(folder)
        except BerthcheckError:
            files = {}  # load_dir says why
        total = sum(len(v) for v in files.values()) or None
        with progress("loading", total, quiet=quiet) as bar:
            def step(kind: str, paths: list[Path]) -> None:
                for p in paths:
                    bar.advance(f"loading {kind}: {p.name}")

            return load_dir(con, folder, replace=replace, quarantine=quarantine,
                            errors_out=errors, on_kind=step)

    report = with_store(db, work, create=True)
    if as_json:
        from berthcheck.cli_common import print_json
        from berthcheck.ingest.load_summary import folder_outcome

        print_json(folder_outcome(report))
        return
    for load in report.loads:
        say_loaded(load.files, load.errors, kind=load.kind)
    for path in report.skipped:
        warn(f"skipped {path.name}: its name is not a kind (e.g. visits.csv, shore_power.csv)")
    for line in report.warnings:  # the same lines `check` prints for the tables its pack reads
        warn(f"warning: {line}")


def register(app: typer.Typer) -> None:
    app.command("load-dir")(load_dir_command)
