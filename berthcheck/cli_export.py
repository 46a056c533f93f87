"""The `export` commands and `compare`: options -> one library call -> message and exit code.

`cli.py` registers `export_app` (as `berthcheck export ...`) and `compare_command` (as
`berthcheck compare`). Heavy libraries load inside the commands only.
"""

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
    with_store,
)
from berthcheck.errors import BerthcheckError, UsageError

export_app = typer.Typer(
    help="Hand the results on: CARB visit reports, Wharfinger data, FuelEU per-call records, "
    "indicators for partner ports.",
    no_args_is_help=True,
)

PeriodOption = Annotated[
    str, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (port-local departure).",
                      show_default=False)
]
PortOption = Annotated[
    str | None, typer.Option("--port", help="Only visits at this port (UN/LOCODE).",
                             show_default=False)
]
TableOutOption = Annotated[
    Path, typer.Option("--out", help="FILE.csv (with FILE.fields.csv) or FILE.xlsx.",
                       show_default=False)
]


def _folder_ready(out: Path, mkdir: bool, db: Path | None) -> None:
    """The folder `--out` goes into exists, or `--mkdir` makes it (as for every output), and
    `--out` is not the database: said before a run is made for the export (the files' other
    names are checked against it, and the loaded files, once built)."""
    from berthcheck import atomic, store
    from berthcheck.cli_common import db_path

    try:
        store.refuse_database([("--out", out)], store.resolve_db_path(db_path(db)))
        atomic.check_parent(out, mkdir=mkdir, what="export")
    except BerthcheckError as exc:
        raise fail(exc) from None


def _done(outcome, as_json: bool = False) -> None:
    # on standard error, as `check`'s: standard output keeps its documented lines (or the JSON)
    for note in outcome.notes:
        typer.echo(f"note: {note}", err=True)
    for warning in outcome.warnings:
        typer.echo(f"warning: {warning}", err=True)
    if as_json:
        from berthcheck.written_files import written_files

        print_json({
            "kind": outcome.kind, "export_id": outcome.export_id, "run_id": outcome.run_id,
            "reused_run": outcome.reused_run, "rows": outcome.rows,
            "pack": outcome.pack, "pack_version": outcome.pack_version,
            "incomplete": outcome.incomplete, "visits": outcome.visits,
            "files": {str(p): outcome.sha256[p.name] for p in outcome.paths},
            # the shape every command's --json names files in (berthcheck/written_files.py)
            "written_files": written_files(
                outcome.paths, {str(p): outcome.sha256[p.name] for p in outcome.paths}),
            "notes": outcome.notes, "warnings": outcome.warnings,
        })
        return
    source = "stored run" if outcome.reused_run else "new run"
    for path in outcome.paths:
        typer.echo(f"wrote {path}")
    extra = f", {outcome.incomplete} incomplete" if outcome.incomplete else ""
    typer.echo(f"{outcome.kind}: {outcome.rows} rows{extra} from {source} {outcome.run_id}; "
               f"export {outcome.export_id} (see `berthcheck audit verify {outcome.run_id}`)")


@export_app.command("carb-visit-report")
def carb_visit_report_command(
    party: Annotated[str, typer.Option("--party", help="vessel | terminal | caecs.",
                                       show_default=False)],
    period: PeriodOption,
    out: TableOutOption,
    fleet: Annotated[str | None, typer.Option("--fleet", help="Party vessel: only this fleet.",
                                              show_default=False)] = None,
    operator: Annotated[str | None, typer.Option(
        "--operator", help="Party vessel: only the visits of this vessel operator (the visits' "
        "`operator`), in a fleet or not.", show_default=False)] = None,
    terminal: Annotated[str | None, typer.Option("--terminal",
                                                 help="Party terminal: only this terminal.",
                                                 show_default=False)] = None,
    provider: Annotated[str | None, typer.Option(
        "--provider", help="Party caecs: only capture sessions of this CAECS operator.",
        show_default=False)] = None,
    port: PortOption = None,
    db: DbOption = None,
    mkdir: MkdirOption = False,
    as_json: JsonOption = False,
) -> None:
    """One row per visit with the fields CARB's visit report lists for that party, in
    port-local time, with the due date and the missing required fields."""
    from berthcheck.export.carb_visits import export_carb_visit_report

    _folder_ready(out, mkdir, db)
    _done(with_store(db, lambda con: export_carb_visit_report(
        con, party=party, period=period, out=out, fleet=fleet, terminal=terminal,
        provider=provider, port=port, operator=operator)), as_json)


@export_app.command("wharfinger")
def wharfinger_command(
    year: Annotated[str, typer.Option("--year", help="Calendar year, YYYY.", show_default=False)],
    port: Annotated[str, typer.Option("--port", help="The port (UN/LOCODE).", show_default=False)],
    out: TableOutOption,
    db: DbOption = None,
    mkdir: MkdirOption = False,
    as_json: JsonOption = False,
) -> None:
    """§ 93130.13(d) Wharfinger data for every visit of the year, and visit counts per terminal
    and vessel type (loadable as `visit-counts`)."""
    from berthcheck.export.wharfinger import export_wharfinger

    _folder_ready(out, mkdir, db)
    _done(with_store(db, lambda con: export_wharfinger(con, year=year, port=port, out=out)),
          as_json)


