"""Digests of results and findings over their typed rows (issue 16, item 2; manifest version 2).

Kept to verify version-2 runs: manifest version 3 hashes a binary form of the typed columns
instead (berthcheck/engine/digest_v3.py); this definition never changes.

DuckDB writes each row's canonical text straight from the typed columns; the text is documented
in docs/reliability.md so that any tool can recompute the digest:

* each value as text: NULL as `\\N`; text with `\\` TAB LF CR escaped as `\\\\` `\\t`
  `\\n` `\\r`; integers in decimal; floating-point numbers as micro-units, the value times
  1 000 000 rounded half away from zero to an integer (C `round`), in decimal (a value with
  |x| < 9e12 -- NaN, an infinity, anything larger -- as `X` and DuckDB's text of it);
  booleans `true` / `false`; instants in UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`; dates
  `YYYY-MM-DD`; anything else as DuckDB casts it to text, escaped as text;
* a row is its values in column order joined by TAB; the header is the column names joined
  by TAB;
* the digest is the sha256 of the UTF-8 text made of the header line and then every row's
  line, in order (results by `visit_id`; findings by `visit_id`, `rule_id`, `finding_id`;
  strings compared byte by byte), each line ended by LF.

The lines are made in DuckDB and streamed to Python's sha256 in batches (never held whole):
DuckDB's own sha256 hashes about 130 MB/s here, OpenSSL's several GB/s.
"""

from __future__ import annotations

from berthcheck import store
from berthcheck.engine.output_columns import FINDING_ORDER, RESULT_ORDER

__all__ = ["FINDING_ORDER", "RESULT_ORDER", "typed_sha256"]
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
             "UINTEGER", "UBIGINT", "UHUGEINT")
_FLOATS = ("FLOAT", "DOUBLE", "REAL")


_SPECIAL = ("'\\'", "chr(9)", "chr(10)", "chr(13)")  # the characters text escapes


def _escaped(expr: str) -> str:
    # most text has nothing to escape: test first, replace only then (about 2x faster)
    test = " OR ".join(f"contains({expr}, {c})" for c in _SPECIAL)
    return (f"CASE WHEN {test} THEN "
            f"replace(replace(replace(replace({expr}, '\\', '\\\\'), chr(9), '\\t'), "
            f"chr(10), '\\n'), chr(13), '\\r') ELSE {expr} END")


def _is_text(sql_type: str) -> bool:
    """Whether a column's canonical text is its DuckDB text, escaped."""
    t = sql_type.upper()
    return not (t in _INTEGERS or t in _FLOATS or t.startswith("DECIMAL") or t == "BOOLEAN"
                or t.startswith("TIMESTAMP") or t == "DATE")


def value_sql(column: str, sql_type: str, *, escape: bool = True) -> str:
    """The canonical text of one typed column (never NULL). `escape=False`: text as it is,
    for a row known to hold no character to escape (`line_sql`)."""
    c = store.quote_ident(column)
    t = sql_type.upper()
    if t in _INTEGERS:
        text = f"CAST({c} AS VARCHAR)"
    elif t in _FLOATS or t.startswith("DECIMAL"):
        x = c if t == "DOUBLE" else f"CAST({c} AS DOUBLE)"
        # CASE, not coalesce: DuckDB evaluates every coalesce argument, CASE only its branch
        return (f"CASE WHEN {x} IS NULL THEN '\\N' WHEN abs({x}) < 9e12 THEN "
                f"CAST(CAST(round({x} * 1000000) AS BIGINT) AS VARCHAR) "
                f"ELSE 'X' || CAST({x} AS VARCHAR) END")
    elif t == "BOOLEAN":
        text = f"CASE WHEN {c} THEN 'true' WHEN NOT {c} THEN 'false' END"
    elif t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        # the instant's microseconds as a plain TIMESTAMP: UTC whatever the session's zone,
        # and without the time zone conversion (a third cheaper than AT TIME ZONE 'UTC')
        text = f"strftime(make_timestamp(epoch_us({c})), '%Y-%m-%dT%H:%M:%S.%fZ')"
    elif t.startswith("TIMESTAMP"):  # an instant without a zone is UTC in this store
        text = f"strftime(CAST({c} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')"
    elif t == "DATE":
        text = f"strftime({c}, '%Y-%m-%d')"
    else:
        text = f"CAST({c} AS VARCHAR)"
        if escape:
            text = _escaped(text)
    return f"coalesce({text}, '\\N')"


def line_sql(columns: list[tuple[str, str]]) -> str:
    """One row's canonical line (LF-ended) from its typed columns. The text columns are
    tested for a character to escape once per row, on their concatenation, and escaped one
    by one only in the rare row that has one (the same text, in about half the time)."""
    def joined(escape: bool) -> str:
        # one concat with the TABs and the LF among its arguments: the line is built once
        # (concat_ws(...) || chr(10) copied every line a second time: about 7 % of the digest)
        parts = []
        for name, sql_type in columns:
            parts += [value_sql(name, sql_type, escape=escape), "chr(9)"]
        return "concat(" + ", ".join([*parts[:-1], "chr(10)"]) + ")"

    text = [f"CAST({store.quote_ident(n)} AS VARCHAR)" for n, t in columns if _is_text(t)]
    if not text:
        return joined(True)
    every = f"concat({', '.join(text)})"
    test = " OR ".join(f"contains({every}, {c})" for c in _SPECIAL)
    return f"CASE WHEN {test} THEN {joined(True)} ELSE {joined(False)} END"


def columns_of(con, relation: str) -> list[tuple[str, str]]:
    """(name, type) of a relation's columns, in order (`relation`: our SQL)."""
    return [(r[0], r[1]) for r in store.run(con, f"DESCRIBE {relation}")]  # noqa: S608


BATCH_ROWS = 65_536


def typed_sha256(con, relation: str, order: tuple[str, ...],
                 columns: list[tuple[str, str]] | None = None, *, ordered: bool = False) -> str:
    """The digest above of `relation` (a table, view or `(SELECT ...)` of ours), over
    `columns` (default: all of the relation's, in order). `ordered`: the relation is read in
    `order` as it is (a table written in that order; DuckDB preserves insertion order), so
    the lines are not sorted again."""
    import hashlib

    from berthcheck.fingerprints import feed_text

    columns = columns or columns_of(con, relation)
    digest = hashlib.sha256(("\t".join(name for name, _ in columns) + "\n").encode("utf-8"))
    line = line_sql(columns)
    keys = ", ".join(store.quote_ident(k) for k in order)
    sort = "" if ordered else f" ORDER BY {keys}"
    reader = con.sql(f"SELECT {line} AS line FROM {relation}{sort}"  # noqa: S608
                     ).to_arrow_reader(BATCH_ROWS)
    try:
        for batch in reader:
            feed_text(digest, batch.column(0))
    finally:
        reader.close()  # an unread result would block the connection's next statement
    return digest.hexdigest()
