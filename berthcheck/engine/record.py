"""A check's run recorded: the input fingerprint from the load-time batch digests, the run id,
the manifest with the typed results/findings digests, and (for a stored run) the run rows.

The digests (manifest version 3, berthcheck/engine/digest_v3.py) hash the frames' Arrow
buffers column by column in a small thread pool of their own, before the rows are written.
Version 2's text digests were computed in a second thread beside the inserts; version 3's
cost about a quarter of their CPU, and beside the inserts they were measured no faster than
before them (docs/scaling.md, "Eighth pass, E"), so there is no second thread.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from berthcheck.engine.timing import stage

if TYPE_CHECKING:  # engine/check.py makes the outcome and calls this module
    from berthcheck.engine.check import CheckResult


def record(con, outcome: CheckResult, started: float, *, store_run: bool) -> None:
    """Fingerprint the inputs, derive the run id, build the manifest; store the run."""
    from berthcheck.engine import runs
    from berthcheck.engine.manifest import build_manifest, gather_inputs

    with stage("input fingerprint (load-time batch digests)"):
        state = gather_inputs(con)  # combines the digests stored at load; no row re-hashed
    outcome.inputs = runs.fingerprint_from_inputs(state.summary)
    outcome.run_id = runs.run_id_for(outcome.pack, outcome.scope, outcome.inputs,
                                     notes=outcome.notes)
    with stage("manifest (typed results/findings digests, batches)"):
        outcome.manifest = build_manifest(con, outcome, inputs=state)
    outcome.elapsed_seconds = time.perf_counter() - started
    if store_run:
        with stage("store the run (INSERT ... SELECT into run tables)"):
            runs.write_run(con, outcome, verified=True, fresh=state.fresh)
