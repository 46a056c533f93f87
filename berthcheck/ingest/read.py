"""Read CSV, Parquet and XLSX files into all-text frames with the file's own row numbers.

Everything is read as text first so that a bad cell can be reported exactly as the user wrote
it; typing happens in `coerce`. Headers are matched ignoring case, spaces, '-' and '_', and
through each column's aliases.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from berthcheck.errors import InputRejected, RowError, UsageError
from berthcheck.ingest import control_chars
from berthcheck.ingest.cell_text import nulls
from berthcheck.ingest.kinds import Kind
from berthcheck.ingest.text_encoding import CsvShape, decoded, head_shape, scan_utf8
from berthcheck.ingest.xlsx_cells import (
    cell_problems_headline,
    column_letters,
    first_used_cell,
    xlsx_formulas_without_values,
)

ROW = "_source_row"
# spreadsheets (and web pages saved as one) that berthcheck does not read: `load-dir` refuses
# one named after a kind instead of skipping it, `load` says how to make it readable
SPREADSHEET_SUFFIXES = frozenset({".xls", ".xlsm", ".xlsb", ".ods", ".htm", ".html", ".xml"})
FORMATS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}


@dataclass
class RawTable:
    path: Path
    file_format: str
    sha256: str
    frame: pl.DataFrame  # canonical column names, all Utf8, plus ROW and "extra" (JSON or null)
    present: frozenset[str]  # contract columns the file had
    label: str = ""  # how messages name the file: its name, with the sheet when one was picked
    unread: tuple[str, ...] = ()  # the file's headers that are no column of the kind (in `extra`)
    delimiter: str | None = None  # a CSV's field separator as read (None: not a CSV)
    # cells holding a control character (ingest/control_chars.py): the rows' problems, which
    # prepare.py reports with the rest
    problems: list[RowError] = field(default_factory=list)


def header_token(text: str) -> str:
    """A header as matched against a kind's column names and aliases: its letters and digits
    only, in lower case. Besides case, spaces, '-' and '_' (as `normalise_token`), units in
    brackets and dots are ignored: "Energy (kWh)" is energy_kwh, "IMO No." imo_no; a
    different unit ("Energy (MWh)") is no column, never read as this one."""
    return "".join(ch for ch in text.lower() if ch.isalnum())


def file_sha256(path: Path, scan: control_chars.ByteScan | None = None) -> str:
    """The file's sha256; `scan`, if given, is fed the same chunks (a CSV's bytes are searched
    for control characters in the one read)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            if scan is not None:
                scan.feed(chunk)
    return digest.hexdigest()


_HASH_ASIDE_BYTES = 8 << 20  # files at least this large are hashed on a thread of their own


def _sha256_aside(path: Path, scan: control_chars.ByteScan | None = None
                  ) -> Callable[[], str]:
    """The file's sha256, made beside the reader for a large file (hashlib and file reads let
    go of the GIL, and so does polars' reader: a quarter of a second of one core per million
    visits, otherwise spent after the read). Returns what gives the digest when it is needed
    (and `scan`'s answer is known once it has given it)."""
    if path.stat().st_size < _HASH_ASIDE_BYTES:
        digest = file_sha256(path, scan)
        return lambda: digest
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(1, thread_name_prefix="bc-sha256")
    future = pool.submit(file_sha256, path, scan)
    pool.shutdown(wait=False)
    return future.result


def _named(frame: pl.DataFrame, name: str) -> pl.Expr:
    """The column `name` of `frame`, by its place. A file's header is any text, and polars
    reads `pl.col("*")` as every column and `pl.col("^...$")` as a pattern: a file with an
    unread column headed `*` failed to load."""
    return pl.nth(frame.get_column_index(name))


def _stringify(frame: pl.DataFrame) -> pl.DataFrame:
    """Typed columns (Parquet, XLSX) to the text a user would have written."""
    out = []
    for name, dtype in frame.schema.items():
        col = _named(frame, name)
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


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file when its own form does not say: `--encoding`, `--sheet`,
    `--delimiter`."""

    encoding: str | None = None  # None: UTF-8 (a BOM is allowed), anything else refused
    sheet: str | None = None  # XLSX: the sheet to read (required when there are several)
    delimiter: str | None = None  # CSV: the field separator (default ',')


_DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _delimiter(options: ReadOptions) -> str:
    text = options.delimiter
    if text is None:
        return ","
    if not delimiter_usable(text):
        raise UsageError(f"--delimiter must be one character (or 'tab'), not {options.delimiter!r}")
    return _DELIMITER_WORDS.get(text.lower(), text)


def delimiter_usable(text: str) -> bool:
    """`--delimiter`'s value names one field separator (a character, or a word such as 'tab')."""
    text = _DELIMITER_WORDS.get(text.lower(), text)
    return len(text) == 1 and text not in "\r\n\""


