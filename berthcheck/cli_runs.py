"""`berthcheck runs list | show | export`: stored check runs, got back."""

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
    json_text,
    one_format,
    print_csv,
    print_json,
    say,
    warn,
    with_store,
)
from berthcheck.errors import BerthcheckError

runs_app = typer.Typer(help="Stored check runs: list, show, export.", no_args_is_help=True)

RunArgument = Annotated[str, typer.Argument(help="A run id (see `berthcheck runs list`).", show_default=False)]


def _when(created_at: str) -> str:
    """A run's creation instant (ISO 8601 in UTC) as both tables print it: to the second."""
    return created_at[:19].replace("T", " ")


# engine.output_columns.VERDICTS, spelt out: importing the engine here would load it for --help
VERDICTS = ("compliant", "non_compliant", "exempt", "not_applicable", "insufficient_data")
# `runs list --csv`: the facts of `--json`, one line per run, the scope and the verdict counts
# spread into columns (a damaged scope or counts record: empty cells, never zeros)
RUNS_CSV_COLUMNS = ["run_id", "created_at", "pack", "pack_version", "custom_pack", "pack_path",
                    "period", "start", "end", "port", "terminal", "fleet", "scope", "visits",
                    "findings", *VERDICTS, "max_batch_id", "notes"]


def _csv_row(run: dict) -> dict:
    scope = run["scope"] or {}
    counts = run["counts"] or {}
    return {**run, "scope": run["scope_text"],
            **{k: scope.get(k) for k in ("start", "end", "port", "terminal", "fleet")},
            **{v: counts.get(v, 0 if run["counts"] is not None else None) for v in VERDICTS}}


@runs_app.command("list")
def runs_list_command(db: DbOption = None, as_json: JsonOption = False,
                      as_csv: CsvOption = False) -> None:
    """List stored check runs, newest first: scope, period, pack@version and verdict counts."""
    from berthcheck.cli_progress import count, print_table, table
    from berthcheck.engine.run_listing import run_summaries

    one_format(as_json, as_csv)
    runs = with_store(db, run_summaries, read_only=True)
    if as_json:
        print_json(runs)
        return
    if as_csv:
        print_csv(RUNS_CSV_COLUMNS, [_csv_row(r) for r in runs])
        return
    if not runs:
        say("no runs yet; use `berthcheck check`")
        return
    columns = [("run", "left"), ("created (UTC)", "left"), ("pack", "left"),
               ("period", "left"), ("scope", "left"), ("visits", "right"),
               ("compliant", "right"), ("non-compl.", "right"), ("exempt", "right"),
               ("n/a", "right"), ("insuff.", "right"), ("findings", "right")]
    rows = []
    for r in runs:
        c = r["counts"]
        rows.append([
            r["run_id"], _when(r["created_at"]),
            f"{r['pack']}@{r['pack_version']}"
            + (" (custom)" if r["custom_pack"] else "") + (" (notes)" if r["notes"] else ""),
            r["period"] or "all", r["scope_text"], count(r["visits"]),
            # damaged counts (edited outside berthcheck) are never shown as zeros
            *(count(c.get(v, 0)) if c is not None else "?" for v in VERDICTS),
            count(r["findings"]),
        ])
    print_table(table(None, columns, rows))
    for r in runs:  # a path is too long for a table cell: it gets a line of its own
        if r["custom_pack"]:
            say(f"{r['run_id']}: custom pack {r['pack_path']}")


VisitOption = Annotated[str | None, typer.Option(
    "--visit", help="Trace one visit of the run: its result, findings and the input rows it "
                    "was computed from, as they were at the run.", show_default=False)]


