"""A typed file's problems row by row: cells that did not type, the input model's checks
(pandera, in plain words) and a key given twice in the file.

Each problem names file, row, column and the value as written (`_raw_<column>`); a cell that
did not type is reported once, not again by the model's checks on it.
"""

from __future__ import annotations

import json

import pandera.polars as pa
import polars as pl

from berthcheck.errors import RowError
from berthcheck.ingest.as_written import key_text, made_key_text, made_keys
from berthcheck.ingest.coerce import ERR
from berthcheck.ingest.kinds import Kind
from berthcheck.ingest.read import ROW
from berthcheck.schemas import INPUT_SCHEMAS


def coercion_errors(typed: pl.DataFrame, kind: Kind, label: str) -> list[RowError]:
    errors = []
    # which columns have any error, in one query (a small file has none, mostly)
    flagged = typed.select(
        pl.col(ERR + c.name).is_not_null().any().alias(c.name) for c in kind.columns).row(0)
    for col, has_error in zip(kind.columns, flagged, strict=True):
        if not has_error:
            continue
        # the three columns first, then the filter: filtering the whole frame copies it all
        bad = typed.select(ROW, "_raw_" + col.name, ERR + col.name).filter(
            pl.col(ERR + col.name).is_not_null()
        )
        errors += [
            RowError(label, row, col.name, raw or "", reason) for row, raw, reason in bad.iter_rows()
        ]
    return errors


_CHECK_WORDS = {
    "not_nullable": "is required but empty",
    "greater_than_or_equal_to": "must be at least {}",
    "greater_than": "must be greater than {}",
    "less_than_or_equal_to": "must be at most {}",
    "isin": "is not one of the accepted values {}",
    "str_matches": "has the wrong shape (expected {})",
}


def _reason(check: str) -> tuple[str | None, str]:
    """pandera's check name -> (column it names, if any; reason in plain words)."""
    if "|" in check:
        column, reason = check.split("|", 1)
        return column, reason
    name, _, arg = check.partition("(")
    template = _CHECK_WORDS.get(name)
    if template is None:
        return None, check
    arg = arg.rstrip(")")
    if name == "str_matches" and "A-Z" in arg:
        arg = "a UN/LOCODE such as USLAX"
    if name == "isin":  # "['cargo', 'passengers']" -> "cargo, passengers"
        arg = ", ".join(v.strip(" '\"") for v in arg.strip("[]").split(","))
    return None, template.format(arg)


def schema_errors(typed: pl.DataFrame, kind: Kind, label: str) -> list[RowError]:
    from berthcheck.engine.schemas import failure_cases, holds

    model = INPUT_SCHEMAS[kind.name]
    schema = model.to_schema()
    # every check of the model in one polars query first (pandera runs each as a query of its
    # own: a tenth of a small file's load); when it finds something, the failing rows of
    # every check in one more query, listed as pandera lists them (`failure_cases`; 25-30 ms
    # of pandera's queries a rejected file); pandera itself only for what that cannot read
    if holds(schema, typed):
        return []
    cases = failure_cases(schema, typed)
    if not cases:  # nothing found, or not read: pandera decides (and names what fails)
        try:
            model.validate(typed, lazy=True)
            return []
        except pa.errors.SchemaErrors as exc:
            cases = list(exc.failure_cases.select("check", "column", "index").iter_rows())
    rows = typed[ROW]
    has_coercion_error = {
        col.name: typed[ERR + col.name].is_not_null() for col in kind.columns
    }
    errors = []
    for check, column, index in cases:
        if index is None:  # a dtype problem is a bug of ours, not the user's
            raise RuntimeError(f"schema {model.__name__} rejected column {column}: {check}")
        named, reason = _reason(check)
        column = named or column
        if column in has_coercion_error and has_coercion_error[column][index]:
            continue  # already reported, with the text as written
        raw = typed["_raw_" + column][index] if "_raw_" + column in typed.columns else ""
        errors.append(RowError(label, int(rows[index]), column, raw or "", reason))
    return errors


def duplicate_key_errors(typed: pl.DataFrame, kind: Kind, label: str) -> list[RowError]:
    # the key columns first, then the filter: filtering the whole frame copies it all
    keyed = typed.select(ROW, *kind.key).filter(
        pl.all_horizontal([pl.col(k).is_not_null() for k in kind.key]))
    dup = keyed.filter(pl.struct(kind.key).is_duplicated())
    if dup.is_empty():
        return []
    first = dup.group_by(kind.key).agg(pl.col(ROW).min().alias("_first"))
    dup = dup.join(first, on=list(kind.key), nulls_equal=True)
    column = "+".join(kind.key)
    differ = _differing_columns(typed, kind, dup)
    # each row's key as it wrote it (`uslax` repeats row 2's `USLAX` once upper-cased)
    written = key_text(typed, dup[ROW].to_list(), kind)
    # an empty id cell shows as empty, with the id the loader made from the row
    made = made_keys(typed, dup[ROW].to_list(), kind)
    return [
        RowError(label, row, column,
                 "" if row in made else
                 written.get(row) or " / ".join(str(r[k]) for k in kind.key),
                 f"duplicate of row {first_row} in this file" + differ_text(*differ[row])
                 + (made_key_text(kind, str(r[kind.key[0]])) if row in made else ""))
        for r in dup.iter_rows(named=True)
        if (row := r[ROW]) != (first_row := r["_first"])
    ]


def differ_text(columns: list[str], unread: list[str]) -> str:
    """How a row differs from another of its key: the columns, then the unread ones."""
    if not columns and not unread:
        return " (the same values in every column: delete one of the two rows)"
    said = [f"column {', '.join(columns)}"] if columns else []
    if unread:
        said.append(f"{'and in ' if columns else ''}column {', '.join(unread)}, not read by "
                    "any rule, kept in extra")
    return f" (other values in {'; '.join(said)})"


def _differing_columns(typed: pl.DataFrame, kind: Kind, dup: pl.DataFrame
                       ) -> dict[int, tuple[list[str], list[str]]]:
    """Per repeated row, the columns (as read, typed) whose values differ from its key's first
    row, and the file's unread columns (kept in `extra`, part of the row's content) that do:
    an export that wrote a row twice is told apart from two records of one key."""
    names = [c.name for c in kind.columns if c.name not in kind.key and c.name in typed.columns]
    names += ["extra"] if "extra" in typed.columns else []
    rows = typed.select(ROW, *names).join(dup.select(ROW, "_first"), on=ROW)
    firsts = typed.select(pl.col(ROW).alias("_first"),
                          *(pl.col(n).alias("_first_" + n) for n in names))
    rows = rows.join(firsts, on="_first")
    return {
        r[ROW]: ([n for n in names if n != "extra" and r[n] != r["_first_" + n]],
                 unread_differing(r.get("extra"), r.get("_first_extra")))
        for r in rows.iter_rows(named=True)
    }


def unread_differing(extra: str | None, first: str | None) -> list[str]:
    """The unread headers whose cells differ between two rows' `extra` (JSON objects)."""
    if extra == first:
        return []
    a, b = (json.loads(x) if x else {} for x in (extra, first))
    return [h for h in sorted(set(a) | set(b)) if a.get(h) != b.get(h)]
