"""Formula cells without a saved value, and cells holding an error value, in an XLSX sheet.

A workbook written by a program that does not calculate (a script, an export tool) can hold
formulas with no cached result. Spreadsheet readers then see an empty cell or 0: a silent
wrong value. We look at the sheet's XML for `<c><f>...</f></c>` cells without a `<v>` value.

A cell whose formula failed (a lookup that found nothing: `#N/A`; `#DIV/0!`, `#REF!`, ...)
is stored as an error cell (`<c t="e"><v>#N/A</v></c>`, with or without its formula), which
the reader also hands over as an empty cell: a `ready_to_work` of `#N/A` would make the visit
insufficient_data, a `shore_power_capable` of `#N/A` false, with no word, where the same sheet
saved as CSV is refused naming the value. Such cells are named too.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from berthcheck.errors import RowError

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
MAX_REPORTED = 200


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding the sheet named `sheet`."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rel_id = None
    for node in workbook.iter(f"{_NS}sheet"):
        if node.get("name") == sheet:
            rel_id = node.get(f"{_REL_NS}id")
            break
    if rel_id is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target") or ""
            if target.startswith("/"):
                return target.lstrip("/")
            return posixpath.normpath(posixpath.join("xl", target))
    return None


FORMULA_WITHOUT_VALUE = "formula without a saved value (never read as empty or 0)"
ERROR_VALUE = ("a spreadsheet error value (a formula that failed, e.g. a lookup that found "
               "nothing), never read as empty: correct the cell, or clear it if it has no value")


def xlsx_formulas_without_values(path: Path, sheet: str, label: str) -> list[RowError]:
    """One RowError per cell of `sheet` that the reader would hand over as empty or 0 while
    the sheet holds something else (cell named): a formula with no saved value
    (FORMULA_WITHOUT_VALUE) or a cell holding an error value such as `#N/A` (ERROR_VALUE)."""
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return []
        data = archive.read(part)
    if (b"<f" not in data and b":f" not in data
            and b't="e"' not in data and b"t='e'" not in data):
        return []  # no formula and no error cell at all: nothing to parse
    errors = []
    for _event, cell in ElementTree.iterparse(_Bytes(data)):
        if cell.tag != f"{_NS}c":
            continue
        formula = cell.find(f"{_NS}f")
        saved = cell.find(f"{_NS}v")
        problem = None
        if formula is not None and saved is None and cell.find(f"{_NS}is") is None:
            problem = ("=" + (formula.text or ""), FORMULA_WITHOUT_VALUE)
        elif cell.get("t") == "e":
            problem = ((saved.text or "") if saved is not None else "", ERROR_VALUE)
        if problem is not None:
            ref = cell.get("r") or "?"
            match = _CELL_REF.match(ref)
            row = int(match.group(2)) if match else 0
            errors.append(RowError(label, row, f"cell {ref}", *problem))
            if len(errors) >= MAX_REPORTED:
                break
        cell.clear()
    return errors


def cell_problems_headline(label: str, problems: list[RowError]) -> str:
    """The headline of a sheet refused for the cells `xlsx_formulas_without_values` names."""
    parts = []
    without = sum(problem.reason == FORMULA_WITHOUT_VALUE for problem in problems)
    failed = len(problems) - without
    if without:
        parts.append(f"{without} formula cell{'s' if without != 1 else ''} without a saved "
                     "value (written by a program that does not calculate); open and save the "
                     "file in a spreadsheet program, or paste the values")
    if failed:
        parts.append(f"{failed} cell{'s' if failed != 1 else ''} holding a spreadsheet error "
                     "value (#N/A, #DIV/0!, ...); correct or clear them")
    return f"{label}: {'; '.join(parts)}; nothing was loaded"


def first_used_row(path: Path, sheet: str) -> int:
    """The sheet row (1-based) of its first cell holding a value: where the reader finds the
    header, which need not be row 1 (a sheet whose first rows are empty). 1 when the sheet
    does not say (a cell without its reference)."""
    return first_used_cell(path, sheet)[0]


def column_letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _column_index(letters: str) -> int:
    index = 0
    for ch in letters:
        index = index * 26 + ord(ch) - ord("A") + 1
    return index - 1


def first_used_cell(path: Path, sheet: str) -> tuple[int, int]:
    """(sheet row, 1-based; column, 0-based) of the sheet's first cell holding a value, in
    the order the sheet stores its cells; (1, 0) when the sheet does not say."""
    with zipfile.ZipFile(path) as archive:
        part = _sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return 1, 0
        with archive.open(part) as data:
            for _event, cell in ElementTree.iterparse(data):
                if cell.tag == f"{_NS}c" and (cell.find(f"{_NS}v") is not None
                                              or cell.find(f"{_NS}is") is not None):
                    match = _CELL_REF.match(cell.get("r") or "")
                    return ((int(match.group(2)), _column_index(match.group(1))) if match
                            else (1, 0))
                if cell.tag == f"{_NS}row":
                    cell.clear()
    return 1, 0


class _Bytes:
    """A minimal file over bytes for iterparse (no copy into BytesIO's own buffer)."""

    def __init__(self, data: bytes):
        self._data = memoryview(data)
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else min(len(self._data), self._pos + size)
        chunk = bytes(self._data[self._pos:end])
        self._pos = end
        return chunk