@runs_app.command("show")
def runs_show_command(run_id: RunArgument, db: DbOption = None, as_json: JsonOption = False,
                      visit: VisitOption = None) -> None:
    """Show one stored run: scope, period, pack, counts, hashes and the inputs it read; with
    --visit, one visit's result, findings and input rows."""
    from berthcheck.cli_progress import count, print_table, table
    from berthcheck.engine.run_listing import DAMAGED, run_summary

    if visit is not None:
        _show_visit(run_id, visit, db, as_json)
        return
    run = with_store(db, lambda con: run_summary(con, run_id.strip()), read_only=True)
    if as_json:
        print_json(run)
        return
    fields = [
        ("run", run["run_id"]),
        ("created (UTC)", _when(run["created_at"])),
        ("pack", f"{run['pack']}@{run['pack_version']} (hash {run['pack_hash'][:12]}...)"
                 + (f", custom pack {run['pack_path']}" if run["custom_pack"] else "")),
        ("period", run["period"] or "all"),
        ("scope", run["scope_text"]),
        ("visits", count(run["visits"])),
        ("findings", count(run["findings"])),
        ("results sha256", run["results_sha256"]),
        ("findings sha256", run["findings_sha256"]),
        ("berthcheck", run["berthcheck_version"]),
    ]
    if run["notes"]:
        fields.insert(3, ("notes", "check --notes: the pack's note rules ran as findings"))
    print_table(table(None, [("", "left"), ("", "left")], [[k, str(v)] for k, v in fields],
                      show_header=False))
    say("")
    for title, column, values, cell in (
            ("verdicts", "visits", run["counts"], count),
            ("inputs read", "rows", run["inputs"], lambda v: count(v["rows"]))):
        if values is None:  # edited outside berthcheck into something that is not a record
            say(f"{title}: {DAMAGED}")
        else:
            print_table(table(title, [("verdict" if title == "verdicts" else "table", "left"),
                                      (column, "right")],
                              [[k, cell(v)] for k, v in sorted(values.items())]))
        if title == "verdicts":
            say("")


def _show_visit(run_id: str, visit: str, db, as_json: bool) -> None:
    """`runs show RUN --visit VISIT_ID` (berthcheck/audit/visit_trace.py)."""
    from berthcheck.audit.visit_trace import visit_trace
    from berthcheck.cli_progress import count, hours, print_table, table

    trace = with_store(db, lambda con: visit_trace(con, run_id.strip(), visit), read_only=True)
    if as_json:
        print_json(trace)
        return
    fields = [("run", trace["run_id"]), ("visit", trace["visit_id"]),
              ("pack", f"{trace['pack']}@{trace['pack_version']}"
                       + (" (custom)" if trace["custom_pack"] else "")),
              ("period", trace["period"] or "all"), ("scope", trace["scope"]),
              ("inputs as of", f"load batch {trace['as_of_batch']}")]
    print_table(table(None, [("", "left"), ("", "left")], [[k, str(v)] for k, v in fields],
                      show_header=False))
    say("")
    result = trace["result"]
    print_table(table("result", [("column", "left"), ("value", "left")],
                      [[k, "" if v is None else str(v)] for k, v in result.items()]))
    say("")
    if trace["findings"]:
        print_table(table("findings", [("id", "left"), ("rule", "left"), ("severity", "left"),
                                       ("minutes", "right"), ("message", "left")],
                          [[f["finding_id"], f["rule_id"], f["severity"],
                            "" if f["minutes"] is None else hours(f["minutes"]),
                            f["message"] or ""]
                           for f in trace["findings"]]))
        # evidence is a JSON record, too long for a cell: a line of its own, whole
        for f in trace["findings"]:
            say(f"evidence {f['finding_id']} ({f['rule_id']}): {f['evidence'] or ''}")
        say("")
        print_table(table("rules", [("rule", "left"), ("title", "left"), ("section", "left")],
                          [[r, v["title"] or "", v["section"] or ""]
                           for r, v in trace["rules"].items()]))
        for rule_id, v in trace["rules"].items():
            if v["note"]:
                say(f"{rule_id}: {v['note']}")
        say(f"rule text: `berthcheck rules show RULE_ID --pack {trace['pack']}`")
    else:
        say("findings: none")
    say("")
    rows = []
    for r in trace["input_rows"]:
        notes = []
        if r["replaced_later_by"] is not None:
            notes.append(f"replaced later by batch {r['replaced_later_by']}"
                         + (f" ({r['replaced_later_in']})" if r["replaced_later_in"] else ""))
        if r["in_manifest"] is False:
            notes.append("not among the rows the run's manifest lists: see "
                         "`berthcheck audit verify`")
        if r["seal"] != "match":
            notes.append("no seal" if r["seal"] == "none"
                         else "differs from its seal: see `berthcheck audit verify`")
        rows.append([r["table"], str(r["batch_id"]), r["source_file"] or "",
                     count(r["source_row"]), ", ".join(str(v) for v in r["row_key"].values()),
                     r["row_hash"] or "", "; ".join(notes)])
    print_table(table(f"input rows read for {trace['visit_id']} (as at the run)",
                      [("table", "left"), ("batch", "right"), ("source file", "left"),
                       ("row", "right"), ("key", "left"), ("row hash", "left"),
                       ("note", "left")], rows))
    refs = trace["reference_tables"]
    say("")
    say("reference tables read (not per visit): " + (
        "damaged record (see `berthcheck audit verify`)" if refs is None else
        ", ".join(f"{t['table']} ({count(t['rows'])} rows)" for t in refs) or "none"))


