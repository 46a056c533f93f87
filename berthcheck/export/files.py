"""Export files as bytes, then on disk: deterministic, text cells neutralised, written atomically.

Every export is first built completely in memory (`Table` -> CSV or XLSX bytes), so a failure
leaves nothing half-written; each file then goes to disk through `berthcheck.atomic` (a
temporary file in the target folder, then a rename), like every file berthcheck writes.

Formula injection: every text cell passes through `berthcheck.cells.neutralise_frame` (a
leading `=`, `+`, `-`, `@`, tab or CR gets an apostrophe), and XLSX text is written with
`write_string`, never as a formula.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from berthcheck import atomic
from berthcheck.errors import UsageError

TABLE_FORMATS = (".csv", ".xlsx")
FLOAT_DECIMALS = 4  # hours to 4 decimal places (data contract § 4); kg and kWh alike
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry: no clock time
XLSX_DATE = dt.datetime(2000, 1, 1)


@dataclass(frozen=True)
class Column:
    """One exported column: what it holds, where the requirement comes from, and whether the
    research could confirm that the regulation asks for it."""

    name: str
    type: str  # string | integer | number | boolean | date | datetime
    description: str
    source: str  # the regulation item (or "berthcheck") the column answers
    confirmed: bool = True
    unit: str | None = None
    note: str | None = None

    @property
    def status(self) -> str:
        if self.source.startswith("berthcheck"):
            return "berthcheck"  # computed by berthcheck, not a regulation's item
        return "confirmed" if self.confirmed else "UNCONFIRMED"


@dataclass
class Table:
    """Rows of plain values (str, int, float, bool, None) in the order of `columns`."""

    name: str  # sheet name
    columns: list[Column]
    rows: list[dict[str, Any]] = field(default_factory=list)

    def frame(self):
        import polars as pl

        dtypes = {"string": pl.Utf8, "integer": pl.Int64, "number": pl.Float64,
                  "boolean": pl.Boolean, "date": pl.Utf8, "datetime": pl.Utf8,
                  "yearmonth": pl.Utf8}
        schema = {c.name: dtypes[c.type] for c in self.columns}
        data = {c.name: [r.get(c.name) for r in self.rows] for c in self.columns}
        return pl.DataFrame(data, schema=schema)


def check_table_format(path: Path) -> str:
    ext = Path(path).suffix.lower()
    if ext not in TABLE_FORMATS:
        raise UsageError(f"--out {str(path)!r}: the extension must be .csv or .xlsx")
    return ext


def csv_bytes(table: Table) -> bytes:
    from berthcheck.cells import neutralise_frame

    buffer = io.BytesIO()
    neutralise_frame(table.frame()).write_csv(buffer, float_precision=FLOAT_DECIMALS,
                                              line_terminator="\n")
    return buffer.getvalue()


def fields_table(columns: list[Column]) -> Table:
    """The columns described: the CSV sidecar `<name>.fields.csv` and the XLSX `fields` sheet."""
    meta = [
        Column("column", "string", "column name", "berthcheck"),
        Column("type", "string", "value type", "berthcheck"),
        Column("unit", "string", "unit", "berthcheck"),
        Column("status", "string", "confirmed (the regulation's list asks for it), "
               "UNCONFIRMED (could not be confirmed), or berthcheck (computed by berthcheck)",
               "berthcheck"),
        Column("source", "string", "where the requirement comes from", "berthcheck"),
        Column("description", "string", "what the column holds", "berthcheck"),
        Column("note", "string", "why it is unconfirmed, or how it is derived", "berthcheck"),
    ]
    rows = [{"column": c.name, "type": c.type, "unit": c.unit, "status": c.status,
             "source": c.source, "description": c.description, "note": c.note}
            for c in columns]
    return Table("fields", meta, rows)


def xlsx_bytes(tables: list[Table], notes: bool = True) -> bytes:
    """One sheet per table, header notes on UNCONFIRMED columns, then a `fields` sheet."""
    import xlsxwriter

    from berthcheck.cells import neutralise

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {
        "in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
        "strings_to_numbers": False,
    })
    workbook.set_properties({"created": XLSX_DATE})
    bold = workbook.add_format({"bold": True})
    flagged = workbook.add_format({"bold": True, "font_color": "#9A3412"})
    sheets = list(tables)
    if notes:
        seen: list[Column] = []
        for t in tables:
            seen += [c for c in t.columns if c.name not in {s.name for s in seen}]
        sheets.append(fields_table(seen))
    for table in sheets:
        sheet = workbook.add_worksheet(table.name[:31])
        for j, col in enumerate(table.columns):
            sheet.write_string(0, j, col.name, bold if col.confirmed else flagged)
            if notes and not col.confirmed and table.name != "fields":
                sheet.write_comment(0, j, f"UNCONFIRMED: {col.note or col.source}"[:2000])
            sheet.set_column(j, j, min(max(len(col.name) + 2, 10), 40))
        for i, row in enumerate(table.rows, start=1):
            for j, col in enumerate(table.columns):
                value = row.get(col.name)
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_boolean(i, j, value)
                elif isinstance(value, int | float):
                    sheet.write_number(i, j, round(float(value), FLOAT_DECIMALS))
                else:
                    sheet.write_string(i, j, neutralise(str(value)) or "")
        sheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def table_files(out: Path, tables: list[Table]) -> dict[str, bytes]:
    """The files a table export writes: FILE.xlsx (every table a sheet, plus `fields`), or
    FILE.csv (the first table), FILE-<sheet>.csv for further tables, FILE.fields.csv."""
    out = Path(out)
    names = table_file_names(out, [t.name for t in tables])
    if check_table_format(out) == ".xlsx":
        return {names[0]: xlsx_bytes(tables)}
    seen: list[Column] = []
    for t in tables:
        seen += [c for c in t.columns if c.name not in {s.name for s in seen}]
    data = [csv_bytes(t) for t in tables] + [csv_bytes(fields_table(seen))]
    return dict(zip(names, data, strict=True))


def table_file_names(out: Path, sheets: list[str]) -> list[str]:
    """The names `table_files` writes for tables named `sheets`, in its order, known before
    anything is built: an export checks every one of them against the database and the loaded
    files before it makes a run (`make_export`), so a refused name leaves no run behind."""
    out = Path(out)
    if check_table_format(out) == ".xlsx":
        return [out.name]
    return ([out.name] + [f"{out.stem}-{sheet}.csv" for sheet in sheets[1:]]
            + [f"{out.stem}.fields.csv"])


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip whose bytes depend only on the files: sorted names, fixed dates and modes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader sees the old file or the new one, never half
    (`berthcheck.atomic`, as every file berthcheck writes). An export's target folder is made
    when missing: `--out DIR` of the indicators names a folder to be written."""
    atomic.write_bytes(Path(path), data, mkdir=True, what="export")


def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Every file of an export, after all of them were built: they appear together or not at
    all (`atomic.write_all`), so a failure on the third file does not leave the first two
    beside an older export's others."""
    def writer(data: bytes):
        return lambda tmp: tmp.write_bytes(data)

    return atomic.write_all(
        [(Path(folder) / name, writer(files[name]), "export") for name in sorted(files)],
        mkdir=True)
