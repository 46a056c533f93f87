"""What `audit verify` checks beyond recomputation: that the database was not edited behind
berthcheck's back.

* The stored results and findings of a run must still hash to what the run recorded (its
  manifest), and agree with the recomputation; a difference names the visit and the column
  (or the finding) that changed.
* The views the packs read (`visits`, `shore_power`, ..., `ports`) must be berthcheck's own
  definitions: a redefined view could hide or invent rows for every later check. They are
  compared with the definitions a fresh database of this berthcheck gets, and `audit.as_of`
  rebuilds the past from those definitions, never from the database's.
* The run's `runs` row (what `runs list` and `runs show` print: counts, period, hashes)
  must say what its manifest says.
* The history must be whole: every row version's batch and `_replaced_by` must name a load
  batch that exists, and the `quarantine` and `load_warnings` tables must still hold as many
  rows as each load batch recorded.

What this cannot catch is written down in docs/reliability.md (e.g. someone who edits a row
and its hashes and the manifest consistently, i.e. rewrites the whole record).
"""

from __future__ import annotations

import functools
import re

from berthcheck import store
from berthcheck.ingest.kinds import KINDS
from berthcheck.json_diff import difference_lines
from berthcheck.side_by_side import two_digests, two_texts

MAX_SHOWN = 20
_VIEW_SQL = re.compile(r"^CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+(\S+)\s+AS\s+(.*?);?\s*$",
                       re.IGNORECASE | re.DOTALL)


@functools.lru_cache(maxsize=1)
def canonical_views() -> tuple[tuple[str, str], ...]:
    """(name, CREATE VIEW sql) of every view a fresh database of this berthcheck has, as
    DuckDB renders them."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        store.run(con, "SET TimeZone = 'UTC'")
        store._apply_migrations(con)
        return tuple(
            (name, sql) for name, sql in store.run(
                con,
                "SELECT view_name, sql FROM duckdb_views() WHERE schema_name = 'main' "
                "AND NOT internal AND NOT temporary ORDER BY view_name")
        )
    finally:
        con.close()


def digest_problems(con, batches: list[dict]) -> list[str]:
    """Stored input digests (`batch_digests`, which a check takes as its inputs' fingerprint
    without reading the rows) that are not the digests of their rows: `batches` is a
    version-2 manifest's `load_batches` digested from the rows as they stood at a run (the
    pieces of later batches are not checked)."""
    from berthcheck.fingerprints import DIGESTS_TABLE

    if not store.table_exists(con, DIGESTS_TABLE):
        return []
    rows_now: dict[tuple, tuple[int, str]] = {}
    for entry in batches:
        if "inserted_rows" not in entry:  # a version-1 manifest: no pieces
            return []
        rows_now[(entry["table"], entry["batch_id"], None)] = (entry["inserted_rows"],
                                                               entry["sha256"])
        for gone in entry.get("replaced") or []:
            rows_now[(entry["table"], entry["batch_id"], gone["by"])] = (gone["rows"],
                                                                         gone["sha256"])
    out = []
    for table, batch, by, n, sha in store.run(
            con, f"SELECT table_name, batch_id, replaced_by, rows, sha256 FROM {DIGESTS_TABLE} "  # noqa: S608
                 "ORDER BY batch_id, table_name, replaced_by NULLS FIRST"):
        want = rows_now.get((table, batch, by))
        if want is None or want == (int(n), sha):
            continue
        which = "the rows it inserted" if by is None else f"its rows batch {by} retired"
        stored, now = two_digests(str(sha), want[1])
        out.append(f"{table} batch {batch} ({which}): stored sha256 {stored} over "
                   f"{n} rows; its rows digest to {now} over {want[0]} rows")
    if len(out) > MAX_SHOWN:
        out = out[:MAX_SHOWN] + [f"... and {len(out) - MAX_SHOWN} more"]
    return out


def view_problems(con) -> list[str]:
    """Views of the store whose definition is not berthcheck's own (or that are missing)."""
    main = store.scalar(con, "SELECT current_database()")
    present = dict(store.run(
        con,
        "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? "
        "AND schema_name = 'main' AND NOT internal AND NOT temporary",
        [main],
    ))
    out = []
    for name, sql in canonical_views():
        if name not in present:
            out.append(f"view {name} is missing (or was replaced by a table)")
        elif present[name].strip() != sql.strip():
            found = " ".join(present[name].split())
            out.append(f"view {name} was redefined: {found[:160]!r} instead of berthcheck's "
                       "definition")
    tables = {r[0] for r in store.run(
        con, "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND "
        "schema_name = 'main' AND NOT temporary", [main])}
    for name, _sql in canonical_views():
        if name in tables:
            out.append(f"{name} is a table, not berthcheck's view")
    return out


