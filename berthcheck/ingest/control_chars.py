"""Control characters in text cells: never stored (README, "No silent damage").

A cell holding a C0 control character other than tab, line feed and carriage return (NUL,
ESC, ...), DEL (U+007F) or a C1 control character (U+0080-U+009F) is a row error naming file,
row, column and the value with the character shown escaped (`NUL\\x00SHIP`): such a
character is invisible in every output (a terminal table, a CSV, a report) and no text
holds one; it is what a damaged export or a wrong conversion (Windows-1252 read as Latin-1)
leaves. With `--quarantine` the row is kept aside and the others load.

Cheap when there is none: a CSV file's bytes are scanned once, beside its hash (`ByteScan`,
fed the same chunks), and its cells are searched only when the bytes hold such a character;
other sources (XLSX, Parquet, an adapter's rows) are searched with one vectorised polars
query over their text columns.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import polars as pl

from berthcheck.errors import CONTROL as _FOUND
from berthcheck.errors import RowError, UsageError, escaped_controls

# the characters refused: C0 less tab, LF and CR; DEL; C1 (the same regex for polars)
PATTERN = _FOUND.pattern
REASON = "holds the control character "  # how every such problem's reason starts

_C0_NAMES = ("NUL SOH STX ETX EOT ENQ ACK BEL BS HT LF VT FF CR SO SI DLE DC1 DC2 DC3 DC4 NAK "
             "SYN ETB CAN EM SUB ESC FS GS RS US").split()


def holds_control(text: str) -> bool:
    return _FOUND.search(text) is not None


def _named(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return f"U+{code:04X} ({_C0_NAMES[code]})"
    if code == 0x7F:
        return "U+007F (DEL)"
    try:  # a C1 character is most often a Windows-1252 byte decoded as Latin-1
        meant = bytes([code]).decode("cp1252")
    except UnicodeDecodeError:
        return f"U+{code:04X} (C1)"
    return f"U+{code:04X} (C1; Windows-1252's {meant!r} read as Latin-1?)"


def problem(label: str, row: int, column: str, value: str, path: str = "") -> RowError:
    """The row error for a cell `value` holding a refused character."""
    found = _FOUND.search(value)
    assert found is not None
    count = len(_FOUND.findall(value))
    more = f"; {count} such characters in all" if count > 1 else ""
    return RowError(label, row, column, value, (  # RowError escapes it
        f"{REASON}{_named(found.group())} at character {found.start() + 1} (shown as "
        f"\\x{ord(found.group()):02x}{more}), which no text holds: delete it"),
        path=path)


def cell_problems(frame: pl.DataFrame, row_column: str, label: str,
                  columns: Mapping[str, str], limit: int | None = None) -> list[RowError]:
    """The cells of `frame`'s text columns (`columns`: the frame's column -> the name
    messages give it) holding a refused character, with the row `frame[row_column]`. One
    polars query finds the columns holding any; only those are searched row by row."""
    names = [c for c in columns if frame.schema.get(c) == pl.Utf8]
    if not names or frame.height == 0:
        return []
    flagged = frame.select(pl.nth(frame.get_column_index(c)).str.contains(PATTERN).any()
                           for c in names).row(0)
    out: list[RowError] = []
    for name, hit in zip(names, flagged, strict=True):
        if not hit:
            continue
        cells = frame.get_column(name)
        where = cells.str.contains(PATTERN).fill_null(False).arg_true()
        rows = frame.get_column(row_column).gather(where).to_list()
        out += [problem(label, row, columns[name], value)
                for row, value in zip(rows, cells.gather(where).to_list(), strict=True)]
        if limit is not None and len(out) >= limit:
            break
    return out


def refuse_in_path(path: Path) -> None:
    """A file whose path holds a refused character is not read: its name is stored with
    every row (`_source_file`, the load's path) and printed in every message."""
    text = str(path)
    found = _FOUND.search(text)
    if found is not None:
        raise UsageError(f"{escaped_controls(text)}: the file's path holds the control "
                         f"character {_named(found.group())} (shown as "
                         f"\\x{ord(found.group()):02x}); rename it")


def header_problems(headers: Iterable[str], label: str) -> list[RowError]:
    """A header holding a refused character (row 1): the file is refused as a whole."""
    return [problem(label, 1, escaped_controls(h), h) for h in headers if holds_control(h)]


def json_problems(frame: pl.DataFrame, row_column: str, column: str,
                  label: str) -> list[RowError]:
    """The strings inside `frame[column]`'s JSON objects (an adapter's `extra`) holding a
    refused character, each named by its key path (`dcsa_jit.terminalCallReference`). JSON
    writes a C0 character as `\\u00XX`, a C1 one as itself: rows whose text shows either are
    decoded and walked."""
    if frame.height == 0 or column not in frame.columns:
        return []
    shown = r"[\x7F-\x9F]|\\u00(?:0[0-8bBcCeEfF]|1[0-9a-fA-F]|7[fF]|[89][0-9a-fA-F])"
    rows = frame.filter(pl.col(column).str.contains(shown).fill_null(False))
    out: list[RowError] = []
    for row, text in rows.select(row_column, column).iter_rows():
        for key, value in _strings(json.loads(text), ""):
            if holds_control(value) or holds_control(key):
                out.append(problem(label, row, key, value if holds_control(value) else key))
    return out


def _strings(value: object, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, f"{path}.{k}" if path else str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, f"{path}[{i}]")


def without_repeats(errors: list[RowError]) -> list[RowError]:
    """Drop the other problems of a cell that holds a refused character (e.g. "not a whole
    number" for `12\\x003`): its control character is what to fix, said once."""
    cells = {(e.file, e.row, e.column) for e in errors if e.reason.startswith(REASON)}
    if not cells:
        return errors
    return [e for e in errors
            if e.reason.startswith(REASON) or (e.file, e.row, e.column) not in cells]


# bytes a UTF-8 text cannot hold a refused character in: all but C0, DEL and 0xC2 (the lead
# byte of U+0080-U+00BF, of which U+0080-U+009F are C1)
_INNOCENT = bytes(b for b in range(256) if not (b < 0x20 or b == 0x7F or b == 0xC2))
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")


class ByteScan:
    """Whether UTF-8 bytes, fed in chunks, may hold a refused character: one pass that
    deletes every byte that cannot be one (bytes.translate, some 25 ms per 45 MB) and looks at
    the few left. False positives are harmless (the cells are then searched)."""

    def __init__(self) -> None:
        self.found = False
        self._tail = b""

    def feed(self, chunk: bytes) -> None:
        if self.found or not chunk:
            return
        left = chunk.translate(None, _INNOCENT)
        lead = left.count(b"\xc2")
        if len(left) != left.count(b"\n") + left.count(b"\r") + left.count(b"\t") + lead:
            self.found = True  # a C0 character other than tab, LF or CR, or DEL
        elif lead and _C1_UTF8.search(chunk) is not None:
            self.found = True
        elif self._tail == b"\xc2" and 0x80 <= chunk[0] <= 0x9F:  # C1 across two chunks
            self.found = True
        self._tail = chunk[-1:]