@export_app.command("fueleu-calls")
def fueleu_calls_command(
    period: PeriodOption,
    out: TableOutOption,
    port: PortOption = None,
    db: DbOption = None,
    mkdir: MkdirOption = False,
    as_json: JsonOption = False,
) -> None:
    """FuelEU Art. 6 per-call records for a verifier (pack fueleu-art6)."""
    from berthcheck.export.fueleu_calls import export_fueleu_calls

    _folder_ready(out, mkdir, db)
    _done(with_store(db, lambda con: export_fueleu_calls(con, period=period, out=out,
                                                        port=port)), as_json)


@export_app.command("indicators")
def indicators_command(
    period: PeriodOption,
    out: Annotated[Path, typer.Option("--out", help="A folder, or FILE.zip.", show_default=False)],
    port: PortOption = None,
    pack: Annotated[str | None, typer.Option(
        "--pack", help="Rule pack id or a pack folder's path; default: the built-in pack of the "
        "ports in scope (several regimes: give --pack).", show_default=False)] = None,
    db: DbOption = None,
    mkdir: MkdirOption = False,
    as_json: JsonOption = False,
) -> None:
    """Monthly at-berth indicators by port, month and vessel type as a Frictionless Data
    Package (datapackage.json + indicators.csv)."""
    from berthcheck.export.indicators import export_indicators

    _folder_ready(out, mkdir, db)  # a folder --out is itself the output: its parent must exist
    _done(with_store(db, lambda con: export_indicators(con, period=period, out=out, port=port,
                                                 pack=pack)), as_json)


# `export list --csv`: one line per file written (a record without readable files: one line,
# file empty), its export's facts repeated; the parameters as JSON text (keys sorted)
EXPORT_CSV_COLUMNS = ["export_id", "run_id", "kind", "parameters", "file", "sha256", "damaged"]


@export_app.command("list")
def list_command(
    run: Annotated[str | None, typer.Option("--run", help="Only exports of this run.",
                                            show_default=False)] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """List recorded exports: id, run, kind, parameters and each file's sha256."""
    import json

    from berthcheck import store
    from berthcheck.export.proof import export_records

    one_format(as_json, as_csv)

    def records_of(con):
        run_id = run.strip() if run else None
        if run_id is not None and not store.scalar(
                con, "SELECT count(*) FROM runs WHERE run_id = ?", [run_id]):
            # an unknown run id is a usage error (exit 2), as in `runs show`
            raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
        return export_records(con, run_id)

    records = with_store(db, records_of, read_only=True)
    if as_json:
        print_json([{"export_id": r.export_id, "run_id": r.run_id, "kind": r.kind,
                     "parameters": r.parameters, "files": r.files,
                     **({"damaged": r.damaged} if r.damaged else {})} for r in records])
        return
    if as_csv:
        print_csv(EXPORT_CSV_COLUMNS, [
            {"export_id": r.export_id, "run_id": r.run_id, "kind": r.kind,
             "parameters": json.dumps(r.parameters, sort_keys=True, ensure_ascii=False),
             "file": name, "sha256": digest, "damaged": r.damaged}
            for r in records for name, digest in (sorted(r.files.items()) or [(None, None)])])
        return
    if not records:
        typer.echo("no exports recorded")
    for r in records:
        typer.echo(f"{r.export_id}  run {r.run_id}  {r.kind}  "
                   f"{json.dumps(r.parameters, sort_keys=True)}")
        for name, digest in sorted(r.files.items()):
            typer.echo(f"    {digest}  {name}")
        if r.damaged:
            typer.echo(f"    damaged: {r.damaged} (see `berthcheck audit verify {r.run_id}`)")


def compare_command(
    packages: Annotated[list[Path], typer.Argument(
        help="Two or more indicator packages (FILE.zip or folders with datapackage.json).",
        show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="FILE.pdf or FILE.html.", show_default=False)],
    mkdir: MkdirOption = False,
    as_json: JsonOption = False,
) -> None:
    """Render two or more ports' indicator packages side by side (HTML or PDF, with charts);
    packages made with different rule packs or pack versions are refused."""
    from berthcheck.export.compare import compare_packages

    try:
        outcome = compare_packages(packages, out, mkdir=mkdir)
    except BerthcheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    if as_json:
        from berthcheck.written_files import written_files

        print_json({
            "format": outcome.format, "pack": outcome.pack[0], "pack_version": outcome.pack[1],
            "packages": outcome.compared, "rows": outcome.rows,
            "undrawable": [u.text for u in outcome.undrawable],
            "warnings": outcome.warnings,
            "written_files": written_files([outcome.path], {str(outcome.path): outcome.sha256}),
        })
    else:
        typer.echo(f"wrote {outcome.path} ({outcome.packages} packages, {outcome.rows} rows)")
    for text in outcome.warnings:
        typer.echo(f"warning: {text}", err=True)
    from berthcheck.report.glyphs import warning

    boxes = warning(outcome.undrawable, "The indicator rows attached to the PDF hold them "
                                        "exactly; a note below the last table lists them")
    if boxes is not None:
        typer.echo(boxes, err=True)