def history_problems(con) -> list[str]:
    """Lineage that points nowhere, and quarantine/warning tables that lost rows."""
    out = []
    for kind in sorted(KINDS.values(), key=lambda k: k.table):
        table = f"{kind.table}_versions"
        for column, what in (("_batch_id", "was loaded by"), ("_replaced_by", "is marked as "
                                                                              "replaced by")):
            rows = store.run(
                con,
                f"SELECT {column}, count(*) FROM {table} v WHERE {column} IS NOT NULL "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM load_batches b WHERE b.batch_id = v.{column}) "
                "GROUP BY 1 ORDER BY 1",
            )
            out += [f"{n} row{'s' if n != 1 else ''} of {table} {what} batch {batch}, which "
                    "does not exist in load_batches" for batch, n in rows]
    for table, column, key in (
        ("quarantine", "rows_quarantined", "DISTINCT (kind, source_file, source_row)"),
        ("load_warnings", "warnings", "*"),
    ):
        rows = store.run(
            con,
            f"""SELECT b.batch_id, b.source_file, b.{column}, coalesce(q.n, 0)
                FROM load_batches b LEFT JOIN (
                    SELECT batch_id, count({key}) AS n FROM {table} GROUP BY batch_id
                ) q ON q.batch_id = b.batch_id
                WHERE b.{column} <> coalesce(q.n, 0)
                ORDER BY 1""",  # noqa: S608 - our names
        )
        out += [f"{table}: batch {batch} ({source}) recorded {want} row{'s' if want != 1 else ''}"
                f", the table holds {have} (rows deleted or added outside berthcheck)"
                for batch, source, want, have in rows]
        orphans = store.scalar(
            con,
            f"SELECT count(*) FROM {table} q WHERE NOT EXISTS "  # noqa: S608 - our names
            "(SELECT 1 FROM load_batches b WHERE b.batch_id = q.batch_id)",
        )
        if orphans:
            out.append(f"{table}: {orphans} rows name a load batch that does not exist")
    return out



def record_problems(con, run_id: str, manifest: dict,
                    against: str = "the manifest") -> list[str]:
    """Columns of the run's `runs` row (what `runs list` and `runs show` print) that disagree
    with its manifest: an edited count, period or hash there is shown to every reader.
    `against` names the manifest in the lines (verify: "the file given" for a kept file that
    is not the database's copy)."""
    import json

    cols = ("pack_id", "pack_version", "pack_hash", "parameters", "scope", "period",
            "berthcheck_version", "max_batch_id", "visits", "findings", "counts",
            "results_sha256", "findings_sha256", "inputs")
    rows = store.run(con, f"SELECT {', '.join(cols)} FROM runs WHERE run_id = ?",  # noqa: S608
                     [run_id])
    if not rows:
        return []
    row = dict(zip(cols, rows[0], strict=True))
    pack = manifest.get("pack") or {}
    pairs = [
        ("pack_id", row["pack_id"], pack.get("id")),
        ("pack_version", row["pack_version"], pack.get("version")),
        ("pack_hash", row["pack_hash"], pack.get("hash")),
        ("period", row["period"], manifest.get("period")),
        ("berthcheck_version", row["berthcheck_version"], manifest.get("berthcheck_version")),
        # no batch read: NULL in the row, 0 in the manifest
        ("max_batch_id", row["max_batch_id"] or 0, manifest.get("as_of_batch") or 0),
        ("visits", row["visits"], manifest.get("visits")),
        ("findings", row["findings"], manifest.get("findings")),
        ("results_sha256", row["results_sha256"], manifest.get("results_sha256")),
        ("findings_sha256", row["findings_sha256"], manifest.get("findings_sha256")),
    ]
    for column in ("parameters", "scope", "counts"):
        try:
            value = json.loads(row[column])
        except (TypeError, ValueError):
            value = row[column]
        pairs.append((column, value, manifest.get(column)))
    out = []
    for column, mine, theirs in pairs:
        if mine == theirs:
            continue
        if isinstance(mine, dict) and isinstance(theirs, dict):
            # the parameters are a long record: name the values that differ, by JSON path
            out += [f"{column}: {line}" for line in difference_lines(
                mine, theirs, "the record", against, f"$.{column}")]
        else:
            out.append(f"{column}: {mine!r} in the record, {theirs!r} in {against}")
    if int(manifest.get("manifest_version") or 1) >= 2:  # version 1 kept another shape here
        try:
            recorded = json.loads(row["inputs"]) or {}
        except (TypeError, ValueError):
            recorded = None
        then = manifest.get("inputs") or {}
        if not isinstance(recorded, dict):
            out.append("inputs: not the run's input summary")
        else:
            # a table absent on one side and empty on the other is no difference (runs made
            # before a table existed); the built-in tables are in the manifest only
            for table in sorted(set(recorded) | set(then)):
                mine, theirs = recorded.get(table), then.get(table)
                if mine == theirs or (mine is None and table.endswith(store.BUILTIN_SUFFIX)):
                    continue
                if not (mine or {}).get("rows") and not (theirs or {}).get("rows"):
                    continue
                out.append(f"inputs: table {table} is {_rows(mine, theirs)} in the record, "
                           f"{_rows(theirs, mine)} in {against}")
    return out