@runs_app.command("export")
def runs_export_command(
    run_id: RunArgument,
    out: Annotated[Path, typer.Option("--out", help="Results file: .csv, .parquet, .json or .xlsx (as `check --out`); - for CSV on standard output.", show_default=False)],
    findings_out: Annotated[
        Path | None, typer.Option("--findings", help="Findings file (default: findings.<ext> beside --out).", show_default=False)
    ] = None,
    db: DbOption = None,
    mkdir: MkdirOption = False,
    as_json: JsonOption = False,
) -> None:
    """Write a stored run's results and findings exactly as `check --out` wrote them then."""
    from berthcheck.atomic import is_stdout
    from berthcheck.engine.export import plan_outputs
    from berthcheck.engine.outputs import write_check_outputs
    from berthcheck.engine.run_listing import run_summary
    from berthcheck.engine.runs import verified_frames
    from berthcheck.run_warnings import stored_run_warnings
    from berthcheck.store import check_not_loaded

    # with --out - the results are standard output: what is said of them goes to standard
    # error, as `check --out -` does (a `wrote` line ended the CSV on standard output)
    tell = warn if is_stdout(out) else say
    try:
        findings_target = plan_outputs(out, findings_out, mkdir=mkdir)
    except BerthcheckError as exc:
        raise fail(exc) from None
    def read(con):
        check_not_loaded(con, [("--out", out), ("--findings", findings_target)])
        results, findings = verified_frames(con, run_id.strip())
        # the run's warnings, as `check` gave them (berthcheck/run_warnings.py)
        return (results, findings, stored_run_warnings(con, run_id.strip(), results),
                run_summary(con, run_id.strip()))

    results, findings, warnings, run = with_store(db, read, read_only=True)
    try:
        written = write_check_outputs(results, findings, out, findings_target, mkdir=mkdir)
    except BerthcheckError as exc:
        raise fail(exc) from None
    for line in warnings:  # on standard error, as the other exports' (never in the files)
        warn(f"warning: {line}")
    if as_json:
        files = [p for p in (out, findings_target) if p is not None and not is_stdout(p)]
        tell(json_text(export_summary(run, results, findings, files, warnings)))
    elif written:
        tell(f"wrote {' and '.join(written)}")


def export_summary(run: dict, results, findings, files: list[Path],
                   warnings: list[str]) -> dict:
    """`runs export --json`: the run, what it holds, each file written (its path as given,
    an .xlsx workbook holding both tables one file) with its sha256, to compare with a copy
    kept elsewhere (also as `written_files`, as every command gives them), and the run's
    warnings (README, `runs export`)."""
    from berthcheck.written_files import written_files

    records = written_files(files)
    return {
        "run_id": run["run_id"],
        "pack": run["pack"],
        "pack_version": run["pack_version"],
        "visits": results.height,
        "findings": findings.height,
        "files": [r["path"] for r in records],
        "sha256": {r["path"]: r["sha256"] for r in records},
        "written_files": records,  # the shape every command's --json names files in
        "warnings": warnings,
    }
