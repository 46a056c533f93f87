"""`berthcheck rules list | show | test`: a pack's rules, parameters and factor tables, where
packs came from, and a pack's fixture cases run (docs/packs.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from berthcheck.cli_common import (
    CsvOption,
    JsonOption,
    PackOption,
    fail,
    one_format,
    print_csv,
    print_json,
    say,
)
from berthcheck.errors import BerthcheckError, UsageError


def register(rules_app: typer.Typer) -> None:
    rules_app.command("test")(rules_test_command)
    rules_app.command("list")(rules_list_command)
    rules_app.command("show")(rules_show_command)


# `rules test --csv`: the cases of `--json`, one line each (`problems` joined by `;`)
RULES_TEST_CSV_COLUMNS = ["pack", "rule", "case", "file", "ok", "problems"]


def rules_test_command(
    pack: Annotated[str, typer.Argument(help="Pack id or folder path (e.g. ./my-pack).",
                                        show_default=False)],
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Run a pack's fixture cases (PACK/tests/*.yml) and show which pass; exit 1 if any fails."""
    from berthcheck.engine.pack import load_pack
    from berthcheck.engine.pack_fixtures import run_fixtures

    one_format(as_json, as_csv)
    try:
        pk = load_pack(pack, named_by="PACK")  # an argument here, not --pack
        outcomes = run_fixtures(pk)
    except BerthcheckError as exc:
        raise fail(exc) from None
    failed = [o for o in outcomes if not o.ok]
    # a rule no case tests is not proven by the others passing: said, in the pack's order
    tested = {o.case.rule for o in outcomes}
    untested = [r.id for r in pk.rules if r.id not in tested]
    if as_json:
        print_json({
            "pack": pk.label,
            "path": str(pk.path),
            "cases": [{"rule": o.case.rule, "case": o.case.name, "file": str(o.case.file),
                       "ok": o.ok, "problems": o.problems} for o in outcomes],
            "passed": len(outcomes) - len(failed),
            "failed": len(failed),
            "untested_rules": untested,
        })
    elif as_csv:  # the table, a line per case; the exit code says whether any failed
        print_csv(RULES_TEST_CSV_COLUMNS, [
            {"pack": pk.label, "rule": o.case.rule, "case": o.case.name,
             "file": str(o.case.file), "ok": o.ok, "problems": o.problems} for o in outcomes])
    else:
        from berthcheck.cli_progress import print_table, table

        rows = [[o.case.rule, o.case.name, "pass" if o.ok else "FAIL",
                 "; ".join(o.problems)] for o in outcomes]
        print_table(table(f"{pk.label} fixture cases", [("rule", "left"), ("case", "left"),
                                                        ("result", "left"),
                                                        ("problem", "left")], rows))
        say(f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if outcomes:
        for rule_id in untested:
            typer.echo(f"warning: rule {rule_id} has no fixture case (write them in "
                       f"{pk.path / 'tests'}/{rule_id}.yml)", err=True)
    if not outcomes:
        typer.echo(f"error: pack {pk.label} has no fixture cases (write them in "
                   f"{pk.path / 'tests'}/<RULE_ID>.yml)", err=True)
        raise typer.Exit(1)
    if failed:
        raise typer.Exit(1)


# `rules list --csv`: one line per rule, parameter and parameter table (`item`), with the
# facts `--json` gives each; the pack's own facts and the emission factors stay in --json
RULES_CSV_COLUMNS = ["pack", "version", "item", "id", "name", "title", "section", "severity",
                     "note_column", "value", "unit", "rows", "confirmed", "citation", "note",
                     "description"]


def _csv_value(value):
    """A parameter's value in a cell: dates ISO 8601, lists joined by `;` (csv_cell)."""
    if isinstance(value, list):
        return [_csv_value(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def rules_csv_rows(data: dict) -> list[dict]:
    """`pack_dict` flat: the rules in pack order, then parameters and tables by name."""
    head = {"pack": data["pack"], "version": data["version"]}
    rows = [{**head, "item": "rule", **r} for r in data["rules"]]
    rows += [{**head, "item": "parameter", "name": name, **p, "value": _csv_value(p["value"])}
             for name, p in data["parameters"].items()]
    rows += [{**head, "item": "table", "name": name, "rows": t["rows"],
              "confirmed": not t["unconfirmed_rows"], "citation": t["citation"]}
             for name, t in data["tables"].items()]
    return rows


def rules_list_command(pack: PackOption = "carb-at-berth-2020", as_json: JsonOption = False,
                       as_csv: CsvOption = False) -> None:
    """List a pack's rules and its parameters (UNCONFIRMED ones marked)."""
    from berthcheck.engine import load_pack

    one_format(as_json, as_csv)
    try:
        pk = load_pack(pack)
        if as_json or as_csv:
            from berthcheck.engine.pack_info import pack_dict

            data = pack_dict(pk)
            if as_json:
                print_json(data)
            else:
                print_csv(RULES_CSV_COLUMNS, rules_csv_rows(data))
            return
    except BerthcheckError as exc:
        raise fail(exc) from None
    from berthcheck.cli_progress import print_table, table

    say(f"{pk.label} — {pk.title}")
    say(f"{pk.regulation}")
    say("")
    print_pack_sources(pk)  # where each pack came from, its declarations (issue 20)
    say("")
    print_table(table("rules", [("id", "left"), ("name", "left"), ("severity", "left"),
                                ("title", "left")],
                      [[r.id, r.name, r.severity + (' (note)' if r.id in pk.notes else ''), r.title]
                       for r in pk.rules]))
    say("")
    unconfirmed = pk.unconfirmed()
    rows = [[name, toml_value(p.value), "" if p.confirmed else "[UNCONFIRMED]"]
            for name, p in sorted(pk.parameters.items())]
    rows += [[f"table {name}", f"{len(t.rows)} rows",
              "[contains UNCONFIRMED rows]" if f"table {name}" in unconfirmed else ""]
             for name, t in sorted(pk.tables.items())]
    print_table(table("parameters", [("name", "left"), ("value", "left"), ("", "left")], rows))
    from berthcheck.emission_factors import factor_table_lines

    try:
        lines = factor_table_lines()
    except BerthcheckError as exc:
        raise fail(exc) from None
    say("")
    for line in lines:
        say(line)


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
    as_json: JsonOption = False,
) -> None:
    """Print a rule's header (id, title, citation, examples) and its SQL, or factor tables."""
    from berthcheck.emission_factors import describe_factors, factor_names
    from berthcheck.engine import load_pack

    try:
        if rule_id.strip().lower() in factor_names():
            if as_json:  # tables of numbers with their sources: not one rule's record
                raise UsageError(f"rules show {rule_id.strip()} --json: the emission factor "
                                 "tables are CSV files (their folder: `berthcheck rules show "
                                 "factors`); `berthcheck rules list --json` gives their hash "
                                 "and parameters as JSON")
            say("\n".join(describe_factors(rule_id)))
            return
        pk = load_pack(pack)
        try:
            rule = pk.rule(rule_id)
        except UsageError as exc:  # README: `rules show RULE_ID`, no --pack
            raise UsageError(f"{exc}{_found_elsewhere(rule_id, pk.id)}") from None
        if as_json:
            from berthcheck.engine.pack_info import rule_dict

            print_json(rule_dict(pk, rule.id))
            return
        text = rule.source.rstrip()
    except BerthcheckError as exc:
        raise fail(exc) from None
    # the rule's file is the pack's: which pack, at which version, says what it is a rule of
    from berthcheck.engine.pack_info import rule_reads

    say(f"-- pack: {pk.label} (hash {pk.hash[:12]}...), file "
        f"{rule.path.relative_to(pk.path).as_posix()}")
    reads = rule_reads(pk, rule.sql)
    if reads:  # the stages that make what the rule selects from: where its arithmetic is
        say("-- reads: " + ", ".join(f"{r['table']} ({r['stage']})" for r in reads))
    say(text)


def _found_elsewhere(rule_id: str, searched: str) -> str:
    """The other packs found by id that have the rule, as a hint: `rules show FE05` reads the
    default pack (CARB), whose `rules list` does not list FuelEU's FE05."""
    from berthcheck.engine import load_pack
    from berthcheck.engine.pack_paths import discover

    hits = []
    for source in discover():
        if source.id == searched or source.id in hits:
            continue
        try:
            load_pack(source.id).rule(rule_id)
        except BerthcheckError:  # not there, or a pack that does not load: no hint from it
            continue
        hits.append(source.id)
    wanted = rule_id.strip()
    return "".join(f"; {wanted} is a rule of pack {h}: `berthcheck rules show {wanted} --pack {h}`"
                   for h in hits)


def pack_sources() -> list[dict[str, str]]:
    """Every pack found by id: id, where it came from and its folder (an id found twice is
    listed twice, marked: asking for it by id is an error naming both folders)."""
    from collections import Counter

    from berthcheck.engine.pack_paths import discover

    found = discover()
    twice = {i for i, n in Counter(s.id for s in found).items() if n > 1}
    return [{"id": s.id, "source": s.origin + (" (id found twice)" if s.id in twice else ""),
             "folder": str(s.folder)} for s in found]


def toml_value(value) -> str:
    """A parameter's value as pack.toml writes it (2026-04-01, true, ["CN"]), not Python's
    repr (datetime.date(2026, 4, 1), True, ['CN'])."""
    import json

    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def print_pack_sources(pack) -> None:
    """The packs table of `rules list` (each pack's source, the one listed marked), then the
    result columns and bases the listed pack declares."""
    from pathlib import Path

    from berthcheck.cli_progress import print_table, table
    from berthcheck.engine.pack_paths import FROM_PATH

    current_folder = pack.path
    rows = pack_sources()
    here = Path(current_folder).resolve()
    if not any(Path(r["folder"]).resolve() == here for r in rows):
        rows.append({"id": pack.id, "source": FROM_PATH, "folder": str(current_folder)})
    print_table(table("packs", [("", "left"), ("id", "left"), ("source", "left"),
                                ("folder", "left")],
                      [["*" if Path(r["folder"]).resolve() == here else "", r["id"],
                        r["source"], r["folder"]] for r in rows]))
    if pack.result_columns:
        say("")
        print_table(table("result columns", [("name", "left"), ("type", "left"),
                                             ("unit", "left"), ("description", "left")],
                          [[c.name, c.type + ("" if c.nullable else " NOT NULL"), c.unit or "",
                            c.description] for c in pack.result_columns]))
    if pack.bases:
        say("")
        print_table(table("bases", [("name", "left"), ("verdicts", "left"),
                                    ("description", "left")],
                          [[b.name, ", ".join(b.verdicts), b.description] for b in pack.bases]))
