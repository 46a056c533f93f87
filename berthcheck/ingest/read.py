"""Read CSV, Parquet and XLSX files into all-text frames with the file's own row numbers.

Everything is read as text first so that a bad cell can be reported exactly as the user wrote
it; typing happens in `coerce`. Headers are matched ignoring case, spaces, '-' and '_', and
through each column's aliases.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from berthcheck.errors import InputRejected, RowError, UsageError
from berthcheck.ingest.kinds import Kind, normalise_token

ROW = "_source_row"
FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}


@dataclass
class RawTable:
    path: Path
    file_format: str
    sha256: str
    frame: pl.DataFrame  # canonical column names, all Utf8, plus ROW and "extra" (JSON or null)
    present: frozenset[str]  # contract columns the file had
    label: str | None = None  # name in messages and lineage (default: the file's name)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stringify(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns (Parquet, XLSX) to the text a user would have written."""
    out = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                # an instant: keep it exact, written with its UTC offset
                col = col.dt.convert_time_zone("UTC").dt.strftime("%Y-%m-%dT%H:%M:%S%.f+00:00")
            else:
                col = col.dt.strftime("%Y-%m-%d %H:%M:%S%.f")
        elif dtype == pl.Date:
            col = col.dt.strftime("%Y-%m-%d")
        elif dtype == pl.Boolean:
            col = pl.when(col).then(pl.lit("true")).when(~col).then(pl.lit("false"))
        elif dtype in (pl.Float32, pl.Float64):
            # 3.0 -> "3" so integer columns read from spreadsheets stay integers
            col = (
                pl.when(col.is_finite() & (col == col.round(0)) & (col.abs() < 1e15))
                .then(col.cast(pl.Int64).cast(pl.Utf8))
                .otherwise(col.cast(pl.Utf8))
            )
        elif dtype != pl.Utf8:
            col = col.cast(pl.Utf8)
        out.append(col.alias(name))
    return frame.select(out) if out else frame


def _read_any(path: Path, file_format: str) -> tuple[pl.DataFrame, int]:
    """Return (frame of text, number of the file's first data row)."""
    if file_format == "csv":
        frame = pl.read_csv(
            path,
            infer_schema=False,
            encoding="utf8-lossy",
            raise_if_empty=False,
        )
        if frame.columns and frame.columns[0].startswith("\ufeff"):
            frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
        return frame, 2
    if file_format == "parquet":
        return _stringify(pl.read_parquet(path)), 1
    frame = pl.read_excel(path, sheet_id=1, engine="calamine")
    return _stringify(frame), 2


def read_table(path: Path, kind: Kind) -> RawTable:
    """Read one input file and map its headers onto the kind's columns."""
    path = Path(path)
    label = path.name
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        raise UsageError(f"{label}: unsupported file type {path.suffix!r}; use .csv, .parquet or .xlsx")
    try:
        frame, first_row = _read_any(path, file_format)
    except Exception as exc:  # any reader failure is the file's fault, not a crash
        raise InputRejected(
            label, [], headline=f"{label}: cannot be read as {file_format.upper()}: {exc}"
        ) from None

    lookup: dict[str, str] = {}
    for col in kind.columns:
        for name in (col.name, *col.aliases):
            lookup.setdefault(normalise_token(name), col.name)

    renames: dict[str, str] = {}
    extras: list[str] = []
    seen: dict[str, str] = {}
    problems: list[RowError] = []
    for header in frame.columns:
        canonical = lookup.get(normalise_token(header))
        if canonical is None:
            extras.append(header)
            continue
        if canonical in seen:
            problems.append(
                RowError(label, 1, header, header,
                         f"maps to column {canonical!r} like header {seen[canonical]!r}; keep one")
            )
            continue
        seen[canonical] = header
        renames[header] = canonical
    for col in kind.columns:
        if col.required and col.name not in renames.values():
            problems.append(RowError(label, 1, col.name, "", "required column is missing"))
    if problems:
        raise InputRejected(label, problems)

    frame = frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    if extras:
        # Unknown columns are kept verbatim (as JSON) and never read by the rules.
        records = frame.select(extras).to_dicts()
        extra = pl.Series(
            "extra",
            [json.dumps(r, sort_keys=True, ensure_ascii=False, default=str) for r in records],
            dtype=pl.Utf8,
        )
    else:
        extra = pl.Series("extra", [None] * frame.height, dtype=pl.Utf8)
    frame = frame.select([ROW, *renames]).rename(renames).with_columns(extra)
    present = frozenset(renames.values())
    missing = [c.name for c in kind.columns if c.name not in present]
    if missing:
        frame = frame.with_columns([pl.lit(None, dtype=pl.Utf8).alias(m) for m in missing])
    frame = frame.select([ROW, *kind.column_names, "extra"])
    return RawTable(path, file_format, file_sha256(path), frame, present)