def encoding_known(name: str) -> bool:
    """`--encoding`'s value is a text encoding Python decodes (not e.g. 'rot13', a codec of
    text to text, which `bytes.decode` refuses as `decoded` would)."""
    import codecs

    try:
        codec = codecs.lookup(name)
    except LookupError:
        return False
    return getattr(codec, "_is_text_encoding", True)


def _read_csv(path: Path, label: str, options: ReadOptions) -> pl.DataFrame:
    source: Path | bytes
    scanned = True
    if options.encoding:
        source = decoded(path, label, options.encoding)
        shape = CsvShape(source.split(b"\n", 1)[0].rstrip(b"\r"), b"\n" in source,
                          b"\r" in source)
    else:
        source = path  # read by polars straight from the file
        # a streaming UTF-8 scan of the whole file costs a core half a second per million
        # visits; when the head settles the shape, polars' reader checks the rest
        head = head_shape(path)
        scanned = head is None
        shape = scan_utf8(path, label) if head is None else head
    if shape.has_cr and not shape.has_lf:
        raise InputRejected(label, [], headline=(
            f"{label}: lines end with a carriage return only (old Mac line ends); save it with "
            "Windows or Unix line ends; nothing was loaded"))
    try:
        separator = _delimiter(options)
        headers = next(csv.reader([shape.header.decode("utf-8")], delimiter=separator), [])
        _check_duplicate_headers(headers, label)
        frame = pl.read_csv(source, infer_schema=False, raise_if_empty=False, separator=separator)
    except Exception as exc:
        if not scanned:  # a byte that is not UTF-8 is reported first, by offset and row, as
            scan_utf8(path, label)  # when the whole file is scanned before anything else
        if "more fields than" in str(exc):
            _name_rows_too_wide(source, label, separator, len(headers))
        if str(exc).startswith("could not parse"):
            _name_row_badly_quoted(source, label, separator, headers, str(exc))
        raise
    if frame.columns and frame.columns[0].startswith("\ufeff"):
        frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    frame = _without_unnamed_columns(frame, label, 2)
    if options.delimiter is None and len(frame.columns) == 1:
        # Excel's "Unicode Text" is tab-separated, many European exports semicolon-separated
        for mark, name, option in _OTHER_DELIMITERS:
            if mark in frame.columns[0]:
                raise InputRejected(label, [], headline=(
                    f"{label}: the header has one column {frame.columns[0][:60]!r} with "
                    f"{mark!r} in it: the file looks separated by {name}; give --delimiter "
                    f"{option}; nothing was loaded"))
    if frame.height == 0:
        data = source if isinstance(source, bytes) else path.read_bytes()
        rest = data.split(b"\n", 1)[1] if b"\n" in data else b""
        if rest.strip():
            raise InputRejected(label, [], headline=(
                f"{label}: no data rows could be read, yet there are {len(rest)} bytes after "
                "the header (wrong line ends or delimiter?); nothing was loaded"))
    return frame


def _name_rows_too_wide(source: Path | bytes, label: str, separator: str, width: int) -> None:
    """polars refuses a row with more fields than the header without saying which: find the
    rows (numbered as the file's rows, header = 1) and reject the file naming them."""
    import io

    text = (io.StringIO(source.decode("utf-8-sig"), newline="") if isinstance(source, bytes)
            else open(source, encoding="utf-8-sig", newline=""))
    problems = []
    first = ""
    narrow = 0  # rows below the header, not empty, that are not wider than it
    widths = set()  # the field counts of the rows wider than the header
    with text:
        for row, fields in enumerate(csv.reader(text, delimiter=separator), 1):
            if row == 1:
                first = separator.join(fields)
            elif width < len(fields) or not any(f.strip() for f in fields):
                pass
            else:
                narrow += 1
            if len(fields) > width:
                widths.add(len(fields))
                problems.append(RowError(
                    label, row, f"field {width + 1}", separator.join(fields[width:]),
                    f"the row has {len(fields)} fields, the header {width} (a value holding "
                    f"{separator!r} must be quoted)"))
                if len(problems) >= _MAX_WIDE_ROWS:
                    break
    if problems and not narrow and width <= 2 and len(widths) == 1:
        # every row is wider than a one- or two-cell first line: a title above the header
        raise InputRejected(label, problems, headline=(
            f"{label}: the first line ({first[:60]!r}) has {width} field"
            f"{'s' if width != 1 else ''} and every row below it {widths.pop()}: is it a "
            "title above the header? delete the lines above the header; nothing was loaded"))
    if problems:
        raise InputRejected(label, problems)


