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
    fail,
    say_loaded,
    warn,
    with_store,
)
from berthcheck.errors import BerthcheckError, escaped_controls


def load_dir_command(
    folder: Annotated[Path, typer.Argument(help="Folder of files named after their kind (visits.csv, shore_power.xlsx, ...).", show_default=False)],
    db: DbOption = None,
    quarantine: QuarantineOption = False,
    replace: ReplaceOption = False,
    errors: ErrorsOption = None,
    quiet: QuietOption = False,
    as_json: JsonOption = False,
    encoding: Annotated[
        list[str] | None, typer.Option("--encoding", help="CSV encoding (e.g. cp1252, latin-1): ENC for every CSV file, or FILE=ENC for one file of the folder; repeatable.", show_default=False)
    ] = None,
    sheet: Annotated[
        list[str] | None, typer.Option("--sheet", help="XLSX sheet to read: NAME for every workbook, or FILE=NAME for one; repeatable.", show_default=False)
    ] = None,
    delimiter: Annotated[
        list[str] | None, typer.Option("--delimiter", help="CSV field separator (one character or 'tab'): C for every CSV file, or FILE=C for one; repeatable.", show_default=False)
    ] = None,
) -> None:
    """Load every recognised file of a folder in dependency order (all or nothing), then say
    which kinds are empty and what that means for the verdicts."""
    from berthcheck.cli_progress import progress
    from berthcheck.ingest.folder_options import folder_read_options
    from berthcheck.ingest.load_dir import load_dir, plan

    given = {option: values for option, values in (
        ("--encoding", encoding), ("--sheet", sheet), ("--delimiter", delimiter)) if values}
    if given:  # a FILE not in the folder is a usage error before the database is opened
        try:
            folder_read_options(folder, *plan(folder), given)
        except BerthcheckError as exc:
            raise fail(exc) from None

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
                            errors_out=errors, on_kind=step, read_options=given)

    report = with_store(db, work, create=True)
    if as_json:
        from berthcheck.cli_common import print_json
        from berthcheck.ingest.load_summary import folder_outcome
        from berthcheck.written_files import written_files

        print_json({**folder_outcome(report), "written_files": written_files([errors])})
        return
    for load in report.loads:
        say_loaded(load.files, load.errors, kind=load.kind)
    for path in report.skipped:
        # a name is the user's text: a control character in it (ESC) is shown, not sent raw
        warn(f"skipped {escaped_controls(path.name)}: its name is not a kind (e.g. visits.csv, "
             "shore_power.csv)")
    for line in report.warnings:  # the same lines `check` prints for the tables its pack reads
        warn(f"warning: {line}")


def register(app: typer.Typer) -> None:
    app.command("load-dir")(load_dir_command)
