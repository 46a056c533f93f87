"""The command line: parse options, call the library, turn the outcome into an exit code.

Heavy libraries (polars, DuckDB, pandera, WeasyPrint) are imported inside the commands so
that `berthcheck --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from berthcheck import (
    __version__,
    cli_audit,
    cli_common,
    cli_load,
    cli_rules,
    cli_runs,
    cli_schema,
)
from berthcheck.cli_common import (
    DbOption,
    ErrorsOption,
    FleetOption,
    JsonOption,
    MkdirOption,
    PackOption,
    PortOption,
    QuarantineOption,
    QuietOption,
    ReplaceOption,
    TerminalOption,
)
from berthcheck.cli_common import fail as _fail
from berthcheck.cli_common import say as _say
from berthcheck.cli_common import warn as _warn
from berthcheck.cli_common import with_store as _with_store
from berthcheck.cli_guard import (
    EXIT_PIPE_CLOSED,
    GuardedGroup,
    describe,
    stop_quietly_on_closed_pipe,
)
from berthcheck.collector import collect_the_oldest_less_often
from berthcheck.errors import BerthcheckError, UsageError

app = typer.Typer(
    name="berthcheck",
    cls=GuardedGroup,  # no traceback, ever (cli_guard)
    help="Compliance engine for ships at berth (CARB At-Berth, FuelEU Maritime Art. 6, China's shore-power rule).",
    no_args_is_help=True,
    add_completion=False,
    # Locals would include input rows and paths; never print them.
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

def _version_callback(value: bool) -> None:
    if value:
        _say(f"berthcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version."),
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option("--db", help="DuckDB file for the command that follows (a --db after the command wins).", show_default=False),
    ] = None,
) -> None:
    """Compliance engine for ships at berth."""
    cli_common.set_global_db(db)


def main() -> None:
    collect_the_oldest_less_often()  # a command's long-lived objects (berthcheck/collector.py)
    try:
        app()
    except BrokenPipeError:  # the reader of the output stopped reading (`| head`)
        stop_quietly_on_closed_pipe()
        sys.exit(EXIT_PIPE_CLOSED)
    except BaseException as exc:  # raised outside a command body (rare)
        outcome = describe(exc) if not isinstance(exc, SystemExit) else None
        if outcome is None:
            raise
        _warn(outcome[0])
        sys.exit(outcome[1])


# --- commands -------------------------------------------------------------------------------
# Each command: options -> one library call -> message and exit code. No logic here.


@app.command("load")
def load_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="visits | shore-power | capture | events | berths | terminals | allowances "
            "| caecs | ports | visit-counts | coverage | dcsa-jit | wharfinger",
            show_default=False,
        ),
    ],
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet or XLSX files (JSON for dcsa-jit).", show_default=False)],
    db: DbOption = None,
    quarantine: QuarantineOption = False,
    replace: ReplaceOption = False,
    errors: ErrorsOption = None,
    quiet: QuietOption = False,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="Read CSV files in this encoding (e.g. cp1252, latin-1, utf-16) instead of UTF-8.", show_default=False)
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="XLSX: the sheet to read (required when the workbook has several).", show_default=False)
    ] = None,
    delimiter: Annotated[
        str | None, typer.Option("--delimiter", help="CSV field separator: one character, or 'tab' (default ',').", show_default=False)
    ] = None,
    mkdir: MkdirOption = False,
    details: Annotated[
        Path | None, typer.Option("--details", help="dcsa-jit: CSV of visit_id + visits columns JIT does not carry (or overrides).", show_default=False)
    ] = None,
    terminal_aliases: Annotated[
        Path | None, typer.Option("--terminal-aliases", help="dcsa-jit: CSV port,facility_code,terminal mapping SMDG codes to the port's terminal codes.", show_default=False)
    ] = None,
    no_coverage: Annotated[
        bool, typer.Option("--no-coverage", help="wharfinger: do not declare the port-years complete in coverage.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Load input files of one KIND into the database (all or nothing)."""
    from berthcheck.cli_load_sources import adapter_load, print_adapter_extras
    from berthcheck.cli_progress import progress
    from berthcheck.ingest.read import ReadOptions

    options = ReadOptions(encoding=encoding, sheet=sheet, delimiter=delimiter)

    def work(con):
        from berthcheck.engine.code_spellings import after_load

        with progress(f"loading {kind}: {len(files)} file(s)", quiet=quiet):
            report = adapter_load(
                con, kind, files, replace=replace, quarantine=quarantine, errors_out=errors,
                details=details, aliases=terminal_aliases, coverage=not no_coverage,
                read_options=options, mkdir=mkdir,
            )
            # codes spelt otherwise than the visits', as load-dir says them
            report.warnings = after_load(con, {f.kind for f in report.files})
            return report

    report = _with_store(db, work, create=True)
    if as_json:
        from berthcheck.ingest.load_summary import load_outcome
        from berthcheck.written_files import written_files

        cli_common.print_json({**load_outcome(report), "written_files": written_files([errors])})
        return
    cli_common.say_loaded(report.files, report.errors)
    print_adapter_extras(report, _say)
    for line in report.warnings:
        cli_common.warn(f"warning: {line}")


