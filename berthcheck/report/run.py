"""The run a report is made from: the stored run for a scope and the current inputs (or a fresh
stored check), its results' types as the check produced them, and the store's rows for its
visits."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from berthcheck import store
from berthcheck.engine.output_columns import RESULT_COLUMNS
from berthcheck.engine.pack import Pack, load_pack
from berthcheck.engine.scope import Scope
from berthcheck.errors import BerthcheckError

if TYPE_CHECKING:  # polars is imported where a frame is made (import time of the CLI)
    import polars as pl

_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")


@dataclass
class ReportRun:
    """The run a report is made from."""

    pack: Pack
    scope: Scope
    run_id: str
    results: pl.DataFrame
    findings: pl.DataFrame
    inputs: dict = field(default_factory=dict)
    reused: bool = False  # True: read back from the runs table; False: checked now
    results_csv: bytes | None = None  # the results as `check --out` writes them, once computed


def restore_types(results):
    """Runs stored before manifest version 2, read by `runs.load_run`, have their
    pack-specific columns as JSON; bring instants back to UTC datetimes so the frame (and its
    CSV export) is the one the check produced."""
    import polars as pl

    exprs = []
    for name, dtype in results.schema.items():
        if name in RESULT_COLUMNS or dtype != pl.Utf8:
            continue
        values = results[name].drop_nulls()
        if values.len() and values.str.contains(_ISO_INSTANT.pattern).all():
            exprs.append(pl.col(name).str.to_datetime(time_unit="us", time_zone="UTC"))
    return results.with_columns(exprs) if exprs else results


def obtain_run(con, scope: Scope, pack: str | Pack = "carb-at-berth-2020") -> ReportRun:
    """The stored run for this pack, scope and the current inputs, else a fresh stored check.

    Run ids are deterministic over pack, parameters, scope and an input fingerprint, so a stored
    run with the id the current inputs give is the latest run covering that scope; one made on
    other inputs is never reused. A stored run whose results no longer hash to its recorded
    results hash is not trusted either: the check is run again. A fresh check is stored, which
    also records its manifest (berthcheck.audit) for `audit verify`.
    """
    from berthcheck.engine import check, runs

    pack_obj = pack if isinstance(pack, Pack) else load_pack(pack)
    inputs = runs.input_fingerprint(con)
    run_id = runs.run_id_for(pack_obj, scope, inputs)
    stored = store.run(con, "SELECT count(*) FROM runs WHERE run_id = ?", [run_id])[0][0]
    frames = _intact_stored_run(con, run_id) if stored else None
    if frames is not None:
        results, findings = frames
        return ReportRun(pack_obj, scope, run_id, results, findings, inputs, reused=True)
    outcome = check(con, pack_obj, scope=scope, store_run=True)  # recorded with its manifest
    # a stored check has its run id; the check types its frames as object (polars lazily)
    return ReportRun(pack_obj, scope, cast(str, outcome.run_id),
                     cast("pl.DataFrame", outcome.results), cast("pl.DataFrame", outcome.findings),
                     outcome.inputs, reused=False)


def _intact_stored_run(con, run_id: str):
    """(results, findings) of a stored run nothing of which was changed after it was stored,
    else None. A version-3 run is read once and the frames read are the frames hashed
    (`runs.intact_frames`: the monthly report after the month's check read the run twice, once
    in DuckDB to hash it); an older one is hashed by its own definition in the store, then read
    through `runs.load_run`, as before."""
    from berthcheck.engine import runs

    try:
        version = runs.manifest_version(con, run_id)
    except BerthcheckError:  # damaged: not trusted, as `runs.tampered_parts` says
        return None
    if version >= 3:
        return runs.intact_frames(con, run_id, version=version)
    if runs.tampered_parts(con, run_id):
        return None
    results, findings = runs.load_run(con, run_id)
    if runs.holds_json_columns(con, run_id, blob_read=False):  # typed runs stay as stored
        results = restore_types(results)
    return results, findings


def fetch_for_visits(con, sql: str, visit_ids):
    """Run `sql`, which reads a relation `_bc_report_visits(visit_id)`, for these visits."""
    import polars as pl

    frame = pl.DataFrame({"visit_id": list(visit_ids)}, schema={"visit_id": pl.Utf8})
    store.register(con, "_bc_report_visits", frame)
    try:
        return store.fetch_polars(con, sql)
    finally:
        con.unregister("_bc_report_visits")
