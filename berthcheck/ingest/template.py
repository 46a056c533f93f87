"""`berthcheck template KIND --out FILE`: an empty input file with the kind's headers.

CSV: the header row only. A CSV file has no place for notes that a loader (berthcheck's or a
spreadsheet's import) would not read as a data row, so the annotation lives in
`berthcheck schema KIND` and docs/input-format.md, which the CSV's headers match one to one.
XLSX: the same header row, each header cell carrying a comment (type, required, aliases,
accepted values, example), required headers in bold, the header row frozen and enum columns
restricted to their values by a drop-down list; the data rows are empty.
"""

from __future__ import annotations

import csv
from pathlib import Path

from berthcheck.errors import UsageError
from berthcheck.ingest.schema_doc import TYPE_WORDS, kind_named, kind_schema

FORMATS = (".csv", ".xlsx")
_XLSX_LIST_LIMIT = 255  # Excel's limit on a drop-down list written inline


def _comment(column: dict) -> str:
    lines = [
        f"{column['name']}: {'required' if column['required'] else 'optional'}",
        TYPE_WORDS[column["type"]],
    ]
    if column["values"]:
        lines.append("values: " + ", ".join(column["values"]))
    if column["aliases"]:
        lines.append("header aliases: " + ", ".join(column["aliases"]))
    if column["default"] is not None:
        lines.append(f"default when empty: {str(column['default']).lower()}")
    if column["note"]:
        lines.append(column["note"])
    if column["example"]:
        lines.append(f"example: {column['example']}")
    return "\n".join(lines)


def write_template(kind_name: str, out: Path, *, force: bool = False,
                   mkdir: bool = False) -> Path:
    """Write KIND's empty file at `out`, whole or not at all (berthcheck.atomic): a missing
    folder is a usage error unless `mkdir`, and a file that cannot be written is an error
    naming it, as for every output berthcheck writes."""
    from berthcheck import atomic

    out = Path(out)
    ext = out.suffix.lower()
    if ext not in FORMATS:
        raise UsageError(f"cannot write {out.name}: a template is .csv or .xlsx")
    if out.exists() and not out.is_dir() and not force:
        raise UsageError(f"{out} exists; give --force to overwrite it")
    schema = kind_schema(kind_named(kind_name).name)
    names = [c["name"] for c in schema["columns"]]
    with atomic.replacing(out, mkdir=mkdir, what="template") as tmp:
        if ext == ".csv":
            with tmp.open("w", encoding="utf-8", newline="") as handle:
                csv.writer(handle, lineterminator="\n").writerow(names)
        else:
            _write_xlsx(schema, tmp)
    return out


def _write_xlsx(schema: dict, out: Path) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(out))
    try:
        sheet = book.add_worksheet(schema["kind"][:31])
        required = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        optional = book.add_format({"bg_color": "#F2F2F2", "border": 1})
        for i, column in enumerate(schema["columns"]):
            sheet.write_string(0, i, column["name"], required if column["required"] else optional)
            sheet.write_comment(0, i, _comment(column), {"x_scale": 2.5, "y_scale": 2.5})
            sheet.set_column(i, i, max(12, len(column["name"]) + 2))
            if column["values"] and len(",".join(column["values"])) <= _XLSX_LIST_LIMIT:
                sheet.data_validation(1, i, 10_000, i, {
                    "validate": "list",
                    "source": list(column["values"]),
                    "ignore_blank": True,
                    # a warning, not a stop: the loader also accepts the values' aliases
                    "error_type": "warning",
                })
        sheet.freeze_panes(1, 0)
    finally:
        book.close()
