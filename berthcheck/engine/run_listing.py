"""Stored runs as plain data, for `runs list` and `runs show` (issue 17): one row per run
from the `runs` table and its manifest, never the run's results. A `runs` JSON column edited
outside berthcheck reads as damaged here (the listing goes on); `audit verify` names it."""

from __future__ import annotations

import datetime as dt
import json

from berthcheck import store
from berthcheck.engine import manifest as run_manifest

# a run made with `check --notes` (its manifest's "notes": true): the same verdicts as the run
# without, more findings (the note rules'), another run id; said, so two such runs of one
# period are not a puzzle
NOTES_SQL = (f"coalesce(json_extract_string({run_manifest.MANIFEST_OBJECT_SQL}, '$.notes') "
             "= 'true', false)")


def list_runs(con):
    return store.fetch_polars(
        con,
        "SELECT run_id, created_at, pack_id, pack_version, period, scope, visits, findings, "  # noqa: S608
        "counts, max_batch_id, "
        # a run made with a pack that is not shipped with berthcheck says so (engine.manifest._pack_record)
        f"coalesce(json_extract_string({run_manifest.MANIFEST_OBJECT_SQL}, '$.pack.custom') "
        "= 'true', false) AS custom_pack, "
        f"json_extract_string({run_manifest.MANIFEST_OBJECT_SQL}, '$.pack.path') AS pack_path, "
        f"{NOTES_SQL} AS notes "
        "FROM runs ORDER BY created_at DESC, run_id",
    )


def _scope_text(scope: dict) -> str:
    parts = [f"{k} {scope[k]}" for k in ("port", "terminal", "fleet") if scope.get(k)]
    return ", ".join(parts) or "all"


DAMAGED = "damaged (see `berthcheck audit verify`)"


def _stored_object(text) -> dict | None:
    """A `runs` JSON column as stored; None when it is not a JSON object (edited outside
    berthcheck): the listing goes on, and `audit verify` names the column."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _summary(row: dict) -> dict:
    scope = _stored_object(row["scope"])
    return {
        "run_id": row["run_id"],
        "created_at": row["created_at"].astimezone(dt.UTC).isoformat(),
        "pack": row["pack_id"],
        "pack_version": row["pack_version"],
        "period": row["period"],
        "scope": scope,
        "scope_text": _scope_text(scope) if scope is not None else DAMAGED,
        "visits": row["visits"],
        "findings": row["findings"],
        "counts": _stored_object(row["counts"]),  # None: damaged
        "max_batch_id": row["max_batch_id"],
        # a pack not shipped with berthcheck is never shown under a built-in's name alone
        "custom_pack": bool(row.get("custom_pack")),
        "pack_path": row.get("pack_path"),
        "notes": bool(row.get("notes")),
    }


def run_summaries(con) -> list[dict]:
    """Every stored run, newest first, as plain data (`runs list`, `runs list --json`)."""
    return [_summary(r) for r in list_runs(con).iter_rows(named=True)]


def run_summary(con, run_id: str) -> dict:
    """One stored run as plain data (`runs show`), with hashes and the inputs it read."""
    from berthcheck.errors import UsageError

    rows = store.fetch_polars(
        con,
        "SELECT run_id, created_at, pack_id, pack_version, pack_hash, period, scope, visits, "  # noqa: S608
        "findings, counts, max_batch_id, results_sha256, findings_sha256, berthcheck_version, "
        "inputs, parameters, "
        # what the run read, as its manifest lists it (the built-in reference tables too)
        f"json_extract({run_manifest.MANIFEST_OBJECT_SQL}, '$.inputs')::VARCHAR AS read, "
        # as list_runs: a run made with a pack folder says so here too
        f"coalesce(json_extract_string({run_manifest.MANIFEST_OBJECT_SQL}, '$.pack.custom') "
        "= 'true', false) AS custom_pack, "
        f"json_extract_string({run_manifest.MANIFEST_OBJECT_SQL}, '$.pack.path') AS pack_path, "
        f"{NOTES_SQL} AS notes "
        "FROM runs WHERE run_id = $r",
        {"r": run_id},
    )
    if not rows.height:
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    row = rows.row(0, named=True)
    out = _summary(row)
    out.update({
        "pack_hash": row["pack_hash"],
        "results_sha256": row["results_sha256"],
        "findings_sha256": row["findings_sha256"],
        "berthcheck_version": row["berthcheck_version"],
        # None: damaged; a run stored before manifests has only its loaded tables
        "inputs": _stored_object(row["read"] if row["read"] else row["inputs"]),
        "parameters": _stored_object(row["parameters"]),
    })
    return out
