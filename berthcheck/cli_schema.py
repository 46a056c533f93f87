"""`berthcheck schema KIND` and `berthcheck template KIND --out FILE`: the input format, from
the loader's own column declarations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from berthcheck.cli_common import JsonOption, fail, print_json, say
from berthcheck.errors import BerthcheckError

KindArgument = Annotated[
    str,
    typer.Argument(
        help="visits | shore-power | capture | events | berths | terminals | allowances | caecs "
        "| ports | visit-counts | coverage",
        show_default=False,
    ),
]


def schema_command(kind: KindArgument, as_json: JsonOption = False) -> None:
    """Print a kind's columns: type, required or optional, aliases, accepted values, example."""
    from berthcheck.ingest.schema_doc import kind_markdown, kind_schema

    try:
        if as_json:
            print_json(kind_schema(kind))
        else:
            say(kind_markdown(kind).rstrip())
    except BerthcheckError as exc:
        raise fail(exc) from None


def template_command(
    kind: KindArgument,
    out: Annotated[Path, typer.Option("--out", help="FILE.csv (header row) or FILE.xlsx (annotated headers).", show_default=False)],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write an empty input file for KIND with its headers (XLSX: each header annotated)."""
    from berthcheck.ingest.template import write_template

    try:
        path = write_template(kind, out, force=force)
    except BerthcheckError as exc:
        raise fail(exc) from None
    say(f"wrote {path}")


def register(app: typer.Typer) -> None:
    app.command("schema")(schema_command)
    app.command("template")(template_command)
