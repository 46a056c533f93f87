"""Digests of results and findings over their typed rows (issue 16, item 2; manifest version 2).

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

RESULT_ORDER = ("visit_id",)
FINDING_ORDER = ("visit_id", "rule_id", "finding_id")
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
             "UINTEGER", "UBIGINT", "UHUGEINT")
_FLOATS = ("FLOAT", "DOUBLE", "REAL")


def _escaped(expr: str) -> str:
    # most text has nothing to escape: test first, replace only then (about 2x faster)
    return (f"CASE WHEN contains({expr}, '\\') OR contains({expr}, chr(9)) OR "
            f"contains({expr}, chr(10)) OR contains({expr}, chr(13)) THEN "
            f"replace(replace(replace(replace({expr}, '\\', '\\\\'), chr(9), '\\t'), "
            f"chr(10), '\\n'), chr(13), '\\r') ELSE {expr} END")


def value_sql(column: str, sql_type: str) -> str:
    """The canonical text of one typed column (never NULL)."""
    c = store.quote_ident(column)
    t = sql_type.upper()
    if t in _INTEGERS:
        text = f"CAST({c} AS VARCHAR)"
    elif t in _FLOATS or t.startswith("DECIMAL"):
        x = f"CAST({c} AS DOUBLE)"
        # CASE, not coalesce: DuckDB evaluates every coalesce argument, CASE only its branch
        text = (f"CASE WHEN abs({x}) < 9e12 THEN CAST(CAST(round({x} * 1000000) AS BIGINT) "
                f"AS VARCHAR) ELSE 'X' || CAST({x} AS VARCHAR) END")
    elif t == "BOOLEAN":
        text = f"CASE WHEN {c} THEN 'true' WHEN NOT {c} THEN 'false' END"
    elif t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        text = f"strftime({c} AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')"
    elif t.startswith("TIMESTAMP"):  # an instant without a zone is UTC in this store
        text = f"strftime(CAST({c} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')"
    elif t == "DATE":
        text = f"strftime({c}, '%Y-%m-%d')"
    else:
        text = _escaped(f"CAST({c} AS VARCHAR)")
    return f"coalesce({text}, '\\N')"


def columns_of(con, relation: str) -> list[tuple[str, str]]:
    """(name, type) of a relation's columns, in order (`relation`: our SQL)."""
    return [(r[0], r[1]) for r in store.run(con, f"DESCRIBE {relation}")]  # noqa: S608


BATCH_ROWS = 65_536


def typed_sha256(con, relation: str, order: tuple[str, ...],
                 columns: list[tuple[str, str]] | None = None) -> str:
    """The digest above of `relation` (a table, view or `(SELECT ...)` of ours), over
    `columns` (default: all of the relation's, in order)."""
    import hashlib

    columns = columns or columns_of(con, relation)
    digest = hashlib.sha256(("\t".join(name for name, _ in columns) + "\n").encode("utf-8"))
    line = "concat_ws(chr(9), " + ", ".join(value_sql(n, t) for n, t in columns) + ") || chr(10)"
    keys = ", ".join(store.quote_ident(k) for k in order)
    reader = con.sql(f"SELECT {line} AS line FROM {relation} ORDER BY {keys}"  # noqa: S608
                     ).to_arrow_reader(BATCH_ROWS)
    try:
        for batch in reader:
            _update(digest, batch.column(0))
    finally:
        reader.close()  # an unread result would block the connection's next statement
    return digest.hexdigest()


def _update(digest, lines) -> None:
    """Feed an Arrow string array's bytes, values back to back, to `digest` (the data buffer
    between the array's first and last offsets; no copy, no numpy: not a runtime dependency)."""
    import pyarrow as pa

    if lines.type not in (pa.string(), pa.large_string()):
        lines = lines.cast(pa.large_string())
    _validity, offsets, data = lines.buffers()
    if not len(lines) or data is None:
        return
    bounds = memoryview(offsets).cast("i" if lines.type == pa.string() else "q")
    start, end = bounds[lines.offset], bounds[lines.offset + len(lines)]
    digest.update(memoryview(data)[start:end])
