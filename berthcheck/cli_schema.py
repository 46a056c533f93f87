"""`berthcheck schema KIND` and `berthcheck template KIND --out FILE`: the input format, from
the loader's own column declarations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from berthcheck.cli_common import (
    CsvOption,
    JsonOption,
    MkdirOption,
    fail,
    one_format,
    print_csv,
    print_json,
    say,
)
from berthcheck.errors import BerthcheckError

KindArgument = Annotated[
    str,
    typer.Argument(
        help="visits | shore-power | capture | events | berths | terminals | allowances | caecs "
        "| ports | visit-counts | coverage",
        show_default=False,
    ),
]


# `schema --csv`: one line per column, the JSON's keys (value aliases as `alias=value`)
SCHEMA_CSV_COLUMNS = ["name", "type", "required", "aliases", "values", "value_aliases", "min",
                      "max", "default", "note", "example"]


def schema_command(kind: KindArgument, as_json: JsonOption = False,
                   as_csv: CsvOption = False) -> None:
    """Print a kind's columns: type, required or optional, aliases, accepted values, example."""
    from berthcheck.ingest.schema_doc import kind_markdown, kind_schema

    one_format(as_json, as_csv)
    try:
        if as_json:
            print_json(kind_schema(kind))
        elif as_csv:
            columns = kind_schema(kind)["columns"]
            print_csv(SCHEMA_CSV_COLUMNS, [
                {**c, "value_aliases": [f"{a}={v}" for a, v in sorted(c["value_aliases"].items())]}
                for c in columns])
        else:
            say(kind_markdown(kind).rstrip())
    except BerthcheckError as exc:
        raise fail(exc) from None


def template_command(
    kind: KindArgument,
    out: Annotated[Path, typer.Option("--out", help="FILE.csv (header row) or FILE.xlsx (annotated headers).", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    mkdir: MkdirOption = False,
) -> None:
    """Write an empty input file for KIND with its headers (XLSX: each header annotated)."""
    from berthcheck.ingest.template import write_template

    try:
        path = write_template(kind, out, force=force, mkdir=mkdir)
    except BerthcheckError as exc:
        raise fail(exc) from None
    say(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("schema")(schema_command)
    app.command("template")(template_command)