def _name_row_badly_quoted(source: Path | bytes, label: str, separator: str,
                           headers: list[str], message: str) -> None:
    """polars refuses a quoted value that is never closed (or is followed by more text) with
    "could not parse `<the rest of the file>` as dtype `str` at column 'x'": the error gave
    no row, and its first line, a piece of some row, was all the user saw. Find the row (as
    the file's rows are numbered, header = 1) with Python's strict CSV reader and reject the
    file naming row, column and value."""
    import io

    found = re.match(r"could not parse `(.*?)` as dtype `str` at column '(.*?)' "
                     r"\(column number (\d+)\)", message, re.S)
    text = (io.StringIO(source.decode("utf-8-sig"), newline="") if isinstance(source, bytes)
            else open(source, encoding="utf-8-sig", newline=""))
    row = 0
    with text:
        reader = csv.reader(text, delimiter=separator, strict=True)
        try:
            for _fields in reader:
                row += 1
            return  # Python's reader takes every row: leave polars' message
        except csv.Error as err:
            row += 1  # the row being read when the reader stopped
            unclosed = "end of data" in str(err) or "EOF" in str(err)
    if found is not None:
        value, column = found.group(1).split("\n", 1)[0], found.group(2)
    else:
        value, column = "", (headers[0] if headers else "")
    reason = ("a quoted value is never closed: its opening quote runs to the end of the file "
              "(close it, or double each quote inside the value: \"\")" if unclosed else
              "text follows a quoted value's closing quote (quote the whole value and double "
              "each quote inside it: \"\")")
    raise InputRejected(label, [RowError(label, row, column, value, reason)])


_MAX_WIDE_ROWS = 200  # rows named for a file whose every row is too wide


_OTHER_DELIMITERS = ((";", "semicolons", "';'"), ("\t", "tabs", "tab"), ("|", "pipes", "'|'"))


def _check_duplicate_headers(headers: list[str], label: str) -> None:
    seen: dict[str, str] = {}
    problems = []
    for header in headers:
        if _unnamed(header):
            continue  # a column without a header: `_without_unnamed_columns` looks at it
        token = header_token(header)
        if token in seen:
            problems.append(RowError(label, 1, header, header,
                                     f"header appears twice (as {seen[token]!r} too); keep one"))
        else:
            seen[token] = header
    if problems:
        raise InputRejected(label, problems)


_NESTED = (pl.List, pl.Array, pl.Struct, pl.Object)


def _read_parquet(path: Path, label: str) -> pl.DataFrame:
    frame = pl.read_parquet(path)
    nested = [RowError(label, 1, name, str(dtype), "nested column types (lists, structs) are "
                       "not accepted; flatten it to one value per cell")
              for name, dtype in frame.schema.items() if isinstance(dtype, _NESTED)]
    if nested:
        raise InputRejected(label, nested)
    return frame


