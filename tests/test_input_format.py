"""The input format where users look: docs/input-format.md (generated from the loader's own
column declarations), `berthcheck schema KIND` and `berthcheck template KIND --out FILE`."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.load import load_files
from berthcheck.ingest.schema_doc import EXAMPLES, LOAD_ORDER, input_format_markdown, kind_schema

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_committed_input_format_doc_is_current():
    committed = (ROOT / "docs" / "input-format.md").read_text(encoding="utf-8")
    assert committed == input_format_markdown(), (
        "docs/input-format.md is stale: python -m berthcheck.ingest.schema_doc > docs/input-format.md"
    )


def test_doc_covers_every_kind_column_alias_and_enum_value():
    doc = input_format_markdown()
    assert set(LOAD_ORDER) == set(KINDS)  # load order names every kind exactly once
    for kind in KINDS.values():
        assert f"## `{kind.name}`" in doc
        for col in kind.columns:
            assert f"| `{col.name}` | {col.type} | {'required' if col.required else 'optional'} |" in doc
            for alias in col.aliases:
                assert f"`{alias}`" in doc
            for value in col.values:
                assert f"`{value}`" in doc


def test_example_rows_are_accepted_by_the_loader(tmp_path):
    """Every kind's example row, written under the CSV template's header, loads (in the
    documented load order, into one database): the docs never show a row the loader refuses."""
    con = store.connect(tmp_path / "bc.duckdb")
    try:
        for kind in LOAD_ORDER:
            path = tmp_path / f"{kind}.csv"
            result = runner.invoke(app, ["template", kind, "--out", str(path)])
            assert result.exit_code == 0, result.output
            header = path.read_text(encoding="utf-8").strip().split(",")
            assert header == list(KINDS[kind].column_names)
            row = kind_schema(kind)["example"]
            pl.DataFrame([row]).select(header).write_csv(path)
            report = load_files(con, kind, [path])
            assert report.inserted == 1, kind
    finally:
        con.close()


def test_schema_prints_markdown_and_json():
    text = runner.invoke(app, ["schema", "shore_power"])  # spelling forgiven
    assert text.exit_code == 0, text.output
    assert "## `shore-power`" in text.stdout and "`plug_in`" in text.stdout
    as_json = runner.invoke(app, ["schema", "visits", "--json"])
    assert as_json.exit_code == 0
    data = json.loads(as_json.stdout)
    assert data["key"] == ["visit_id"]
    purpose = next(c for c in data["columns"] if c["name"] == "call_purpose")
    assert purpose["default"] == "cargo" and "bunkering" in purpose["values"]
    assert data["example"]["visit_id"] == EXAMPLES["visits"]["visit_id"]


def test_schema_csv_is_the_json_columns_one_line_each():
    import csv
    import io

    result = runner.invoke(app, ["schema", "events", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    columns = kind_schema("events")["columns"]
    assert [r["name"] for r in rows] == [c["name"] for c in columns]
    kind = next(r for r in rows if r["name"] == "kind")
    assert (kind["required"], kind["aliases"]) == ("true", "event_kind;event_type;type")
    assert "vie" in kind["values"].split(";")
    assert "vesselincidentevent=vie" in kind["value_aliases"].split(";")
    both = runner.invoke(app, ["schema", "events", "--csv", "--json"])
    assert both.exit_code == 2 and "not both" in both.stderr


def test_csv_cells_are_formula_safe_and_typed_plainly():
    from berthcheck.cli_common import csv_cell

    assert [csv_cell(v) for v in (None, True, 3, 2.5, ["a", "b"], "=HYPERLINK(1)", "-3")] == [
        "", "true", "3", "2.5", "a;b", "'=HYPERLINK(1)", "'-3"]


def test_unknown_kind_is_a_usage_error_listing_kinds():
    result = runner.invoke(app, ["schema", "vessels"])
    assert result.exit_code == 2
    assert "shore-power" in result.stderr and "Traceback" not in result.output


def test_xlsx_template_has_annotated_headers_and_loads_empty(tmp_path):
    path = tmp_path / "visits.xlsx"
    assert runner.invoke(app, ["template", "visits", "--out", str(path)]).exit_code == 0
    frame = pl.read_excel(path, sheet_id=1, engine="calamine")
    assert frame.columns == list(KINDS["visits"].column_names) and frame.height == 0
    with zipfile.ZipFile(path) as book:
        comments = "".join(
            book.read(n).decode("utf-8") for n in book.namelist() if "comments" in n
        )
    assert "ready_to_work: optional" in comments and "imo: required" in comments
    assert "values: container" in comments  # enum values annotated
    con = store.connect(tmp_path / "bc.duckdb")
    try:
        assert load_files(con, "visits", [path]).inserted == 0  # an empty template is valid
    finally:
        con.close()


def test_template_refuses_to_overwrite_without_force(tmp_path):
    path = tmp_path / "berths.csv"
    path.write_text("keep me\n", encoding="utf-8")
    refused = runner.invoke(app, ["template", "berths", "--out", str(path)])
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert path.read_text(encoding="utf-8") == "keep me\n"
    assert runner.invoke(app, ["template", "berths", "--out", str(path), "--force"]).exit_code == 0
    assert path.read_text(encoding="utf-8").startswith("port,terminal,berth")


@pytest.mark.parametrize("name", ["b.txt", "b.parquet"])
def test_template_formats_are_csv_and_xlsx_only(tmp_path, name):
    result = runner.invoke(app, ["template", "berths", "--out", str(tmp_path / name)])
    assert result.exit_code == 2 and ".csv or .xlsx" in result.stderr


def test_template_missing_folder_is_a_usage_error_unless_mkdir(tmp_path):
    # as every output (README, "Files berthcheck writes"): exit 2 naming --mkdir, which makes it
    path = tmp_path / "new" / "visits.xlsx"
    refused = runner.invoke(app, ["template", "visits", "--out", str(path)])
    assert refused.exit_code == 2 and "--mkdir" in refused.stderr
    assert not path.parent.exists()
    made = runner.invoke(app, ["template", "visits", "--out", str(path), "--mkdir"])
    assert made.exit_code == 0, made.output
    assert path.is_file()


@pytest.mark.parametrize("name", ["visits.csv", "visits.xlsx"])
def test_template_that_fails_while_written_leaves_the_file_as_it_was(tmp_path, monkeypatch, name):
    # a disk full half-way through `--force`: the error names the file (no "bug in berthcheck"),
    # the file it was to replace is kept whole and no temporary file is left
    import csv as csv_module
    import errno

    from berthcheck.ingest import template

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(template, "_write_xlsx", full_disk)
    monkeypatch.setattr(csv_module, "writer", full_disk)
    path = tmp_path / name
    path.write_bytes(b"keep me\n")
    result = runner.invoke(app, ["template", "visits", "--out", str(path), "--force"])
    assert result.exit_code == 1, result.output
    assert f"cannot write template {path}: No space left on device" in result.stderr
    assert "bug" not in result.stderr
    assert path.read_bytes() == b"keep me\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]
