"""The command line: parse options, call the library, turn the outcome into an exit code.

Heavy libraries (polars, DuckDB, pandera, WeasyPrint) are imported inside the commands so
that `berthcheck --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from berthcheck import __version__
from berthcheck.errors import BerthcheckError, InputRejected

app = typer.Typer(
    name="berthcheck",
    help="Compliance engine for ships at berth (CARB At-Berth, FuelEU Maritime Art. 6).",
    no_args_is_help=True,
    add_completion=False,
    # Locals would include input rows and paths; never print them.
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
)

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="DuckDB file (default: $BERTHCHECK_DB, else ./berthcheck.duckdb).",
        show_default=False,
    ),
]

MAX_ERRORS_SHOWN = 50


def _say(message: str = "") -> None:
    typer.echo(message)


def _warn(message: str) -> None:
    typer.echo(message, err=True)


def _fail(exc: BerthcheckError) -> typer.Exit:
    """Print a domain error as one clear message (and its rows) and pick the exit code."""
    if isinstance(exc, InputRejected):
        _warn(f"error: {exc.headline}")
        for err in exc.errors[:MAX_ERRORS_SHOWN]:
            _warn(f"  {err}")
        if len(exc.errors) > MAX_ERRORS_SHOWN:
            _warn(
                f"  ... and {len(exc.errors) - MAX_ERRORS_SHOWN} more; "
                "use --errors FILE.csv to write them all"
            )
    else:
        _warn(f"error: {exc}")
    return typer.Exit(exc.exit_code)


def _with_store(db: Path | None, work):
    """Open the store, run `work(con)`, close it. A domain error becomes its message and exit
    code; so does one raised before the store opens (e.g. an option checked inside `work`)."""
    from berthcheck import store

    try:
        con = store.connect(db)
        try:
            return work(con)
        finally:
            con.close()
    except BerthcheckError as exc:
        raise _fail(exc) from None


def _print_report(report, as_json: bool) -> None:
    """An audit report as JSON (for scripts) or as its lines of text."""
    if as_json:
        _print_json(report.as_dict())
    else:
        for line in report.lines():
            _say(line)


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
) -> None:
    """Compliance engine for ships at berth."""


def main() -> None:
    try:
        app()
    except BerthcheckError as exc:  # raised outside a command body (rare)
        _warn(f"error: {exc}")
        sys.exit(exc.exit_code)


# --- commands -------------------------------------------------------------------------------
# Each command: options -> one library call -> message and exit code. No logic here.


@app.command("load")
def load_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="visits | shore-power | capture | events | berths | terminals | allowances "
            "| caecs | ports | visit-counts | coverage",
            show_default=False,
        ),
    ],
    files: Annotated[list[Path], typer.Argument(help="CSV, Parquet or XLSX files.", show_default=False)],
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
) -> None:
    """Load input files of one KIND into the database (all or nothing)."""
    from berthcheck.ingest.load import load_files

    report = _with_store(db, lambda con: load_files(
        con, kind, files, replace=replace, quarantine=quarantine, errors_out=errors
    ))
    for f in report.files:
        if f.batch_id is None and not f.quarantined:
            _say(f"{f.file}: {f.rows_in_file} rows, all already loaded; nothing changed")
            continue
        parts = [f"{f.inserted} new", f"{f.unchanged} unchanged"]
        if f.replaced:
            parts.append(f"{f.replaced} replaced")
        if f.quarantined:
            parts.append(f"{f.quarantined} quarantined")
        _say(f"{f.file}: {f.rows_in_file} rows -> {', '.join(parts)} (batch {f.batch_id})")
        for w in f.warnings:
            _warn(f"  warning: {w}")
        for note in f.notes:
            _say(f"  {note}")
    if report.errors:
        _warn(f"{len(report.errors)} problem(s) in quarantined rows:")
        for err in report.errors[:MAX_ERRORS_SHOWN]:
            _warn(f"  {err}")
        if len(report.errors) > MAX_ERRORS_SHOWN:
            _warn(f"  ... and {len(report.errors) - MAX_ERRORS_SHOWN} more (see the quarantine table or --errors)")


@app.command("sample")
def sample_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files into.", show_default=False)],
    visits: Annotated[int, typer.Option("--visits", min=1, help="Visits departing in the month.")] = 200,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; the same seed gives the same files.")] = 2026,
    month: Annotated[str, typer.Option("--month", help="Month of departure, YYYY-MM.")] = "2026-10",
    dirty: Annotated[bool, typer.Option("--dirty", help="Plant data-quality problems (for trying the error reports).")] = False,
    port: Annotated[
        str, typer.Option("--port", help="Port (UN/LOCODE): NLRTM gives a Rotterdam month for the fueleu-art6 pack, CNSHA a Shanghai month for cn-shore-power; any other built-in port the Los Angeles layout.")
    ] = "USLAX",
) -> None:
    """Generate a realistic, deterministic month of Port of Los Angeles (or Rotterdam) data."""
    import re

    from berthcheck.sample import generate

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        _warn(f"error: --month must be YYYY-MM, not {month!r}")
        raise typer.Exit(2)
    try:
        files = generate(out, visits=visits, seed=seed, month=month, port=port.strip().upper(),
                         dirty=dirty)
    except BerthcheckError as exc:
        raise _fail(exc) from None
    for name in sorted(files):
        _say(f"wrote {files[name]}")


@app.command("demo")
def demo_command(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo database and outputs.")] = Path("demo-output"),
    pack: Annotated[str, typer.Option("--pack", help="Rule pack whose sample month to run: carb-at-berth-2020 (Los Angeles), fueleu-art6 (Rotterdam) or cn-shore-power (Shanghai).")] = "carb-at-berth-2020",
) -> None:
    """Load the bundled sample month into a fresh database, check it and show the outcome."""
    from berthcheck.demo import run_demo
    from berthcheck.engine.summary import summary_lines

    try:
        report = run_demo(out, pack.strip())
    except BerthcheckError as exc:
        raise _fail(exc) from None
    _say(f"sample data: {report.source_dir}")
    _say(f"database:    {report.db_path}")
    for load in report.loads:
        for f in load.files:
            _say(f"  {load.kind:<12} {f.file:<18} {f.inserted:>5} rows loaded")
    _say("")
    for line in summary_lines(report.outcome):
        _say(line)
    _say("")
    _say(f"results:  {report.results_path}")
    _say(f"findings: {report.findings_path}")
    _say(f"report:   {report.report_path}")


# --- check, rules, runs (engine, issue 3) ------------------------------------------------------

rules_app = typer.Typer(help="List and show the rules of a pack.", no_args_is_help=True)
runs_app = typer.Typer(help="Stored check runs.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")
app.add_typer(runs_app, name="runs")

PackOption = Annotated[
    str, typer.Option("--pack", help="Rule pack id (see `berthcheck rules list`).")
]


@app.command("check")
def check_command(
    db: DbOption = None,
    pack: PackOption = "carb-at-berth-2020",
    period: Annotated[
        str | None, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (port-local departure).", show_default=False)
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="First departure date, YYYY-MM-DD.", show_default=False)] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last departure date (inclusive), YYYY-MM-DD.", show_default=False)] = None,
    port: Annotated[str | None, typer.Option("--port", help="Only visits at this port (UN/LOCODE).", show_default=False)] = None,
    terminal: Annotated[str | None, typer.Option("--terminal", help="Only visits at this terminal.", show_default=False)] = None,
    fleet: Annotated[str | None, typer.Option("--fleet", help="Only visits of this fleet.", show_default=False)] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write results: .csv, .parquet, .json or .xlsx.", show_default=False)
    ] = None,
    findings_out: Annotated[
        Path | None, typer.Option("--findings", help="Write findings here (default: findings.<ext> beside --out).", show_default=False)
    ] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any visit is non-compliant.")] = False,
    worst: Annotated[int, typer.Option("--worst", min=0, help="How many worst visits to list.")] = 10,
    manifest_out: Annotated[
        Path | None, typer.Option("--manifest", help="Write the run's manifest (JSON) here; see `berthcheck audit verify`.", show_default=False)
    ] = None,
) -> None:
    """Check the loaded visits against a rule pack and summarise the verdicts."""
    try:
        from berthcheck import store
        from berthcheck.engine import check, load_pack, parse_scope
        from berthcheck.engine.export import check_format, default_findings_path, write_frame
        from berthcheck.engine.summary import summary_lines

        scope = parse_scope(period, date_from, date_to, port, terminal, fleet)
        pack_obj = load_pack(pack)
        if out is not None:
            check_format(out)
        if findings_out is not None:
            check_format(findings_out)
        con = store.connect(db)
        try:
            outcome = check(con, pack_obj, scope=scope)
        finally:
            con.close()
        if out is not None:
            write_frame(outcome.results, out, sheet="results")
            target = findings_out or default_findings_path(out)
            write_frame(outcome.findings, target, sheet="findings")
        elif findings_out is not None:
            write_frame(outcome.findings, findings_out, sheet="findings")
        if manifest_out is not None:
            from berthcheck.audit import write_manifest

            write_manifest(outcome.manifest, manifest_out)
    except BerthcheckError as exc:
        raise _fail(exc) from None
    for line in summary_lines(outcome, worst=worst):
        _say(line)
    if out is not None:
        _say(f"\nwrote {out} and {findings_out or default_findings_path(out)}")
    elif findings_out is not None:
        _say(f"\nwrote {findings_out}")
    if manifest_out is not None:
        _say(f"wrote manifest {manifest_out}")
    _say(f"checked in {outcome.elapsed_seconds:.2f} s")
    if strict and outcome.non_compliant:
        raise typer.Exit(1)


@rules_app.command("list")
def rules_list_command(pack: PackOption = "carb-at-berth-2020") -> None:
    """List a pack's rules and its parameters (UNCONFIRMED ones marked)."""
    from berthcheck.engine import load_pack

    try:
        pk = load_pack(pack)
    except BerthcheckError as exc:
        raise _fail(exc) from None
    _say(f"{pk.label} — {pk.title}")
    _say(f"{pk.regulation}")
    _say("")
    for r in pk.rules:
        _say(f"  {r.id}  {r.name:<34} {r.severity:<9} {r.title}")
    _say("")
    _say("parameters:")
    for name, p in sorted(pk.parameters.items()):
        flag = "" if p.confirmed else "  [UNCONFIRMED]"
        _say(f"  {name} = {p.value!r}{flag}")
    for name, t in sorted(pk.tables.items()):
        flag = "  [contains UNCONFIRMED rows]" if f"table {name}" in pk.unconfirmed() else ""
        _say(f"  table {name}: {len(t.rows)} rows{flag}")
    from berthcheck.emissions import factor_table_lines

    try:
        lines = factor_table_lines()
    except BerthcheckError as exc:
        raise _fail(exc) from None
    _say("")
    for line in lines:
        _say(line)