def _read_xlsx(path: Path, label: str, options: ReadOptions) -> tuple[pl.DataFrame, str, int]:
    """(frame, label naming the sheet when the workbook has several or one was asked for,
    the sheet row of the frame's first row)."""
    import logging

    import fastexcel

    # the reader logs "Could not determine dtype for column 23, falling back to string" for
    # a column mixing dates and text: every cell is read as text here anyway, and the user
    # is told about cells in berthcheck's own words (file, row, column, value), never so
    logging.getLogger("fastexcel").setLevel(logging.ERROR)
    names = fastexcel.read_excel(path).sheet_names
    if options.sheet is None:
        if len(names) > 1:
            raise InputRejected(label, [], headline=(
                f"{label}: the workbook has {len(names)} sheets ({', '.join(map(repr, names))}); "
                "say which to read with --sheet NAME; nothing was loaded"))
        sheet = names[0]
    else:
        if options.sheet not in names:
            raise UsageError(f"{label}: no sheet {options.sheet!r}; the sheets are "
                             f"{', '.join(map(repr, names))}")
        sheet = options.sheet
        label = f"{label}[{sheet}]"
    problems = xlsx_formulas_without_values(path, sheet, label)
    if problems:
        raise InputRejected(label, problems, headline=cell_problems_headline(label, problems))
    # empty rows are kept (and skipped by _read_table after numbering): dropped here, every
    # later row would be named, and its lineage stored, one row too high per empty row above
    frame = pl.read_excel(path, sheet_name=sheet, engine="calamine", drop_empty_rows=False)
    _check_duplicate_headers([_undup(c) for c in frame.columns], label)
    # the reader takes the first row with a value as the header: rows are numbered from it
    header_row, first_column = first_used_cell(path, sheet)
    # a date-time cell is a day count in floating point: one written to fewer decimals than
    # Excel keeps (46296.3333333) is 07:59:59.997, shown as 08:00 by every spreadsheet. Berth
    # logs are kept to the minute at best: such cells are read to the nearest second
    frame = _stringify(frame.with_columns(
        _named(frame, name).dt.round("1s") for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime)))
    # a column mixing date-time and text cells is read as text, its date-time cells written
    # out by the reader with their fraction ("2026-10-01 07:59:59.997"): the same rounding
    frame = frame.with_columns(
        pl.when(_named(frame, name).str.contains(_FRACTION))
        .then(_named(frame, name).str.strptime(pl.Datetime("ms"), "%Y-%m-%d %H:%M:%S%.f",
                                               strict=False)
              .dt.round("1s").dt.strftime("%Y-%m-%d %H:%M:%S"))
        .otherwise(_named(frame, name)).alias(name)
        for name in frame.columns if frame.get_column(name).str.contains(_FRACTION).any())

    def where(pos: int, name: str) -> str:
        # calamine numbers an empty header cell from the sheet's first used column
        match = re.fullmatch(r"__UNNAMED__(\d+)", name)
        return (f"{column_letters(first_column + int(match.group(1)))} (no header)"
                if match else f"{pos + 1} (no header)")

    frame = _without_unnamed_columns(frame, label, header_row + 1, where)
    return frame, label, header_row + 1


_READER_NAMES = re.compile(r"_duplicated_\d+|__UNNAMED__\d+")


def _unnamed(name: str) -> bool:
    """A column without a header: blank, or what the readers call one (polars names a second
    empty CSV header `_duplicated_0`, calamine an empty XLSX header cell `__UNNAMED__3`)."""
    return not name.strip() or _READER_NAMES.fullmatch(name) is not None


_MAX_UNNAMED_VALUES = 200  # cells named for a file with many values in headerless columns


def _without_unnamed_columns(frame: pl.DataFrame, label: str, first_row: int,
                            where: Callable[[int, str], str] | None = None) -> pl.DataFrame:
    """Drop the columns without a header that hold no value (Excel's "Save as CSV" of a sheet
    with formatted empty columns ends every line with commas: they were refused as "a header
    that appears twice"). A value in such a column is refused, naming its row, the column's
    position and the value: it cannot be read as any column, and is never dropped silently."""
    unnamed = [(pos, name) for pos, name in enumerate(frame.columns) if _unnamed(name)]
    if not unnamed:
        return frame
    problems: list[RowError] = []
    holding = 0  # headerless columns holding a value
    for pos, name in unnamed:
        cells = frame.get_column(name).cast(pl.Utf8)
        filled = (cells.str.strip_chars().fill_null("") != "").arg_true().to_list()
        holding += bool(filled)
        for index in filled[:_MAX_UNNAMED_VALUES - len(problems)]:
            problems.append(RowError(
                label, first_row + index,
                where(pos, name) if where else f"{pos + 1} (no header)", cells[index],
                "a value in a column without a header: give the column a header (or delete "
                "the value)"))
    named = [name for name in frame.columns if not _unnamed(name)]
    if problems and holding >= len(named):
        # most columns have no header: the row read as the header is a title (or a row of
        # merged group cells) above the real one, whose row is named with the problems
        first = min(p.row for p in problems)
        shown = ", ".join(repr(n) for n in named[:3])
        raise InputRejected(label, [p for p in problems if p.row == first], headline=(
            f"{label}: the header row (row {first_row - 1}: {shown}) leaves {holding} "
            f"of {len(frame.columns)} columns without a header: is it a title or merged "
            "cells above the header? delete the rows above the header; nothing was loaded"))
    if problems:
        raise InputRejected(label, problems)
    return frame.drop([name for _, name in unnamed])


_FRACTION = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+$"  # a reader's date-time with a fraction


