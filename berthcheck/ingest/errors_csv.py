"""The `--errors` file: every rejected row's problems, for the user to fix the file."""

from __future__ import annotations

import csv
from pathlib import Path

from berthcheck.errors import InputRejected, RowError

# The file is for the person fixing the input, who opens it in a spreadsheet: without a byte
# order mark Excel reads a CSV in the Windows code page of its locale, and the values quoted
# from the input (vessel names in Chinese or Japanese) show as mojibake. The BOM is what
# Excel's own "CSV UTF-8" writes. Results, findings and exports keep no BOM: scripts and
# manifests compare their bytes (docs/contract.md 3).
BOM = "\ufeff"


def write_errors_csv(path: Path, errors: list[RowError], *, mkdir: bool = False) -> None:
    """Every rejected row, one line per problem, after the UTF-8 BOM; text cells formula-safe
    (berthcheck.cells), written whole or not at all (berthcheck.atomic)."""
    from berthcheck import atomic
    from berthcheck.cells import neutralise

    with atomic.text_file(path, mkdir=mkdir, what="errors file") as fh:
        fh.write(BOM)
        writer = csv.writer(fh, lineterminator="\n")
        with_path = any(e.path for e in errors)  # a JSON source: the path of each problem
        writer.writerow(["file", "row", "column", "value", "reason"] + (["path"] if with_path else []))
        for e in sorted(errors):
            writer.writerow([neutralise(e.file), e.row, neutralise(e.column),
                             neutralise(e.value), neutralise(e.reason)]
                            + ([neutralise(e.path)] if with_path else []))


def file_error(rejected: InputRejected) -> RowError:
    """A file refused as a whole (no row to blame), as one line of the errors file: row 0
    stands for the file itself (its header is row 1)."""
    return RowError(rejected.file, 0, "", "", rejected.headline)
