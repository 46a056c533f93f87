"""`runs show RUN --visit VISIT_ID`: one visit of a stored run traced back to what it was
computed from -- its result row, its findings (and the rules that made them), and every
input row of the per-visit tables the run read for it, as those rows stood at the run.

A run read the store "as of" its newest load batch (`runs.max_batch_id`, the manifest's
`as_of_batch`): the rows of each `<table>_versions` with `_batch_id <= N AND (_replaced_by IS
NULL OR _replaced_by > N)` (audit/as_of.py). The store never deletes a row version, so a row a
later `--replace` retired is still there and is shown as the run read it, saying which batch
replaced it later. Each row is named by table, load batch, source file, source row and its
stored `_row_hash`, and compared with its seal (`input_seals`, written at load). Reference
tables (berths, terminals, ...) are not per visit: the run's manifest names those it read.
Every value is bound as a parameter; table names come from berthcheck's own kinds."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from berthcheck import store
from berthcheck.engine.output_columns import RESULT_COLUMNS
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.ingest.kinds import KINDS, storage_name

FINDING_FIELDS = ("finding_id", "rule_id", "severity", "minutes", "message", "evidence")


def per_visit_tables() -> list[str]:
    """The input tables whose rows belong to one visit (they carry `visit_id`): `visits`
    first, the others by name."""
    return sorted((k.table for k in KINDS.values() if "visit_id" in k.column_names),
                  key=lambda t: (t != "visits", t))


def _value(value: Any) -> Any:
    """A stored value as JSON can hold it, the same in any session time zone: instants as
    UTC ISO 8601 (`...Z`, to the microsecond where it has one), dates ISO, the rest as is."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _rows(con, sql: str, params: list) -> list[dict]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def visit_trace(con, run_id: str, visit_id: str) -> dict:
    """The trace of `visit_id` in stored run `run_id` as plain data (`runs show --visit`).
    An unknown run, or a visit the run did not judge, is a UsageError saying so."""
    from berthcheck.engine.run_listing import run_summary

    run = run_summary(con, run_id)
    visit = visit_id.strip()
    if not visit:
        raise UsageError("--visit is empty: give a visit id (see `berthcheck runs export`)")
    result_rows = _rows(
        con, f"SELECT {', '.join(RESULT_COLUMNS)} FROM run_results "  # noqa: S608 - our columns
        "WHERE run_id = ? AND visit_id = ?", [run["run_id"], visit])
    if not result_rows:
        raise UsageError(_not_in_run(con, run, visit))
    batch = run["max_batch_id"]
    findings = _rows(
        con, f"SELECT {', '.join(FINDING_FIELDS)} FROM run_findings "  # noqa: S608 - ours
        "WHERE run_id = ? AND visit_id = ? ORDER BY rule_id, finding_id",
        [run["run_id"], visit])
    tables = per_visit_tables()
    read = run["inputs"]
    listed = _manifest_rows(con, run["run_id"])
    input_rows = [row for table in tables for row in _input_rows(con, table, visit, batch)]
    for row in input_rows:
        row["in_manifest"] = None if listed is None else (
            (row["table"], row["batch_id"], row["source_row"]) in listed)
    return {
        "run_id": run["run_id"],
        "visit_id": visit,
        "pack": run["pack"],
        "pack_version": run["pack_version"],
        "pack_hash": run["pack_hash"],
        "custom_pack": run["custom_pack"],
        "period": run["period"],
        "scope": run["scope_text"],
        "as_of_batch": batch,
        "result": {k: _value(v) for k, v in result_rows[0].items()},
        "findings": [{k: _value(v) for k, v in f.items()} for f in findings],
        "rules": _rules(run, sorted({f["rule_id"] for f in findings})),
        "input_rows": input_rows,
        "per_visit_tables": tables,
        # the manifest's (or, for a run stored before manifests, the runs row's) inputs;
        # None when that record was edited into something that is not one (audit verify)
        "reference_tables": None if read is None else [
            {"table": t, "rows": (read[t] or {}).get("rows") if isinstance(read[t], dict)
             else None}
            for t in sorted(read) if t not in tables],
    }


def _manifest_rows(con, run_id: str) -> set[tuple[str, int, int]] | None:
    """(table, batch, source row) of every input row the run's manifest lists as read: each
    batch's inserted rows minus those later batches had retired by the run (version 2; a
    version-1 manifest lists the rows read). None: no manifest, or not a readable one."""
    import json

    from berthcheck.audit.values import expand_ranges
    from berthcheck.engine.manifest import MANIFEST_OBJECT_SQL

    text = store.scalar(
        con, f"SELECT json_extract({MANIFEST_OBJECT_SQL}, '$.load_batches')::VARCHAR "  # noqa: S608
        "FROM runs WHERE run_id = ?", [run_id])
    try:
        batches = json.loads(text) if text else None
        if not isinstance(batches, list):
            return None
        return {
            (b["table"], int(b["batch_id"]), r)
            for b in batches
            for r in set(expand_ranges(b["source_rows"])) - {
                gone for q in b.get("replaced") or [] for gone in expand_ranges(q["source_rows"])}
        }
    except (KeyError, TypeError, ValueError, AttributeError):  # edited: audit verify names it
        return None


