"""`report --run RUN`: the report of a stored run, whatever the inputs are now.

The run's results and findings come from the runs tables (checked against the run's recorded
hashes), its scope from the run record and its pack by id; the current pack's version must be
the run's, or the methodology pages would describe rules the run did not apply.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from berthcheck.report import ReportOutcome, check_output, render_run
from berthcheck.report.run import ReportRun
from berthcheck.run_record import recorded_pack, recorded_scope, run_facts
from berthcheck.run_warnings import as_the_run_read_it, run_warnings


def stored_report_run(con, run_id: str) -> ReportRun:
    from berthcheck.engine.runs import verified_frames

    pack_id, pack_version, pack_hash, scope, inputs = run_facts(con, run_id)
    pack = recorded_pack(con, run_id, pack_id, pack_version, pack_hash)
    results, findings = verified_frames(con, run_id)
    return ReportRun(pack, recorded_scope(scope), run_id, results, findings,
                     json.loads(inputs), reused=True)


def build_stored_report(con, run_id: str, out: Path, *, mkdir: bool = False,
                        appendix: str = "all", page_size: str = "letter") -> ReportOutcome:
    from berthcheck import atomic

    started = time.perf_counter()
    out = Path(out)
    fmt = check_output(out)
    atomic.check_parent(out, mkdir=mkdir, what="report")
    run = stored_report_run(con, run_id)
    # the chapters that read input tables (the connection delays from the sessions, the
    # exceptions from the events, the ports' names) and the run's warnings read them as the
    # run did, not as later loads left them: the same run renders the same report
    with as_the_run_read_it(con, run_id, run.inputs):
        rendered = render_run(con, run, fmt, appendix=appendix, page_size=page_size)
        # the run's pack, scope and inputs as stored_report_run read and checked them
        warnings = run_warnings(con, run.pack, run.scope, run.results)
    atomic.write_bytes(out, rendered.data, mkdir=mkdir, what="report")
    return ReportOutcome(
        path=out, format=fmt, run_id=run.run_id, reused_run=True,
        visits=run.results.height,  # type: ignore[attr-defined]  # a polars frame
        pages=rendered.pages, seconds=time.perf_counter() - started,
        requested=rendered.requested, refused=rendered.refused,
        attachment_name=rendered.model["meta"]["results_name"] if fmt == "pdf" else None,
        scope=run.scope, undrawable=rendered.undrawable,
        warnings=warnings,
    )