def _undup(name: str) -> str:
    """calamine renames a repeated header `x` to `x_duplicated_0`: undo it to report it."""
    base, sep, tail = name.rpartition("_duplicated_")
    return base if sep and tail.isdigit() else name


def _without_empty_rows(frame: pl.DataFrame, keep: frozenset[int] = frozenset()
                        ) -> pl.DataFrame:
    """Drop the rows with no cell at all: a blank line of a CSV (most editors leave one at the
    end), a line of separators only (`,,,,`: a spreadsheet's formatted empty row) or an empty
    spreadsheet row. They hold no value, so nothing is lost; the other rows keep their numbers
    in the file. Without them a trailing blank line rejected the whole file with a "required
    but empty" problem per required column of a row the user cannot see. A cell of spaces
    only is no value either (cells are trimmed): a spreadsheet row that looks empty but holds
    a space was refused as "required but empty", naming a row the user sees blank."""
    cells = [name for name in frame.columns if name != ROW]

    def blank(name: str) -> pl.Expr:
        return _named(frame, name).is_null() | (_named(frame, name).str.strip_chars() == "")

    # a row with no value has none in the first column either: a file without a gap there
    # (polars keeps the null count; spaces need one pass over that column) needs no row-wise
    # pass
    first = frame.get_column(cells[0]) if cells else None
    if first is None or (first.null_count() == 0
                         and not frame.select(blank(cells[0]).any()).item()):
        return frame
    empty = pl.all_horizontal([blank(c) for c in cells])
    if keep:  # rows with a problem of their own (a cell of U+0085 alone, a Unicode space)
        empty = empty & ~pl.col(ROW).is_in(sorted(keep))
    return frame.filter(~empty)


_SAVE_AS = "open it in Excel (or LibreOffice) and save it as .xlsx or CSV UTF-8"


