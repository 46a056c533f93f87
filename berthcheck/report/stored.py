"""`report --run RUN`: the report of a stored run, whatever the inputs are now.

The run's results and findings come from the runs tables (checked against the run's recorded
hashes), its scope from the run record and its pack by id; the current pack's version must be
the run's, or the methodology pages would describe rules the run did not apply.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path

from berthcheck import store
from berthcheck.engine.pack import load_pack
from berthcheck.engine.pack_paths import recorded_folder
from berthcheck.engine.scope import Scope
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.report import ReportOutcome, check_output, render_run
from berthcheck.report.run import ReportRun


def _scope(stored: dict) -> Scope:
    def instant(text):
        return dt.datetime.fromisoformat(text) if text else None

    return Scope(period=stored.get("period"), start=instant(stored.get("start")),
                 end=instant(stored.get("end")), port=stored.get("port"),
                 terminal=stored.get("terminal"), fleet=stored.get("fleet"))


def stored_report_run(con, run_id: str) -> ReportRun:
    from berthcheck.engine.runs import verified_frames

    rows = store.run(
        con, "SELECT pack_id, pack_version, pack_hash, scope, inputs FROM runs WHERE run_id = ?",
        [run_id],
    )
    if not rows:
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    pack_id, pack_version, pack_hash, scope, inputs = rows[0]
    record = _pack_record(con, run_id, pack_id)
    pack = load_pack(pack_id, folder=recorded_folder(record))
    if pack.version != pack_version:
        raise BerthcheckError(
            f"run {run_id} was made with {pack_id}@{pack_version}; the installed pack is "
            f"{pack.label}, whose methodology would not describe that run"
        )
    if pack_hash and not _same_files(pack, record, pack_hash):  # edited, version kept
        raise BerthcheckError(
            f"run {run_id} was made with {pack.label} as it was then; its files in "
            f"{pack.path} have changed since, so the report's methodology would not describe "
            f"that run (`berthcheck audit verify {run_id}` lists the differences)"
        )
    results, findings = verified_frames(con, run_id)
    return ReportRun(pack, _scope(json.loads(scope)), run_id, results, findings,
                     json.loads(inputs), reused=True)


def _pack_record(con, run_id: str, pack_id: str) -> dict:
    """The pack the run recorded (its manifest's pack entry; just the id without a manifest):
    `recorded_folder` finds a pack given by path where the run read it."""
    text = store.scalar(con, "SELECT manifest FROM runs WHERE run_id = ?", [run_id])
    if not text:
        return {"id": pack_id}
    from berthcheck.audit.manifests import manifest_for  # checked: a damaged one is named

    return manifest_for(con, run_id)["pack"]


def _same_files(pack, record: dict, pack_hash: str) -> bool:
    """The pack's own files are the ones the run read (engine/pack_hash.py; a run recorded
    when the hash covered every file of the folder is compared on the pack's files)."""
    if pack.hash == pack_hash:
        return True
    if "files" not in record:
        return False
    from berthcheck.audit.pack_record import pack_now

    against = pack_now(pack.path, record)
    return not against.changes and against.run_hash == pack_hash


def build_stored_report(con, run_id: str, out: Path, *, mkdir: bool = False,
                        appendix: str = "all", page_size: str = "letter") -> ReportOutcome:
    from berthcheck import atomic

    started = time.perf_counter()
    out = Path(out)
    fmt = check_output(out)
    atomic.check_parent(out, mkdir=mkdir, what="report")
    run = stored_report_run(con, run_id)
    rendered = render_run(con, run, fmt, appendix=appendix, page_size=page_size)
    atomic.write_bytes(out, rendered.data, mkdir=mkdir, what="report")
    return ReportOutcome(
        path=out, format=fmt, run_id=run.run_id, reused_run=True,
        visits=run.results.height,  # type: ignore[attr-defined]  # a polars frame
        pages=rendered.pages, seconds=time.perf_counter() - started,
        requested=rendered.requested, refused=rendered.refused,
        attachment_name=rendered.model["meta"]["results_name"] if fmt == "pdf" else None,
        scope=run.scope, undrawable=rendered.undrawable,
    )
