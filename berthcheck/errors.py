"""Domain errors. The CLI turns each into one clear message and an exit code, never a traceback."""

from __future__ import annotations

import re
from dataclasses import dataclass

# the control characters no text holds (C0 less tab, LF and CR; DEL; C1): never stored nor
# shown as themselves (ingest/control_chars.py refuses a cell holding one)
CONTROL = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]")


def escaped_controls(text: str) -> str:
    """`text` with each control character of `CONTROL` written as `\\xNN`."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class BerthcheckError(Exception):
    """A problem the user can fix; exit code 1."""

    exit_code = 1


class UsageError(BerthcheckError):
    """The command was called wrongly; exit code 2."""

    exit_code = 2


class StoreUnavailable(BerthcheckError):
    """The database cannot be created or opened (not the input's fault); exit code 3."""

    exit_code = 3


class DatabaseInUse(StoreUnavailable):
    """Another process holds the database's write lock; exit code 3."""


class SchemaBehind(BerthcheckError):
    """A database opened read-only is at an older schema than this berthcheck's, so it cannot
    be migrated on that connection; exit code 1. A caller that may write the file opens it
    writable instead, which migrates it (cli_common.connect_for_reading)."""


@dataclass(frozen=True, order=True)
class RowError:
    """One thing wrong with one cell (or row) of an input file."""

    file: str
    row: int  # as in the file: the spreadsheet row for CSV/XLSX (header = row 1)
    column: str
    value: str
    reason: str
    path: str = ""  # a JSON source's path of the value (e.g. $.timestamps[3].dateTime)

    def __post_init__(self) -> None:
        # the value as written, but a control character shown as `\x00`: the message, the
        # errors file and the quarantine never hold the invisible character itself
        if isinstance(self.value, str) and CONTROL.search(self.value):
            object.__setattr__(self, "value", escaped_controls(self.value))

    def __str__(self) -> str:
        value = self.value if len(self.value) <= 60 else self.value[:57] + "..."
        if self.path:
            return f"{self.file}, {self.path}, field {self.column}: {value!r}: {self.reason}"
        return f"{self.file}, row {self.row}, column {self.column}: {value!r}: {self.reason}"


class InputRejected(BerthcheckError):
    """A file was rejected; nothing was written. Carries every bad row."""

    def __init__(self, file: str, errors: list[RowError], headline: str | None = None):
        self.file = file
        self.errors = sorted(errors)
        rows = len({e.row for e in self.errors})
        self.headline = headline or (
            f"{file}: rejected, {rows} bad row{'s' if rows != 1 else ''} "
            f"({len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}); nothing was loaded"
        )
        super().__init__(self.headline)