@rules_app.command("show")
def rules_show_command(
    rule_id: Annotated[
        str,
        typer.Argument(
            help="Rule id (e.g. AB06) or name; or `factors` (every emission factor table with "
            "its sources) or one factor table's name.",
            show_default=False,
        ),
    ],
    pack: PackOption = "carb-at-berth-2020",
) -> None:
    """Print a rule's header (id, title, citation, examples) and its SQL, or factor tables."""
    from berthcheck.emissions import describe_factors, factor_names
    from berthcheck.engine import load_pack

    try:
        if rule_id.strip().lower() in factor_names():
            text = "\n".join(describe_factors(rule_id))
        else:
            text = load_pack(pack).rule(rule_id).source.rstrip()
    except BerthcheckError as exc:
        raise _fail(exc) from None
    _say(text)


@runs_app.command("list")
def runs_list_command(db: DbOption = None) -> None:
    """List stored check runs, newest first."""
    from berthcheck.engine.runs import list_runs

    runs = _with_store(db, list_runs)
    if not runs.height:
        _say("no runs yet; use `berthcheck check`")
        return
    for row in runs.iter_rows(named=True):
        created = row["created_at"].strftime("%Y-%m-%d %H:%M:%SZ")
        _say(
            f"{row['run_id']}  {created}  {row['pack_id']}@{row['pack_version']}  "
            f"period {row['period'] or 'all'}  {row['visits']} visits  {row['findings']} findings  "
            f"{row['counts']}"
        )


