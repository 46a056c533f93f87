"""Write results and findings by file extension: .csv, .parquet, .json, .xlsx (or CSV/JSON to
standard output with `--out -`).

csv, json and parquet are byte-deterministic for the same frame: times are written as UTC
ISO 8601 text (csv/json), floats with fixed precision, rows already sorted by the engine.

Files people open in a spreadsheet never carry a live formula (see `berthcheck.cells`): CSV
text cells that start with `=`, `+`, `-`, `@`, a tab or a carriage return get a leading `'`;
XLSX cells are written as typed values and text as strings, never formulas (the same `'`
rule applies so a CSV and an XLSX of one run read the same). JSON and Parquet are data
formats no spreadsheet evaluates, and keep every value verbatim.

Every file goes through `berthcheck.atomic`: it appears whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from berthcheck import atomic
from berthcheck.cells import neutralise_frame
from berthcheck.errors import UsageError

FORMATS = (".csv", ".parquet", ".json", ".xlsx")
STREAM_FORMATS = (".csv", ".json")  # what `--out -` can write
FLOAT_DECIMALS = 6
XLSX_CREATED = dt.datetime(2000, 1, 1)  # a fixed creation date: the same results, the same bytes
XLSX_TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


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


def _csv_ready(frame):
    # times first (their text starts with a digit), then every text cell made formula-safe
    return neutralise_frame(_texty(frame))


def csv_bytes(frame) -> bytes:
    # written straight to bytes (UTF-8): the same bytes as the text encoded, without the copy
    buffer = io.BytesIO()
    _csv_ready(frame).write_csv(buffer, float_precision=FLOAT_DECIMALS)
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
    _csv_ready(frame).write_csv(sink, float_precision=FLOAT_DECIMALS)
    return sink.digest.hexdigest()


def _evidence_object(text):
    """A finding's evidence (canonical JSON text in the store) as the object it encodes."""
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def json_bytes(frame) -> bytes:
    import polars as pl

    texty = _texty(frame).with_columns(
        [pl.col(n).round(FLOAT_DECIMALS) for n, t in frame.schema.items() if t.is_float()]
    )
    rows = texty.to_dicts()
    if "evidence" in texty.columns and texty.schema["evidence"] == pl.String:
        for row in rows:
            row["evidence"] = _evidence_object(row["evidence"])
    return (json.dumps(rows, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def check_format(path: Path, option: str = "--out") -> str:
    ext = path.suffix.lower()
    if ext not in FORMATS:
        raise UsageError(
            f"{option} {str(path)!r}: the extension must be one of {', '.join(FORMATS)}"
        )
    return ext


def check_stream_format(fmt: str) -> str:
    ext = "." + fmt.strip().lower().lstrip(".")
    if ext not in STREAM_FORMATS:
        raise UsageError(f"--format must be csv or json for --out -, not {fmt!r}")
    return ext


def write_stream(frame, stream: BinaryIO, fmt: str = "csv") -> None:
    """CSV or JSON to an open binary stream (standard output for `--out -`), every byte.

    A buffered stream may take only part of a large write and say so by the count it returns,
    without an error: a pipe whose reader went away half-way (`berthcheck check --out - |
    head`) takes what the pipe held. The rest is written again until the stream has all of
    it, so such a reader is the BrokenPipeError the command ends on (exit 141), never a
    truncated result with exit 0."""
    ext = check_stream_format(fmt)
    data = memoryview(csv_bytes(frame) if ext == ".csv" else json_bytes(frame))
    while data:
        taken = stream.write(data)
        if taken is None:  # a non-blocking stream that could take nothing now
            raise BlockingIOError("standard output took none of the results")
        data = data[taken:]
    stream.flush()


def frame_writer(frame, path: Path,
                 sheet: str = "results") -> tuple[Path, Callable[[Path], object], str]:
    """One frame as one file, by extension (an XLSX gets one sheet named `sheet`): the
    `(path, writer, what)` that `atomic.write_all` writes."""
    ext = check_format(path)
    if ext == ".xlsx":
        return path, workbook_writer({sheet.capitalize(): frame}), "workbook"
    what = "findings" if sheet == "findings" else "results"
    if ext == ".csv":
        return path, lambda tmp: tmp.write_bytes(csv_bytes(frame)), what
    if ext == ".json":
        return path, lambda tmp: tmp.write_bytes(json_bytes(frame)), what
    return path, lambda tmp: frame.write_parquet(tmp, compression="zstd", statistics=False), what


def write_frame(frame, path: Path, sheet: str = "results", *, mkdir: bool = False) -> None:
    """One frame to one file, by extension (an XLSX gets one sheet named `sheet`)."""
    atomic.write_all([frame_writer(frame, path, sheet)], mkdir=mkdir)


def _xlsx_ready(frame):
    """Instants as naive UTC (Excel has no zones; the README says XLSX times are UTC), text
    formula-safe. Column names stay as in the CSV."""
    import polars as pl

    frame = frame.with_columns(
        [
            pl.col(n).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
            for n, t in frame.schema.items()
            if isinstance(t, pl.Datetime) and t.time_zone is not None
        ]
    )
    return neutralise_frame(frame)


def write_workbook(sheets: dict, path: Path, *, mkdir: bool = False) -> None:
    """Several frames as the sheets of one XLSX workbook (`workbook_writer`)."""
    atomic.write_all([(path, workbook_writer(sheets), "workbook")], mkdir=mkdir)


def workbook_writer(sheets: dict) -> Callable[[Path], None]:
    """Writes several frames as the sheets of one XLSX workbook: header frozen, an autofilter
    over every column, text written as strings (never formulas), numbers and times as
    values."""
    import xlsxwriter

    def write(tmp: Path) -> None:
        options = {
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "nan_inf_to_errors": True,
            "default_date_format": XLSX_TIME_FORMAT,
        }
        with xlsxwriter.Workbook(str(tmp), options) as workbook:
            workbook.set_properties({"created": XLSX_CREATED})
            bold = workbook.add_format({"bold": True})
            for name, frame in sheets.items():
                ready = _xlsx_ready(frame)
                sheet = workbook.add_worksheet(name)
                for col, header in enumerate(ready.columns):
                    sheet.write_string(0, col, header, bold)
                    sheet.set_column(col, col, max(10, min(40, len(header) + 2)))
                for row_number, row in enumerate(ready.iter_rows(), start=1):
                    for col, value in enumerate(row):
                        if value is None:
                            continue
                        if isinstance(value, str):
                            sheet.write_string(row_number, col, value)
                        else:
                            sheet.write(row_number, col, value)
                sheet.freeze_panes(1, 0)
                if ready.columns:
                    sheet.autofilter(0, 0, ready.height, len(ready.columns) - 1)

    return write


def default_findings_path(out: Path) -> Path:
    return out.with_name(f"findings{out.suffix}")


def plan_outputs(
    out: Path | None,
    findings_out: Path | None,
    *,
    manifest_out: Path | None = None,
    inputs: tuple[Path, ...] = (),
    stream_format: str | None = None,
    mkdir: bool = False,
) -> Path | None:
    """Check a check's output options before any work is done; return where the findings go
    (None: nowhere, or into the results workbook).

    `--out FILE.xlsx` alone writes one workbook with a Results and a Findings sheet; any other
    `--out` writes the findings beside it (`findings.<ext>`) unless `--findings` says where.
    `--out -` writes the results to standard output (CSV, or JSON with `--format json`) and
    the findings only where `--findings` says.
    """
    if stream_format is not None and not atomic.is_stdout(out):
        raise UsageError("--format applies to --out - (standard output) only; files take their "
                         "format from the extension")
    if atomic.is_stdout(findings_out):
        raise UsageError("--findings - is not supported: use --out - for the results and a file "
                         "for the findings")
    if atomic.is_stdout(out):
        check_stream_format(stream_format or "csv")
        target = findings_out
    elif out is not None:
        check_format(out)
        if findings_out is None and out.suffix.lower() == ".xlsx":
            target = None
        else:
            target = findings_out or default_findings_path(out)
    else:
        target = findings_out
    if target is not None:
        check_format(target, "--findings")
    if manifest_out is not None and manifest_out.suffix.lower() != ".json":
        raise UsageError(f"--manifest {str(manifest_out)!r}: give a .json file")
    atomic.check_distinct(
        [("--out", out), ("--findings", target), ("--manifest", manifest_out)], inputs
    )
    for label, path in (("results", out), ("findings", target), ("manifest", manifest_out)):
        if path is not None and not atomic.is_stdout(path):
            atomic.check_parent(Path(path), mkdir=mkdir, what=label)
    return target


def write_check_outputs(
    results,
    findings,
    out: Path | None,
    findings_target: Path | None,
    *,
    stream: BinaryIO | None = None,
    stream_format: str | None = None,
    mkdir: bool = False,
) -> list[str]:
    """Write what `plan_outputs` planned; return the files written, for the summary."""
    written: list[str] = []
    files: list[tuple[Path, Callable[[Path], object], str]] = []
    if atomic.is_stdout(out):
        if stream is None:
            raise UsageError("--out - needs standard output")
    elif out is not None:
        if out.suffix.lower() == ".xlsx" and findings_target is None:
            files.append((out, workbook_writer({"Results": results, "Findings": findings}),
                          "workbook"))
            written.append(f"{out} (sheets Results and Findings)")
        else:
            files.append(frame_writer(results, out, "results"))
            written.append(str(out))
    if findings_target is not None:
        files.append(frame_writer(findings, findings_target, "findings"))
        written.append(str(findings_target))
    # results and findings appear together or not at all (a failed findings file must not
    # leave a new results file beside an old findings file)
    atomic.write_all(files, mkdir=mkdir)
    if atomic.is_stdout(out) and stream is not None:
        write_stream(results, stream, stream_format or "csv")
    return written