def disguised(path: Path) -> str | None:
    """What a file is when it is not what its name says, in words for the user; None when
    its first bytes say nothing against its name. Terminals' and wharfingers' "export to
    Excel" often writes a web page (an HTML table) or an Excel 2003 XML file and names it
    .xls (or .xlsx, .csv): read as its name says, it gave a zip error or a header of HTML
    tags."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "the file is an Excel 97-2003 workbook (.xls), which berthcheck does not read"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in text:
        return "the file is an Excel 2003 XML spreadsheet, not a workbook berthcheck reads"
    if text.startswith(b"<") and any(tag in text for tag in (b"<html", b"<table", b"<!doctype html")):
        return "the file is a web page (HTML), not a spreadsheet"
    return None


def unreadable(path: Path) -> str:
    """Why a file of a type berthcheck does not read is refused, and what to do."""
    what = disguised(path) or f"files of type {path.suffix!r} are not read"
    return f"{path.name}: {what}; {_SAVE_AS} (berthcheck reads .csv, .parquet and .xlsx)"


def extra_json(frame: pl.DataFrame, extras: list[str]) -> pl.Series:
    """`extra`: each row's cells of the unread columns `extras` as a JSON object,
    `json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)` (the stored text, part
    of each row's hashes). Text cells are written by polars, the same text to the byte: a
    Python loop over the rows (a dict and a `json.dumps` each) cost 1.5 s of CPU per 200 000
    rows with four unread columns. Cells of other types take the loop, as before."""
    if any(frame.schema[name] != pl.Utf8 for name in extras):
        records = pl.DataFrame([frame.get_column(name) for name in extras]).to_dicts()
        return pl.Series(
            "extra",
            [json.dumps(r, sort_keys=True, ensure_ascii=False, default=str) for r in records],
            dtype=pl.Utf8,
        )
    parts: list[pl.Expr] = []
    for i, name in enumerate(sorted(extras)):  # sort_keys: by code point, as sorted() does
        # a cell as JSON: polars' object of the one cell, less its key and braces
        cell = (pl.struct(_named(frame, name).alias("v")).struct.json_encode()
                .str.strip_prefix('{"v":').str.strip_suffix("}"))
        key = ("{" if i == 0 else ", ") + json.dumps(name, ensure_ascii=False) + ": "
        parts += [pl.lit(key), cell]
    return frame.select(pl.concat_str([*parts, pl.lit("}")]).alias("extra")).to_series()


def read_table(path: Path, kind: Kind, options: ReadOptions | None = None) -> RawTable:
    return _read_table(path, kind, options or ReadOptions())


def _read_table(path: Path, kind: Kind, options: ReadOptions) -> RawTable:
    """Read one input file and map its headers onto the kind's columns."""
    path = Path(path)
    label = path.name
    control_chars.refuse_in_path(path)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, not a file; give the files in it, or load "
                         f"the whole folder with `berthcheck load-dir {path}`")
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    file_format = FORMATS.get(path.suffix.lower())
    if file_format is None:
        if disguised(path) is not None or path.suffix.lower() in SPREADSHEET_SUFFIXES:
            raise UsageError(unreadable(path))
        raise UsageError(f"{label}: unsupported file type {path.suffix!r}; use .csv, .parquet or .xlsx")
    if file_format != "parquet" and (what := disguised(path)) is not None:
        raise InputRejected(label, [], headline=f"{label}: {what}; {_SAVE_AS}; nothing was loaded")
    if file_format != "csv" and options.delimiter is not None:
        raise UsageError(f"{label}: --delimiter applies to CSV files only")
    if file_format != "csv" and options.encoding is not None:
        raise UsageError(f"{label}: --encoding applies to CSV files only")
    if file_format != "xlsx" and options.sheet is not None:
        raise UsageError(f"{label}: --sheet applies to XLSX files only")
    first_row = 1 if file_format == "parquet" else 2
    # a UTF-8 CSV's bytes are searched for control characters as they are hashed; its cells
    # only if they hold one. Other files' text cells are searched (`text` None: every column)
    scan = control_chars.ByteScan() if file_format == "csv" and not options.encoding else None
    text: list[str] | None = None
    sha256 = _sha256_aside(path, scan)
    try:
        if file_format == "csv":
            frame = _read_csv(path, label, options)
        elif file_format == "parquet":
            frame = _read_parquet(path, label)
            text = [n for n, dtype in frame.schema.items()
                    if not (dtype.is_numeric() or dtype.is_temporal() or dtype == pl.Boolean)]
            frame = _stringify(frame)
        else:
            frame, label, first_row = _read_xlsx(path, label, options)
    except (InputRejected, UsageError):
        raise
    except Exception as exc:  # any reader failure is the file's fault, not a crash
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputRejected(
            label, [], headline=f"{label}: cannot be read as {file_format.upper()}: {first}"
        ) from None

    bad_headers = control_chars.header_problems(frame.columns, label)
    if bad_headers:
        raise InputRejected(label, bad_headers)
    lookup: dict[str, str] = {}
    for col in kind.columns:
        for name in (col.name, *col.aliases):
            lookup.setdefault(header_token(name), col.name)

    renames: dict[str, str] = {}
    extras: list[str] = []
    seen: dict[str, str] = {}
    problems: list[RowError] = []
    for header in frame.columns:
        canonical = lookup.get(header_token(header))
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
        # a file overriding built-in rows may leave a column out (each row that is not built
        # in is then refused for the empty cell, ingest/reference.py)
        optional_here = kind.builtin_rows and col.name not in kind.key
        if col.required and col.name not in renames.values() and not optional_here:
            problems.append(RowError(label, 1, col.name, "", "required column is missing"))
    if problems:
        raise InputRejected(label, problems)

    frame = frame.with_row_index(ROW, offset=first_row).with_columns(pl.col(ROW).cast(pl.Int64))
    digest = sha256()  # (the scan of the CSV's bytes is done with it)
    cells: list[RowError] = []
    if scan is None or scan.found:
        # every cell, the unread columns' too (kept in `extra`), before empty rows are dropped
        # (a cell of U+0085 alone, a Unicode space, would make its row look empty)
        names = {h: renames.get(h, h) for h in frame.columns if h != ROW
                 and (text is None or h in text)}
        cells = control_chars.cell_problems(frame, ROW, label, names)
    if file_format != "parquet":
        frame = _without_empty_rows(frame, frozenset(p.row for p in cells))
    if extras:
        # Unknown columns are kept verbatim (as JSON) and never read by the rules.
        extra = extra_json(frame, extras)
    else:
        extra = nulls("extra", pl.Utf8, frame.height)
    frame = frame.select([pl.col(ROW), *(_named(frame, header).alias(column)
                                          for header, column in renames.items())]
                         ).with_columns(extra)
    present = frozenset(renames.values())
    missing = [c.name for c in kind.columns if c.name not in present]
    if missing:
        frame = frame.with_columns([pl.lit(None, dtype=pl.Utf8).alias(m) for m in missing])
    frame = frame.select([ROW, *kind.column_names, "extra"])
    return RawTable(path, file_format, digest, frame, present, label, tuple(extras),
                    _delimiter(options) if file_format == "csv" else None, cells)