@app.command("sample")
def sample_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.", show_default=False)],
    visits: Annotated[int, typer.Option("--visits", min=1, help="Visits departing in the month.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")] = 2026,
    month: Annotated[
        str | None, typer.Option("--month", help="Month of departure, YYYY-MM (default 2026-10; for NLRTM 2030-06, as FuelEU Art. 6 applies from 2030).", show_default=False)
    ] = None,
    dirty: Annotated[bool, typer.Option("--dirty", help="Plant data-quality problems (for trying the error reports).")] = False,
    port: Annotated[
        str, typer.Option("--port", help="Port (UN/LOCODE): NLRTM gives a Rotterdam month for the fueleu-art6 pack, CNSHA a Shanghai month for cn-shore-power; any other built-in port the Los Angeles layout.")
    ] = "USLAX",
    force: Annotated[bool, typer.Option("--force", help="Overwrite files already in --out.")] = False,
    quiet: QuietOption = False,
    file_format: Annotated[
        str, typer.Option("--format", help="csv (default), or dcsa-jit: the month as DCSA JIT 2.0 JSON with what JIT does not carry as CSV beside it.")
    ] = "csv",
    mkdir: Annotated[
        bool, typer.Option("--mkdir", help="Create --out's missing parent folders (--out itself is always made).")
    ] = False,
) -> None:
    """Generate a realistic, deterministic month of Port of Los Angeles (or Rotterdam, or Shanghai) data."""
    import re

    from berthcheck import atomic
    from berthcheck.cli_progress import progress
    from berthcheck.sample import generate, would_overwrite
    from berthcheck.sample_eu import EU_LAYOUTS
    from berthcheck.sample_jit import generate_jit

    if month is None:  # a FuelEU port's sample in 2026 would hold no call the pack covers
        month = "2030-06" if port.strip().upper() in EU_LAYOUTS else "2026-10"
    if not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", month):  # ASCII: it makes the visit ids
        _warn(f"error: --month must be YYYY-MM, not {month!r}")
        raise typer.Exit(2)
    if file_format not in ("csv", "dcsa-jit"):
        _warn(f"error: --format must be csv or dcsa-jit, not {file_format!r}")
        raise typer.Exit(2)
    try:
        if not mkdir:  # DIR is made, as `export indicators --out DIR`; a missing parent is a typo
            # until --mkdir; with it the generator makes the folders once the port is known
            atomic.check_parent(out, what="sample data into")
        clash = would_overwrite(out, port=port.strip().upper(), dirty=dirty)
        if clash and not force:
            _warn(f"error: {out} already holds {', '.join(p.name for p in clash)}; "
                  "give --force to overwrite them")
            raise typer.Exit(2)
        with progress(f"generating {visits:,} visits", quiet=quiet):
            files = (generate if file_format == "csv" else generate_jit)(
                out, visits=visits, seed=seed, month=month, port=port.strip().upper(),
                dirty=dirty)
    except BerthcheckError as exc:
        raise _fail(exc) from None
    for name in sorted(files):
        _say(f"wrote {files[name]}")


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo database and outputs.")] = Path("demo-output"),
    pack: Annotated[str, typer.Option("--pack", help="Rule pack whose sample month to run: carb-at-berth-2020 (Los Angeles), fueleu-art6 (Rotterdam) or cn-shore-power (Shanghai).")] = "carb-at-berth-2020",
    mkdir: Annotated[
        bool, typer.Option("--mkdir", help="Create --out's missing parent folders (--out itself is always made).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Load the bundled sample month into a fresh database, check it and show the outcome."""
    from berthcheck import atomic
    from berthcheck.cli_summary import summary_text
    from berthcheck.demo import demo_dict, run_demo

    try:
        if not mkdir:  # DIR is made, as `sample --out DIR`; a missing parent is a typo until --mkdir
            atomic.check_parent(out, what="the demo into")
        report = run_demo(out, pack.strip())
    except BerthcheckError as exc:
        raise _fail(exc) from None
    if as_json:
        _say(json.dumps(demo_dict(report), indent=2, sort_keys=True, ensure_ascii=False,
                        default=str))
        return
    _say(f"sample data: {report.source_dir}")
    _say(f"database:    {report.db_path}")
    for load in report.loads:
        for f in load.files:
            _say(f"  {load.kind:<12} {f.file:<18} {f.inserted:>5} rows loaded")
    _say("")
    _say(summary_text(report.outcome))
    _say("")
    _say(f"results:  {report.results_path}")
    _say(f"findings: {report.findings_path}")
    _say(f"report:   {report.report_path}")


# --- check, rules, runs (engine, issue 3) ------------------------------------------------------

rules_app = typer.Typer(help="List and show the rules of a pack.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
cli_rules.register(rules_app)  # rules test (issue 20), list, show

@app.command("check")
def check_command(
    db: DbOption = None,
    pack: PackOption = "carb-at-berth-2020",
    period: Annotated[
        str | None, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (port-local departure).", show_default=False)
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First departure date, YYYY-MM-DD.", show_default=False)] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last departure date (inclusive), YYYY-MM-DD.", show_default=False)] = None,
    port: PortOption = None,
    terminal: TerminalOption = None,
    fleet: FleetOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write results: .csv, .parquet, .json or .xlsx.", show_default=False)
    ] = None,
    findings_out: Annotated[
        Path | None, typer.Option("--findings", help="Write findings here (default: findings.<ext> beside --out).", show_default=False)
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any visit is non-compliant, or when no visit is in scope.")] = False,
    worst: Annotated[int, typer.Option("--worst", min=0, help="How many worst visits to list.")] = 10,
    manifest_out: Annotated[
        Path | None, typer.Option("--manifest", help="Write the run's manifest (JSON) here; see `berthcheck audit verify`.", show_default=False)
    ] = None,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
    out_format: Annotated[
        str | None, typer.Option("--format", help="With --out -: csv (default) or json on standard output.", show_default=False)
    ] = None,
    mkdir: MkdirOption = False,
    notes: Annotated[
        bool, typer.Option("--notes", help="Also run the pack's note rules as findings (CARB AB01: why a visit is not applicable); by default their text is a results column.")
    ] = False,
) -> None:
    """Check the loaded visits against a rule pack and summarise the verdicts."""
    from berthcheck.atomic import is_stdout

    # with --out - the results go to standard output: the summary goes to standard error
    say = _warn if is_stdout(out) else _say
    try:
        from berthcheck import store
        from berthcheck.cli_progress import progress
        from berthcheck.cli_summary import summary_text
        from berthcheck.engine import check, load_pack, parse_scope
        from berthcheck.engine.export import plan_outputs
        from berthcheck.engine.outputs import write_check_outputs
        from berthcheck.engine.scope import resolve_scope
        from berthcheck.engine.summary import summary_dict
        from berthcheck.run_warnings import run_warnings

        scope = parse_scope(period, date_from, date_to, port, terminal, fleet)
        pack_obj = load_pack(pack)
        findings_target = plan_outputs(
            out, findings_out, manifest_out=manifest_out,
            inputs=(store.resolve_db_path(cli_common.db_path(db)),),
            stream_format=out_format, mkdir=mkdir,
        )
        con = store.connect(cli_common.existing_db(db))
        try:
            store.check_not_loaded(con, [("--out", out), ("--findings", findings_target),
                                         ("--manifest", manifest_out)])
            scope = resolve_scope(con, scope)
            with progress(f"checking {pack_obj.label}", quiet=quiet):
                outcome = check(con, pack_obj, scope=scope, notes=notes)
            # the lines `report`, the exports and `runs export` give for the same run
            warnings = run_warnings(con, pack_obj, scope, outcome.results)
        finally:
            con.close()
        written = write_check_outputs(outcome.results, outcome.findings, out, findings_target,
                                      stream_format=out_format, mkdir=mkdir)
        if manifest_out is not None:
            from berthcheck.audit import write_manifest

            write_manifest(outcome.manifest, manifest_out, mkdir=mkdir)
    except BerthcheckError as exc:
        raise _fail(exc) from None
    for line in warnings:
        _warn(f"warning: {line}")
    if as_json:
        from berthcheck.written_files import written_files

        files = written_files([out, findings_target, manifest_out])
        say(json.dumps(summary_dict(outcome, worst=worst, warnings=warnings, written=written,
                                    written_files=files),
                       indent=2, sort_keys=True, ensure_ascii=False, default=str))
    else:
        say(summary_text(outcome, worst=worst))
        if written:
            say(f"\nwrote {' and '.join(written)}")
        if manifest_out is not None:
            say(f"wrote manifest {manifest_out}")
        say(f"checked in {outcome.elapsed_seconds:.2f} s")
    if strict and not outcome.results.height:
        _warn("error: --strict: the scope holds no visit")
        raise typer.Exit(1)
    if strict and outcome.non_compliant:
        raise typer.Exit(1)


# --- audit (issue 6): berthcheck/cli_audit.py ----------------------------------------------------

app.add_typer(cli_audit.audit_app, name="audit")


# --- report (issue 5) ---------------------------------------------------------------------------


@app.command("report")
def report_command(
    out: Annotated[
        Path, typer.Option("--out", help="The report: FILE.pdf, or FILE.html from the same templates.", show_default=False)
    ],
    period: Annotated[
        str | None, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (port-local departure); not with --run.", show_default=False)
    ] = None,
    port: PortOption = None,
    terminal: TerminalOption = None,
    fleet: FleetOption = None,
    run: Annotated[
        str | None, typer.Option("--run", help="Render this stored run (see `berthcheck runs list`), even if the inputs changed since.", show_default=False)
    ] = None,
    db: DbOption = None,
    pack: Annotated[
        str | None, typer.Option("--pack", help="Rule pack id, or a pack folder's path (see `berthcheck rules list`, docs/packs.md); default carb-at-berth-2020; not with --run.", show_default=False)
    ] = None,
    quiet: QuietOption = False,
    mkdir: MkdirOption = False,
    appendix: Annotated[str, typer.Option("--appendix", help="The appendix's visit list: all, non-compliant or none (above 2 500 visits: a summary table; the attached CSV has every visit).")] = "all",
    page_size: Annotated[str, typer.Option("--page-size", help="letter or a4.")] = "letter",
) -> None:
    """Write the compliance report (PDF or HTML) for a period, from the stored run for the
    current inputs or a fresh check; or, with --run, for one stored run."""
    try:
        from berthcheck import store
        from berthcheck.cli_progress import progress
        from berthcheck.engine.scope import resolve_scope
        from berthcheck.report import (
            DEFAULT_PACK,
            build_report,
            check_layout,
            check_output,
            report_scope,
        )

        check_output(out)
        check_layout(appendix, page_size)
        if run is not None:
            if period or port or terminal or fleet:
                raise UsageError("--run renders the run's own period and scope; "
                                 "give no --period, --port, --terminal or --fleet with it")
            if pack is not None:
                raise UsageError("--run renders the run with its own rule pack; "
                                 "give no --pack with it")
        else:
            scope = report_scope(period, port, terminal, fleet)  # usage errors before the DB
        from berthcheck import atomic

        atomic.check_distinct([("--out", out)], (store.resolve_db_path(cli_common.db_path(db)),))
        atomic.check_parent(out, mkdir=mkdir, what="report")
        # a stored run is only read: open the database as the other read-only commands do
        con = (cli_common.connect_for_reading(db) if run is not None
               else store.connect(cli_common.existing_db(db)))
        try:
            with progress("writing the report", quiet=quiet):
                if run is not None:
                    from berthcheck.report.stored import build_stored_report

                    outcome = build_stored_report(con, run.strip(), out, mkdir=mkdir,
                                                  appendix=appendix, page_size=page_size)
                else:
                    assert period is not None  # report_scope refused a missing --period
                    scope = resolve_scope(con, scope)
                    outcome = build_report(
                        con, period=period, port=scope.port, terminal=scope.terminal,
                        fleet=scope.fleet, out=out, pack=pack or DEFAULT_PACK, mkdir=mkdir,
                        appendix=appendix, page_size=page_size,
                    )
        finally:
            con.close()
    except BerthcheckError as exc:
        raise _fail(exc) from None
    for line in outcome.warnings:  # the run's, as `check` says them (berthcheck/run_warnings.py)
        _warn(f"warning: {line}")
    from berthcheck.report.glyphs import warning as undrawable_warning

    if (boxes := undrawable_warning(outcome.undrawable)) is not None:
        _warn(boxes)
    source = "stored run" if outcome.reused_run else "new run"
    pages = f"{outcome.pages} pages, " if outcome.pages else ""
    _say(
        f"wrote {outcome.path} ({pages}{outcome.visits} visits, {source} {outcome.run_id}) "
        f"in {outcome.seconds:.1f} s"
    )


# --- issue 17: commands in their own modules ----------------------------------------------------

cli_schema.register(app)
cli_load.register(app)
app.add_typer(cli_runs.runs_app, name="runs")

# --- export and compare (issue 19) --------------------------------------------------------------
from berthcheck.cli_export import compare_command, export_app  # noqa: E402

app.add_typer(export_app, name="export")
app.command("compare")(compare_command)