# --- audit (issue 6) ----------------------------------------------------------------------------

audit_app = typer.Typer(
    help="Prove where a run's results came from (verify) and compare two runs (diff).",
    no_args_is_help=True,
)
app.add_typer(audit_app, name="audit")

RunIdArgument = Annotated[str, typer.Argument(help="A run id (see `berthcheck runs list`).", show_default=False)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]


def _print_json(data: dict) -> None:
    import json

    _say(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str))


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
        given = read_manifest_file(manifest) if manifest is not None else None
    except BerthcheckError as exc:
        raise _fail(exc) from None
    report = _with_store(db, lambda con: verify(con, run_id.strip(), given))
    _print_report(report, as_json)
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("diff")
def audit_diff_command(
    run_a: Annotated[str, typer.Argument(help="The earlier run id.", show_default=False)],
    run_b: Annotated[str, typer.Argument(help="The later run id.", show_default=False)],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List visits whose verdict, basis or hours differ between two runs, and why."""
    from berthcheck.audit import diff

    report = _with_store(db, lambda con: diff(con, run_a.strip(), run_b.strip()))
    _print_report(report, as_json)


@audit_app.command("manifest")
def audit_manifest_command(
    run_id: RunIdArgument,
    db: DbOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write it to this file instead of printing it.", show_default=False)] = None,
) -> None:
    """Print (or write) the stored manifest of a run."""
    from berthcheck import store
    from berthcheck.audit import manifest_for, manifest_text, write_manifest

    try:
        con = store.connect(db)
        try:
            manifest = manifest_for(con, run_id.strip())
        finally:
            con.close()
        if out is not None:
            write_manifest(manifest, out)
    except BerthcheckError as exc:
        raise _fail(exc) from None
    if out is None:
        typer.echo(manifest_text(manifest), nl=False)
    else:
        _say(f"wrote {out}")


# --- report (issue 5) ---------------------------------------------------------------------------


@app.command("report")
def report_command(
    period: Annotated[
        str, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (port-local departure).", show_default=False)
    ],
    out: Annotated[
        Path, typer.Option("--out", help="The report: FILE.pdf, or FILE.html from the same templates.", show_default=False)
    ],
    port: Annotated[str | None, typer.Option("--port", help="Only visits at this port (UN/LOCODE).", show_default=False)] = None,
    terminal: Annotated[str | None, typer.Option("--terminal", help="Only visits at this terminal.", show_default=False)] = None,
    fleet: Annotated[str | None, typer.Option("--fleet", help="Only visits of this fleet (stated on every page).", show_default=False)] = None,
    db: DbOption = None,
    pack: PackOption = "carb-at-berth-2020",
) -> None:
    """Write the compliance report (PDF or HTML) for a period, from the stored run for the
    current inputs or a fresh check."""
    try:
        from berthcheck.report import build_report, check_output, report_scope

        check_output(out)
        report_scope(period, port, terminal, fleet)  # usage errors before opening the database
        from berthcheck import store

        con = store.connect(db)
        try:
            outcome = build_report(
                con, period=period, port=port, terminal=terminal, fleet=fleet, out=out, pack=pack
            )
        finally:
            con.close()
    except BerthcheckError as exc:
        raise _fail(exc) from None
    source = "stored run" if outcome.reused_run else "new run"
    pages = f"{outcome.pages} pages, " if outcome.pages else ""
    _say(
        f"wrote {outcome.path} ({pages}{outcome.visits} visits, {source} {outcome.run_id}) "
        f"in {outcome.seconds:.1f} s"
    )