def _two(stored, other, what: str) -> tuple[str, str, str]:
    """A cell stored and `what` (recomputed): `-` for empty, cut so they still differ."""
    shown_a, shown_b = two_texts(str(stored or "-"), str(other or "-"))
    return shown_a, what, shown_b


def _rows(entry, other) -> str:
    if not isinstance(entry, dict):
        return "absent"
    theirs = other.get("sha256") if isinstance(other, dict) else None
    return f"{entry.get('rows')} rows (sha256 {two_digests(str(entry.get('sha256')), theirs)[0]})"


def _cells(frame) -> dict[str, dict[str, str]]:
    """Rows of a frame as the CSV writes them, by visit (results) or finding id (findings)."""
    import csv
    import io

    from berthcheck.engine.export import csv_bytes

    key = "finding_id" if "finding_id" in frame.columns else "visit_id"
    reader = csv.DictReader(io.StringIO(csv_bytes(frame).decode("utf-8")))
    return {row[key]: row for row in reader}


def _rows_that_may_differ(stored, other, key: str):
    """The keys of the rows that are not in both frames or differ in some value exactly, or
    None when the frames cannot be compared so (other columns, types polars cannot compare).
    A row whose values are all exactly equal writes the same CSV, so only these rows need
    the CSV comparison below: at a million visits making every row a Python dict of its CSV
    text, twice, held about 15 GB."""
    import polars as pl

    if stored.columns != other.columns:
        return None
    columns = [c for c in stored.columns if c != key]
    try:
        only = pl.concat([stored.join(other, on=key, how="anti").select(key),
                          other.join(stored, on=key, how="anti").select(key)])
        joined = _side_by_side(stored, other, key, columns)
        differ = (joined.filter(pl.any_horizontal([_differs(c) for c in columns])).select(key)
                  if columns else joined.head(0).select(key))
        return pl.concat([only, differ]).get_column(key)
    except pl.exceptions.PolarsError:
        return None


def _side_by_side(stored, other, key: str, columns: list[str]):
    """The rows on both sides, `other`'s values of `columns` beside as `<column>__other`."""
    return stored.join(other.select(key, *columns), on=key, how="inner", suffix="__other")


def _differs(column: str):
    import polars as pl

    return pl.col(column).ne_missing(pl.col(f"{column}__other"))


def exact_differences(stored, recomputed, limit: int) -> list[str]:
    """Up to `limit` rows and columns whose stored value is not the recomputed one exactly
    (the version-3 digest hashes a float's bits: an edit below the CSV's six decimals, which
    `cell_differences` cannot see, changes it too)."""
    import polars as pl

    key = "finding_id" if "finding_id" in stored.columns else "visit_id"
    noun = "finding" if key == "finding_id" else "visit"
    columns = [c for c in stored.columns if c != key and c in recomputed.columns]
    try:
        joined = _side_by_side(stored, recomputed, key, columns)
        out = []
        for c in columns:
            rows = joined.filter(_differs(c)).select(key, c, f"{c}__other").head(limit)
            out += [f"{noun} {k}: {c} stored {a!r}, recomputed {b!r}" for k, a, b in rows.rows()]
    except pl.exceptions.PolarsError:  # types that do not compare: the digests said enough
        return []
    return out[:limit]


def cell_differences(stored, other, what: str = "recomputed") -> list[str]:
    """Every row (visit or finding) and column where `stored` and `other` differ."""
    import polars as pl

    key = "finding_id" if "finding_id" in stored.columns else "visit_id"
    keys = _rows_that_may_differ(stored, other, key)
    if keys is not None:
        stored = stored.filter(pl.col(key).is_in(keys.implode()))
        other = other.filter(pl.col(key).is_in(keys.implode()))
    a, b = _cells(stored), _cells(other)
    noun = "finding" if "finding_id" in stored.columns else "visit"
    out = []
    for key in sorted(set(a) | set(b)):
        ra, rb = a.get(key), b.get(key)
        if ra is None and rb is not None:
            label = f"{rb.get('rule_id')}, visit {rb.get('visit_id')}" if noun == "finding" else ""
            out.append(f"{noun} {key}{' (' + label + ')' if label else ''}: {what} but not "
                       "stored (deleted from the stored run?)")
        elif ra is None or rb is None:
            out.append(f"{noun} {key}: stored but not {what} (added to the stored run?)")
        else:
            cols = [c for c in ra if ra.get(c) != rb.get(c)]
            if cols:
                where = f"visit {ra.get('visit_id')}, " if noun == "finding" else ""
                out.append(f"{noun} {key}: {where}" + "; ".join(
                    "{} stored {}, {} {}".format(c, *_two(ra.get(c), rb.get(c), what))
                    for c in cols[:6]))
    return out
