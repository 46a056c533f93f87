"""`berthcheck audit verify | diff | manifest`: where a run's results came from, and how two
runs differ (berthcheck/audit/)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from berthcheck.cli_common import (
    CsvOption,
    DbOption,
    JsonOption,
    MkdirOption,
    fail,
    one_format,
    print_csv,
    print_json,
    say,
    with_store,
)
from berthcheck.errors import BerthcheckError

audit_app = typer.Typer(
    help="Prove where a run's results came from (verify) and compare two runs (diff).",
    no_args_is_help=True,
)

RunIdArgument = Annotated[str, typer.Argument(help="A run id (see `berthcheck runs list`).", show_default=False)]


@audit_app.command("verify")
def audit_verify_command(
    run_id: RunIdArgument,
    db: DbOption = None,
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", help="Compare with this manifest file (as written by `check --manifest`) instead of the stored one.", show_default=False),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Recompute a run from its inputs as they stood then; exit 0 if every hash matches, 1 if not."""
    from berthcheck.audit import read_manifest_file, verify

    try:
        given = read_manifest_file(manifest, run_id.strip()) if manifest is not None else None
    except BerthcheckError as exc:
        raise fail(exc) from None
    report = with_store(db, lambda con: verify(con, run_id.strip(), given), wait=True)
    _print_report(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("diff")
def audit_diff_command(
    run_a: Annotated[str, typer.Argument(help="The earlier run id.", show_default=False)],
    run_b: Annotated[str, typer.Argument(help="The later run id.", show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """List visits whose verdict, basis, hours, responsible party, penalty or violation days
    differ between two runs, and why; exit 1 when the runs differ (scope, pack, inputs, check --notes or
    results), 0 when they do not."""
    from berthcheck.audit import diff
    from berthcheck.audit.diff import DIFF_CSV_COLUMNS

    one_format(as_json, as_csv)
    report = with_store(db, lambda con: diff(con, run_a.strip(), run_b.strip()), read_only=True)
    if as_csv:
        print_csv(DIFF_CSV_COLUMNS, report.csv_rows())
    else:
        _print_report(report, as_json)
    if report.differs:
        raise typer.Exit(1)


@audit_app.command("manifest")
def audit_manifest_command(
    run_id: RunIdArgument,
    db: DbOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write it to this file instead of printing it.", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The manifest on standard output, also with --out (it is JSON with or without --json).")] = False,
    mkdir: MkdirOption = False,
) -> None:
    """Print (or write) the stored manifest of a run, as JSON."""
    from berthcheck import store
    from berthcheck.audit import manifest_for, manifest_text, write_manifest

    try:
        def read(con):
            if out is not None:
                store.check_not_loaded(con, [("--out", out)])
            return manifest_for(con, run_id.strip())

        manifest = with_store(db, read, read_only=True)
        if out is not None:
            write_manifest(manifest, out, mkdir=mkdir)
    except BerthcheckError as exc:
        raise fail(exc) from None
    # --json: the manifest on standard output, with --out too (the file holds the same bytes),
    # never the `wrote` line a script would read as JSON
    if out is None or as_json:
        typer.echo(manifest_text(manifest), nl=False)
    else:
        say(f"wrote {out}")


def _print_report(report, as_json: bool) -> None:
    """An audit report as JSON (for scripts) or as its lines of text."""
    if as_json:
        print_json(report.as_dict())
    else:
        for line in report.lines():
            say(line)