def _not_in_run(con, run: dict, visit: str) -> str:
    judged = [r[0] for r in store.run(
        con, "SELECT visit_id FROM run_results WHERE run_id = ? ORDER BY visit_id",
        [run["run_id"]])]
    loaded = store.scalar(con, "SELECT count(*) FROM visits_versions WHERE visit_id = ?",
                          [visit])
    text = (f"visit {visit!r} is not in run {run['run_id']} ({run['pack']}@"
            f"{run['pack_version']}, period {run['period'] or 'all'}, scope "
            f"{run['scope_text']}: {len(judged):,} visits); ")
    text += ("it is loaded, but outside the run's period or scope, or loaded after the run"
             if loaded else "no visit of that id is loaded")
    close = difflib.get_close_matches(visit, judged, n=3, cutoff=0.8)
    return text + (f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "")


def _rules(run: dict, rule_ids: list[str]) -> dict:
    """The rules behind the findings as the pack found now words them, and whether that pack
    is the one the run used (same hash): otherwise its text may have changed since."""
    from berthcheck.engine.pack import load_pack

    if not rule_ids:
        return {}
    try:
        pack = load_pack(run["pack_path"] if run["custom_pack"] and run["pack_path"]
                         else run["pack"])
    except BerthcheckError as exc:
        return {r: {"title": None, "section": None, "pack_as_run": False,
                    "note": f"the run's pack cannot be read now: {exc}"} for r in rule_ids}
    same = pack.hash == run["pack_hash"]
    by_id = {rule.id: rule for rule in pack.rules}
    out = {}
    for rule_id in rule_ids:
        rule = by_id.get(rule_id)
        out[rule_id] = {
            "title": rule.title if rule else None,
            "section": rule.section if rule else None,
            "pack_as_run": same,
            "note": None if same and rule else (
                f"pack {pack.id}@{pack.version} found now has no rule {rule_id}" if not rule
                else f"the pack found now ({pack.id}@{pack.version}) is not the run's "
                     "(its hash differs): its rule text may have changed since the run"),
        }
    return out


def _input_rows(con, table: str, visit: str, batch: int | None) -> list[dict]:
    """The rows of `<table>_versions` of `visit` that were current right after load batch
    `batch` (what the run read), with their seals and the batch that replaced them later."""
    if batch is None:  # nothing was loaded when the run was made
        return []
    from berthcheck.seals import _content_columns, content_hash_sql

    kind = next(k for k in KINDS.values() if k.table == table)
    with store.in_utc(con):  # content_hash_sql casts instants in the session zone
        rows = _rows(
            con,
            "SELECT v.*, s.row_hash AS _seal_row_hash, s.content_hash AS _seal_content_hash, "  # noqa: S608
            f"{content_hash_sql(_content_columns(kind), alias='v')} AS _content_hash, "
            "b.source_file AS _replaced_in "
            f"FROM {table}_versions v "
            "LEFT JOIN input_seals s ON s.table_name = ? AND s.batch_id = v._batch_id "
            "AND s.source_row = v._source_row "
            "LEFT JOIN load_batches b ON b.batch_id = v._replaced_by "
            "WHERE v.visit_id = ? AND v._batch_id <= ? "
            "AND (v._replaced_by IS NULL OR v._replaced_by > ?) "
            "ORDER BY v._batch_id, v._source_row",
            [table, visit, batch, batch],
        )
    out = []
    for row in rows:
        sealed = (row["_seal_row_hash"], row["_seal_content_hash"])
        out.append({
            "table": table,
            "batch_id": row["_batch_id"],
            "source_file": row["_source_file"],
            "source_row": row["_source_row"],
            "row_key": {c: _value(row[storage_name(c)]) for c in kind.key},
            "row_hash": row["_row_hash"],
            # its seal written at load (row hash and content hash): "match", "differs"
            # (edited since: `audit verify` names it) or "none" (no seal: the seal was deleted)
            "seal": "none" if sealed[0] is None else (
                "match" if sealed == (row["_row_hash"], row["_content_hash"]) else "differs"),
            "replaced_later_by": row["_replaced_by"],
            "replaced_later_in": row["_replaced_in"],
            "values": {c: _value(row[storage_name(c)]) for c in kind.column_names
                       if row.get(storage_name(c)) is not None},
        })
    return out
