"""Text cells that spreadsheets will not run as formulas.

A spreadsheet opening a CSV (or an XLSX cell typed as a formula) evaluates text that starts
with `=`, `+`, `-` or `@` (and, in some programs, a leading tab or carriage return) as a
formula: a vessel name `=HYPERLINK(...)` or `=WEBSERVICE(...)` would run on open. Following
OWASP's CSV-injection guidance, such text is written with a leading apostrophe `'`, which
spreadsheets show as text and do not evaluate. Only text columns are touched: numbers,
times and booleans are written as values, so a negative number stays a number.

Every file berthcheck writes for people (results, findings, `--errors`, exports, the CSV
attached to the PDF) passes its text columns through here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # polars is imported lazily: `berthcheck --help` must not import it
    import polars as pl

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def neutralise(text: str | None) -> str | None:
    """One text value, safe to put in a spreadsheet cell."""
    if text and text.startswith(FORMULA_PREFIXES):
        return ESCAPE + text
    return text


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of a frame, as `neutralise` does one value (vectorised)."""
    import polars as pl

    text_columns = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text_columns:
        return frame
    pattern = "^[=+\\-@\t\r]"
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(pattern))
        .then(pl.lit(ESCAPE) + pl.col(c))
        .otherwise(pl.col(c))
        .alias(c)
        for c in text_columns
    )
