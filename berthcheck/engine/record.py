"""A check's run recorded: the input fingerprint from the load-time batch digests, the run id,
the manifest with the typed results/findings digests, and (for a stored run) the run rows.

A big run's digests are computed in a second thread beside the validation and the inserts
(`digests_beside`): the run id does not depend on the outputs, so nothing waits for them
but the manifest and the `runs` row. Most of the results' column digests are already done
by then: a big check hashes each results column as its sorted frame is made
(`digest_v3.ColumnDigests`, engine/check.py), on the core the sort leaves free, since the
inserts keep both cores busy (docs/scaling-history.md, "Tenth pass, O"); the thread here waits for
those, and hashes the findings and any column the engine replaced after.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import TYPE_CHECKING

from berthcheck.engine.timing import stage

if TYPE_CHECKING:  # engine/check.py makes the outcome and calls this module
    import polars as pl

    from berthcheck.engine.check import CheckResult

# from this many result rows a stored run is written while its digests are computed beside it
# (`digests_beside`); below it a second thread and connection cost more than they save
APART_DIGEST_ROWS = 50_000


@contextmanager
def digests_beside(con, outcome: CheckResult, store_run: bool):
    """From APART_DIGEST_ROWS result rows of a run to store: a future of the frames' (results,
    findings) digests, computed in a second thread (`manifest.output_hashes`, over the
    frames' Arrow buffers) while this thread validates the frames, fingerprints the inputs
    and writes the rows; None otherwise. Neither waits on the other's
    single-threaded parts (sha256, DuckDB's compression), which on two cores hides most of
    the shorter one. The digest reads only the frames, which nothing changes after
    `evaluate`: same digests, manifest and stored rows as one after the other
    (tests/test_check_tail.py). Left early (a failure), the digest is waited for."""
    results: pl.DataFrame = outcome.results
    if not (store_run and results.height >= APART_DIGEST_ROWS):
        yield None
        return
    from concurrent.futures import ThreadPoolExecutor

    from berthcheck.engine import manifest

    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(manifest.output_hashes, outcome.results, outcome.findings,
                          known=outcome.column_digests)


def record(con, outcome: CheckResult, started: float, *, store_run: bool,
            hashes=None) -> None:
    """Fingerprint the inputs, derive the run id, build the manifest; store the run.
    `hashes`: a future of the frames' digests being computed beside (`digests_beside`)."""
    from berthcheck.engine import runs
    from berthcheck.engine.manifest import build_manifest, gather_inputs

    with stage("input fingerprint (load-time batch digests)"):
        state = gather_inputs(con)  # combines the digests stored at load; no row re-hashed
    outcome.inputs = runs.fingerprint_from_inputs(state.summary)
    outcome.run_id = runs.run_id_for(outcome.pack, outcome.scope, outcome.inputs,
                                     notes=outcome.notes)
    if store_run and hashes is not None:
        store_beside_digests(con, outcome, started, state, hashes)
        return
    with stage("manifest (typed results/findings digests, batches)"):
        outcome.manifest = build_manifest(con, outcome, inputs=state)
    outcome.elapsed_seconds = time.perf_counter() - started
    if store_run:
        with stage("store the run (INSERT ... SELECT into run tables)"):
            runs.write_run(con, outcome, verified=True, fresh=state.fresh)


def store_beside_digests(con, outcome: CheckResult, started: float, state, hashes) -> None:
    """Store a big run while its digests (`hashes`, a future) are computed beside it: the run
    id does not depend on the outputs, so the rows are written first and the digests are
    awaited only for the manifest and the `runs` row."""
    from berthcheck.engine import runs
    from berthcheck.engine.manifest import build_manifest

    def manifest_ready() -> None:
        outcome.manifest = build_manifest(con, outcome, inputs=state, hashes=hashes.result())
        outcome.elapsed_seconds = time.perf_counter() - started

    # one stage: the two overlap, so their own times would add up to more than was spent
    with stage("manifest and stored run (typed digests beside INSERT ... SELECT)"):
        runs.write_run(con, outcome, verified=True, fresh=state.fresh,
                       manifest_ready=manifest_ready)
