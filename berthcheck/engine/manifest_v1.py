"""Manifest version 1 (berthcheck before issue 16's load-time fingerprints): kept only so that
`audit verify` still verifies runs recorded with it.

Version 1 fingerprinted the inputs by re-hashing every stored row at every check (per table: a
sha256 over the rows' `_row_hash` values sorted, and one over their content hashes), listed the
file rows read per batch, and hashed results and findings as the CSV `--out FILE.csv` writes.
Version 2 (berthcheck/engine/manifest.py) replaces all three; nothing here runs during `check`.
"""

from __future__ import annotations

import hashlib
import json

from berthcheck import store
from berthcheck.ingest.kinds import KINDS, Kind
from berthcheck.seals import _content_columns, _key_sql, content_hash_sql, seals_usable

ROWS_TABLE = "_bc_audit_rows"  # temp table: the input rows a manifest describes
RUN_ID_LENGTH = 16


def _kinds() -> list[Kind]:
    return sorted(KINDS.values(), key=lambda k: k.table)


def output_hashes(results, findings) -> tuple[str, str]:
    """v1: sha256 of the results and of the findings, each as `--out FILE.csv` writes them."""
    from berthcheck.engine.export import csv_sha256

    return csv_sha256(results), csv_sha256(findings)


def run_id(pack, scope, inputs: dict, *, berthcheck_version: str) -> str:
    """The run id version 1 derived: over pack, parameters, scope, the tables' sorted
    `_row_hash` digests, the emission factors and the berthcheck version."""
    from berthcheck.emissions import factors_hash
    from berthcheck.engine.pack import parameters_json

    key = json.dumps({
        "pack": pack.label,
        "pack_hash": pack.hash,
        "parameters": parameters_json(pack),
        "scope": scope.as_dict(),
        "inputs": {t: v["sha256"] for t, v in inputs.items()},
        "factors_hash": factors_hash(),
        "berthcheck": berthcheck_version,
    }, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(key.encode()).hexdigest()[:RUN_ID_LENGTH]


def fingerprint_from_inputs(inputs: dict) -> dict:
    """The run id's part of a v1 input summary: the loaded tables' rows, sha256, newest batch."""
    return {
        kind.table: {key: inputs[kind.table][key] for key in ("rows", "sha256", "max_batch_id")}
        for kind in _kinds()
    }


def _table_columns(con, table: str) -> list[str]:
    return [
        r[0]
        for r in store.run(
            con,
            "SELECT column_name FROM duckdb_columns() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND table_name = ? ORDER BY column_index",
            [table],
        )
    ]


def collect_input_rows(con) -> None:
    """(Re)build the temp table of every input row the pack would read now: table, key,
    lineage, stored `_row_hash` and the content hash of the stored values.

    "Now" means the current views -- or, inside `as_of(...)`, the store as of that batch.
    """
    # the content hashes sealed when each row was loaded (berthcheck/seals.py) are read, not
    # recomputed; a row without a seal (a store loaded before seals were written at load, or
    # rows put in by other means) is hashed here. Inside `as_of` (audit verify) the seals are
    # out of reach, so every row is re-hashed from its stored values: that is where an edit in
    # place shows.
    sealed = seals_usable(con)
    selects = []
    for kind in _kinds():
        recomputed = content_hash_sql(_content_columns(kind), alias="t")
        if sealed:
            content = (f"CASE WHEN s.content_hash IS NOT NULL THEN s.content_hash "
                       f"ELSE {recomputed} END")
            source = (f"{kind.table} t LEFT JOIN input_seals s ON s.table_name = "
                      f"'{kind.table}' AND s.batch_id = t._batch_id "
                      "AND s.source_row = t._source_row AND s.row_hash = t._row_hash")
        else:
            content, source = recomputed, f"{kind.table} t"
        selects.append(
            f"SELECT '{kind.table}' AS table_name, {_key_sql(kind, 't')} AS row_key, "  # noqa: S608
            "t._batch_id AS batch_id, t._source_file AS source_file, "
            "t._source_row AS source_row, "
            f"t._row_hash AS row_hash, {content} AS content_hash FROM {source}"
        )
    for table in store.builtin_tables(con):
        columns = _table_columns(con, table)
        h = content_hash_sql(columns)
        selects.append(
            f"SELECT '{table}', CAST({store.quote_ident(columns[0])} AS VARCHAR), NULL::INTEGER, "  # noqa: S608
            f"'built-in', NULL::INTEGER, {h}, {h} FROM {store.quote_ident(table)}"
        )
    # instants cast to text in the session zone: hash them in UTC, as the loader does
    with store.in_utc(con):
        store.run(con, f"CREATE OR REPLACE TEMP TABLE {ROWS_TABLE} AS "
                       + " UNION ALL ".join(selects))


def _empty_sha() -> str:
    return hashlib.sha256(b"").hexdigest()


def _input_summary(con) -> dict:
    out = {}
    for table, rows, sha, content_sha, max_batch in store.run(
        con,
        f"SELECT table_name, count(*), "  # noqa: S608 - our names
        "sha256(coalesce(string_agg(row_hash, ',' ORDER BY row_hash), '')), "
        "sha256(coalesce(string_agg(content_hash, ',' ORDER BY content_hash), '')), "
        f"max(batch_id) FROM {ROWS_TABLE} GROUP BY table_name",
    ):
        out[table] = {"rows": rows, "sha256": sha, "content_sha256": content_sha,
                      "max_batch_id": max_batch}
    tables = [k.table for k in _kinds()] + store.builtin_tables(con)
    return {
        t: out.get(t, {"rows": 0, "sha256": _empty_sha(), "content_sha256": _empty_sha(),
                       "max_batch_id": None})
        for t in sorted(tables)
    }


def _batches_read(con) -> list[dict]:
    rows = store.run(
        con,
        f"""WITH r AS (
                SELECT table_name, batch_id, source_row,
                       source_row - row_number() OVER (
                           PARTITION BY table_name, batch_id ORDER BY source_row) AS g
                FROM {ROWS_TABLE} WHERE batch_id IS NOT NULL
            ), pieces AS (
                SELECT table_name, batch_id, min(source_row) AS lo, max(source_row) AS hi,
                       count(*) AS n
                FROM r GROUP BY table_name, batch_id, g
            )
            SELECT p.table_name, p.batch_id, sum(p.n),
                   string_agg(CASE WHEN p.lo = p.hi THEN CAST(p.lo AS VARCHAR)
                                   ELSE p.lo || '-' || p.hi END, ',' ORDER BY p.lo),
                   any_value(b.kind), any_value(b.source_file), any_value(b.content_sha256)
            FROM pieces p LEFT JOIN load_batches b ON b.batch_id = p.batch_id
            GROUP BY p.table_name, p.batch_id
            ORDER BY p.batch_id, p.table_name""",  # noqa: S608 - our names
    )
    return [
        {"batch_id": b, "table": t, "rows": int(n), "source_rows": ranges, "kind": kind,
         "source_file": source, "content_sha256": sha}
        for t, b, n, ranges, kind, source, sha in rows
    ]


def seal_inputs(con) -> None:
    """Remember, once per stored row version, the hashes it had when a run first read it.

    Reads the rows `collect_input_rows` gathered (call it, or `build_manifest`, first).
    Callers own the transaction.
    """
    store.run(
        con,
        f"""INSERT INTO input_seals
            SELECT r.table_name, r.batch_id, r.source_row, r.source_file, r.row_key,
                   r.row_hash, r.content_hash
            FROM {ROWS_TABLE} r
            WHERE r.batch_id IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM input_seals s
                WHERE s.table_name = r.table_name AND s.batch_id = r.batch_id
                  AND s.source_row = r.source_row)
            QUALIFY row_number() OVER (
                PARTITION BY r.table_name, r.batch_id, r.source_row ORDER BY r.content_hash) = 1
        """,  # noqa: S608 - our names
    )
