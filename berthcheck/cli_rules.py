"""`berthcheck rules test PACK` and where packs came from (`rules list`), for pack authors
(docs/packs.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from berthcheck.cli_common import JsonOption, fail, print_json, say
from berthcheck.errors import BerthcheckError


def register(rules_app: typer.Typer) -> None:
    rules_app.command("test")(rules_test_command)


def rules_test_command(
    pack: Annotated[str, typer.Argument(help="Pack id or folder path (e.g. ./my-pack).",
                                        show_default=False)],
    as_json: JsonOption = False,
) -> None:
    """Run a pack's fixture cases (PACK/tests/*.yml) and show which pass; exit 1 if any fails."""
    from berthcheck.engine.pack import load_pack
    from berthcheck.engine.pack_fixtures import run_fixtures

    try:
        pk = load_pack(pack)
        outcomes = run_fixtures(pk)
    except BerthcheckError as exc:
        raise fail(exc) from None
    failed = [o for o in outcomes if not o.ok]
    if as_json:
        print_json({
            "pack": pk.label,
            "path": str(pk.path),
            "cases": [{"rule": o.case.rule, "case": o.case.name, "file": str(o.case.file),
                       "ok": o.ok, "problems": o.problems} for o in outcomes],
            "passed": len(outcomes) - len(failed),
            "failed": len(failed),
        })
    else:
        from berthcheck.cli_progress import print_table, table

        rows = [[o.case.rule, o.case.name, "pass" if o.ok else "FAIL",
                 "; ".join(o.problems)] for o in outcomes]
        print_table(table(f"{pk.label} fixture cases", [("rule", "left"), ("case", "left"),
                                                        ("result", "left"),
                                                        ("problem", "left")], rows))
        say(f"\n{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if not outcomes:
        typer.echo(f"error: pack {pk.label} has no fixture cases (write them in "
                   f"{pk.path / 'tests'}/<RULE_ID>.yml)", err=True)
        raise typer.Exit(1)
    if failed:
        raise typer.Exit(1)


def pack_sources() -> list[dict[str, str]]:
    """Every pack found by id: id, where it came from and its folder (an id found twice is
    listed twice, marked: asking for it by id is an error naming both folders)."""
    from collections import Counter

    from berthcheck.engine.pack_paths import discover

    found = discover()
    twice = {i for i, n in Counter(s.id for s in found).items() if n > 1}
    return [{"id": s.id, "source": s.origin + (" (id found twice)" if s.id in twice else ""),
             "folder": str(s.folder)} for s in found]


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
        rows.append({"id": here.name, "source": FROM_PATH, "folder": str(current_folder)})
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
