"""Write results and findings by file extension: .csv, .parquet, .json, .xlsx.

csv, json and parquet are byte-deterministic for the same frame: times are written as UTC
ISO 8601 text (csv/json), floats with fixed precision, rows already sorted by the engine.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

from berthcheck.errors import UsageError

FORMATS = (".csv", ".parquet", ".json", ".xlsx")
FLOAT_DECIMALS = 6


def _texty(frame):
    """Datetimes as UTC ISO text, so text formats never depend on the machine's zone."""
    import polars as pl

    exprs = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC")
            exprs.append(col.dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias(name))
        elif isinstance(dtype, pl.Date):
            exprs.append(pl.col(name).dt.strftime("%Y-%m-%d").alias(name))
    return frame.with_columns(exprs) if exprs else frame


def csv_bytes(frame) -> bytes:
    # written straight to bytes (UTF-8): the same bytes as the text encoded, without the copy
    buffer = io.BytesIO()
    _texty(frame).write_csv(buffer, float_precision=FLOAT_DECIMALS)
    return buffer.getvalue()


class _Sha256Sink(io.RawIOBase):
    """A write-only file that hashes what is written to it and keeps none of it."""

    def __init__(self):
        super().__init__()
        self.digest = hashlib.sha256()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.digest.update(data)
        return len(data)


def csv_sha256(frame) -> str:
    """sha256 of exactly the bytes `csv_bytes(frame)` returns, streamed in polars' chunks: the
    CSV (about 1 GB for a million results) is never held whole."""
    sink = _Sha256Sink()
    _texty(frame).write_csv(sink, float_precision=FLOAT_DECIMALS)
    return sink.digest.hexdigest()


def json_bytes(frame) -> bytes:
    import polars as pl

    texty = _texty(frame).with_columns(
        [pl.col(n).round(FLOAT_DECIMALS) for n, t in frame.schema.items() if t.is_float()]
    )
    rows = texty.to_dicts()
    return (json.dumps(rows, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def check_format(path: Path) -> str:
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise UsageError(
            f"cannot write {path.name}: the extension must be one of {', '.join(FORMATS)}"
        )
    return ext


def write_frame(frame, path: Path, sheet: str = "results") -> None:
    import polars as pl

    ext = check_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if ext == ".csv":
        path.write_bytes(csv_bytes(frame))
    elif ext == ".json":
        path.write_bytes(json_bytes(frame))
    elif ext == ".parquet":
        frame.write_parquet(path, compression="zstd", statistics=False)
    else:
        # Excel has no time zones: write UTC wall-clock times, named so in the header.
        naive = frame.with_columns(
            [
                pl.col(n).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
                for n, t in frame.schema.items()
                if isinstance(t, pl.Datetime) and t.time_zone is not None
            ]
        ).rename(
            {n: f"{n}_utc" for n, t in frame.schema.items()
             if isinstance(t, pl.Datetime) and t.time_zone is not None}
        )
        import datetime as dt

        import xlsxwriter

        # A fixed creation date: the same results give the same bytes.
        with xlsxwriter.Workbook(str(path)) as workbook:
            workbook.set_properties({"created": dt.datetime(2000, 1, 1)})
            naive.write_excel(workbook, worksheet=sheet, autofit=True)


def default_findings_path(out: Path) -> Path:
    return out.with_name(f"findings{out.suffix}")
