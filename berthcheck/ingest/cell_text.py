"""What every typing of a text cell shares: the cell's text without blanks, the names of the
zone and reason columns, and the words for a date written with slashes or dots (a date column's
and a time column's reason alike)."""

from __future__ import annotations

import polars as pl

TZ = "_tz"  # per-row IANA zone for naive timestamps (null: unknown)
ERR = "_err_"  # prefix of per-column error-reason columns

SLASHED = r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}"  # 10/03/2026, 3.10.2026: a spreadsheet's locale


def slashed_date_reason(text: pl.Expr, shape: str) -> pl.Expr:
    """Why a date written with slashes or dots is not read, with the value's own readings: its
    day and month order is never guessed (a column's 10/03/2026 may be 3 October or 10 March,
    and one unambiguous cell says nothing of the others), but the message says what to write
    for this value, not for another (it cited a fixed 10/03/2026 beside the user's 09/30/2026)."""
    parts = text.str.extract_groups(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4})(.*)$")
    first, second = (parts.struct.field(n).cast(pl.Int32) for n in ("1", "2"))
    year, rest = parts.struct.field("3"), parts.struct.field("4").str.strip_chars()

    def iso(month: pl.Expr, day: pl.Expr, order: str) -> pl.Expr:
        tail = pl.when(rest == "").then(pl.lit("")).otherwise(pl.lit(" ") + rest)
        return pl.concat_str([year, pl.lit("-"), month.cast(pl.Utf8).str.zfill(2), pl.lit("-"),
                              day.cast(pl.Utf8).str.zfill(2), tail, pl.lit(f" ({order})")])

    lead = (f"not an ISO 8601 date: the day and month order of a date with slashes or dots is "
            f"never guessed; write {shape}")
    def real(month: pl.Expr, day: pl.Expr) -> pl.Expr:
        # a reading is offered only when it is a date of the calendar: 30/02/2026 was told
        # "can only be 2026-02-30", which the load then refused in turn
        text = pl.concat_str([year, pl.lit("-"), month.cast(pl.Utf8).str.zfill(2), pl.lit("-"),
                              day.cast(pl.Utf8).str.zfill(2)])
        return text.str.strptime(pl.Date, "%Y-%m-%d", strict=False).is_not_null()

    day_month = iso(second, first, "day/month/year")
    month_day = iso(first, second, "month/day/year")
    valid = first.is_between(1, 31) & second.is_between(1, 31)
    dm = valid & (second <= 12) & real(second, first)
    md = valid & (first <= 12) & real(first, second)
    return (
        pl.when(dm & md)
        .then(pl.concat_str([pl.lit(f"{lead}: this one is "), day_month, pl.lit(" or "),
                             month_day]))
        .when(dm)
        .then(pl.concat_str([pl.lit(f"{lead}: this one can only be "), day_month]))
        .when(md)
        .then(pl.concat_str([pl.lit(f"{lead}: this one can only be "), month_day]))
        .otherwise(pl.lit(f"{lead}, e.g. 2026-10-03" + (" 14:20" if "hh" in shape else "")))
    )


def nulls(name: str, dtype, height: int) -> pl.Series:
    """A column of `height` nulls of `dtype`, made without a polars query (`pl.repeat(...,
    eager=True)` runs one, about 0.06 ms, some ten times a small file's load)."""
    return pl.Series(name, [None], dtype=dtype).new_from_index(0, height)


def clean(name: str) -> pl.Expr:
    """A cell's text without its surrounding blanks, null where nothing is left. As one
    expression polars strips each cell twice (for the test of "" and for the value); where a
    whole column is cleaned, the same in two steps strips it once: `stripped`, then
    `blank_as_null` on its result."""
    return blank_as_null(stripped(name))


def stripped(name: str) -> pl.Expr:
    """`clean`'s first step: the cell's text without its surrounding blanks."""
    return pl.col(name).str.strip_chars()


def blank_as_null(text: str | pl.Expr) -> pl.Expr:
    """`clean`'s second step: null where the (stripped) text is empty."""
    text = pl.col(text) if isinstance(text, str) else text
    return pl.when(text == "").then(None).otherwise(text)
