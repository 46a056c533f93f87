"""`berthcheck load-dir DIR`: a folder of input files, loaded in dependency order as one unit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from berthcheck.cli_common import MAX_ERRORS_SHOWN, DbOption, QuietOption, say, warn, with_store
from berthcheck.errors import BerthcheckError


def load_dir_command(
    folder: Annotated[Path, typer.Argument(help="Folder of files named after their kind (visits.csv, shore_power.xlsx, ...).", show_default=False)],
    db: DbOption = None,
    quarantine: Annotated[
        bool, typer.Option("--quarantine", help="Load the good rows; keep bad ones, with reasons, in the quarantine table.")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="Accept changed rows for ids already loaded (the old version stays in the history).")
    ] = False,
    errors: Annotated[
        Path | None, typer.Option("--errors", help="Write every rejected row to this CSV file.", show_default=False)
    ] = None,
    quiet: QuietOption = False,
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

    report = with_store(db, work)
    for load in report.loads:
        for f in load.files:
            if f.batch_id is None and not f.quarantined:
                say(f"{load.kind:<12} {f.file}: {f.rows_in_file} rows, all already loaded; nothing changed")
                continue
            parts = [f"{f.inserted:,} new", f"{f.unchanged:,} unchanged"]
            if f.replaced:
                parts.append(f"{f.replaced:,} replaced")
            if f.quarantined:
                parts.append(f"{f.quarantined:,} quarantined")
            say(f"{load.kind:<12} {f.file}: {f.rows_in_file:,} rows -> {', '.join(parts)} "
                f"(batch {f.batch_id})")
            for w in f.warnings:
                warn(f"  warning: {w}")
        if load.errors:
            warn(f"{len(load.errors)} problem(s) in quarantined {load.kind} rows:")
            for err in load.errors[:MAX_ERRORS_SHOWN]:
                warn(f"  {err}")
    for path in report.skipped:
        warn(f"skipped {path.name}: its name is not a kind (e.g. visits.csv, shore_power.csv)")
    for line in report.warnings:  # the same lines `check` prints for the tables its pack reads
        warn(f"warning: {line}")


def register(app: typer.Typer) -> None:
    app.command("load-dir")(load_dir_command)
