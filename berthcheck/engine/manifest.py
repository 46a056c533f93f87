"""What a check run read and made: its manifest, built as part of the check (issue 6).

The engine builds and stores the manifest here; `berthcheck.audit` (verify, diff) reads it.
This module depends only on the store and the engine, so `audit` depends on the engine and
never the other way round (issue 16, item 6). What the manifest holds is described in
`berthcheck/audit/__init__.py`.

Manifest version 2 (issue 16): the inputs are fingerprinted from the digests each load batch
stored when it was written (berthcheck/fingerprints.py), and results and findings were hashed
over their typed rows as text made in DuckDB (berthcheck/engine/digest.py). Manifest version 3
keeps version 2's input fingerprint and hashes results and findings over a binary canonical
form of their typed columns, read from the frames' Arrow buffers
(berthcheck/engine/digest_v3.py): no value is made into text. Version 2 runs are verified with
`output_hashes_v2`, version 1 runs through berthcheck/engine/manifest_v1.py.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck import __version__, fingerprints, store
from berthcheck.engine.pack_hash import FOLDER, PACK_FILES, pack_file_digests
from berthcheck.errors import BerthcheckError

MANIFEST_VERSION = 3
RESULTS_VIEW = "_bc_results_out"  # the check's frames, registered for hashing and storing
FINDINGS_VIEW = "_bc_findings_out"


@dataclass
class InputState:
    """What `gather_inputs` found: the input summary (manifest `inputs`), the pieces behind it
    and those digested from the rows just now (stored with the run)."""

    summary: dict
    pieces: dict[str, list[dict]]
    fresh: list[dict] = field(default_factory=list)


def gather_inputs(con, *, stored: bool = True) -> InputState:
    """The inputs the pack reads now: every table's load-time pieces combined, plus the
    shipped reference tables. `stored=False` digests every piece from the rows (verify)."""
    pieces, fresh = fingerprints.table_pieces(con, stored=stored)
    summary = fingerprints.summary(pieces)
    summary.update(fingerprints.builtin_summary(con))
    return InputState(dict(sorted(summary.items())), pieces, fresh)


def result_columns(results) -> list[str]:
    """The order results are hashed and stored in: the contract's columns, then the rest."""
    from berthcheck.engine.output_columns import RESULT_COLUMNS

    return [*RESULT_COLUMNS, *(c for c in results.columns if c not in RESULT_COLUMNS)]


def finding_columns() -> list[str]:
    from berthcheck.engine.output_columns import FINDING_COLUMNS

    return [*FINDING_COLUMNS, "minutes"]


def _select(columns: list[str], source: str) -> str:
    return "(SELECT " + ", ".join(store.quote_ident(c) for c in columns) + f" FROM {source})"  # noqa: S608


@contextlib.contextmanager
def registered(con, results, findings, *, batch_rows: int | None = None) -> Iterator[None]:
    """The check's frames readable as RESULTS_VIEW and FINDINGS_VIEW (Arrow, not copied).
    `batch_rows`: handed over in record batches of that many rows (`store.register`)."""
    store.register(con, RESULTS_VIEW, results, batch_rows=batch_rows)
    store.register(con, FINDINGS_VIEW, findings, batch_rows=batch_rows)
    try:
        yield
    finally:
        con.unregister(RESULTS_VIEW)
        con.unregister(FINDINGS_VIEW)


def output_hashes(results, findings, *, ordered: bool = True,
                  known=None) -> tuple[str, str]:
    """Version-3 digests (berthcheck/engine/digest_v3.py) of results and findings frames, in
    the column order they are stored in. `ordered`: the frames' rows are already in the
    digest's order (as `check` returns them); else they are sorted first. `known`: the
    results' column digests computed as the frame was made (`digest_v3.ColumnDigests`)."""
    from berthcheck.engine import digest_v3

    return (
        digest_v3.frame_sha256(results, result_columns(results),
                               order=None if ordered else digest_v3.RESULT_ORDER,
                               known=known),
        digest_v3.frame_sha256(findings, finding_columns(),
                               order=None if ordered else digest_v3.FINDING_ORDER),
    )


def output_hashes_v2(results, findings, *, ordered: bool = False) -> tuple[str, str]:
    """Version-2 digests (berthcheck/engine/digest.py: canonical text made by DuckDB) of
    results and findings frames, on a DuckDB connection of their own with the store's time
    zone and calendar; for verifying version-2 runs. `ordered` as in `output_hashes`."""
    import duckdb

    from berthcheck.engine import digest

    con = duckdb.connect()
    try:
        store.instants_in_utc(con)
        with registered(con, results, findings):
            return (
                digest.typed_sha256(con, _select(result_columns(results), RESULTS_VIEW),
                                    digest.RESULT_ORDER, ordered=ordered),
                digest.typed_sha256(con, _select(finding_columns(), FINDINGS_VIEW),
                                    digest.FINDING_ORDER, ordered=ordered),
            )
    finally:
        con.close()


def manifest_text(manifest: dict) -> str:
    """The manifest as written to a file and stored: sorted keys, stable layout."""
    return json.dumps(manifest, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def pack_files(folder: Path, *, covers: str = PACK_FILES) -> dict[str, str]:
    """sha256 of each file of a pack, by relative path (the files the pack hash covers:
    engine/pack_hash.py; `covers=FOLDER`: every file of the folder, as runs recorded before)."""
    return pack_file_digests(folder, covers=covers)


def factor_files() -> dict[str, str] | None:
    """sha256 of the emission factor tables' files (`rules/factors`), which the results'
    emission columns come from but the pack hash does not cover; None without them."""
    try:
        from berthcheck.emissions import factors_dir

        # not a pack: every file of the folder, as the factor tables were always recorded
        return pack_files(factors_dir(), covers=FOLDER)
    except (ImportError, BerthcheckError):
        return None


def build_manifest(con, outcome, *, inputs: InputState | None = None,
                   hashes: tuple[str, str] | None = None) -> dict:
    """The manifest (version 3) of a check outcome, over the inputs the connection sees now.

    `inputs`: what `gather_inputs` just returned on this connection (not gathered again).
    `hashes`: the frames' (results, findings) digests, already computed (`output_hashes`)."""
    from berthcheck.engine.pack import parameters_json

    if inputs is None:
        inputs = gather_inputs(con)
    batches = fingerprints.batches_read(con, inputs.pieces)
    # a check's frames come sorted in the digest's order (engine/check.py `evaluate`)
    results_sha, findings_sha = hashes or output_hashes(
        outcome.results, outcome.findings, known=getattr(outcome, "column_digests", None))
    pack = outcome.pack
    factors = factor_files()
    newest = [v["max_batch_id"] for v in inputs.summary.values() if v["max_batch_id"]]
    # `check --notes`: recorded only when on (absent = the pack's note rules did not run)
    options = {"notes": True} if getattr(outcome, "notes", False) else {}
    return {
        **options,
        "manifest_version": MANIFEST_VERSION,
        "run_id": outcome.run_id,
        "berthcheck_version": __version__,
        "pack": _pack_record(pack),
        "factors": {"files": factors} if factors is not None else None,
        "parameters": parameters_json(pack),
        "period": outcome.scope.period,
        "scope": outcome.scope.as_dict(),
        "as_of_batch": max(newest, default=0),
        "inputs": inputs.summary,
        "load_batches": batches,
        "visits": outcome.results.height,
        "findings": outcome.findings.height,
        "counts": outcome.verdict_counts(),
        "results_sha256": results_sha,
        "findings_sha256": findings_sha,
    }



# a stored manifest that is a JSON object (SQL): anything else was edited outside berthcheck,
# and reading one run's must not stop a listing of every run
MANIFEST_OBJECT_SQL = "CASE WHEN json_valid(manifest) AND json_type(manifest) = 'OBJECT' " \
                      "THEN manifest END"


def damaged(run_id: str, why: str, *, what: str = "damaged") -> BerthcheckError:
    """`what`: "damaged", or "missing" for a run stored with a manifest whose
    `runs.manifest` is now NULL (engine/runs.py `manifest_version`)."""
    return BerthcheckError(
        f"run {run_id}: its stored manifest is {what} ({why}); it was edited outside "
        f"berthcheck, so the run cannot be read as recorded (see docs/reliability.md). "
        f"{KEPT_HINT.format(run_id=run_id)}")


# how a run whose stored manifest cannot be read is still verified (README, `audit verify`)
KEPT_HINT = ("Verify it with the manifest file kept from the check (`check --manifest`, "
             "`audit manifest`): `berthcheck audit verify {run_id} --manifest KEPT.json`")


def parse_stored(run_id: str, text: str) -> dict:
    """A run's stored manifest text as a dict; one that is not a JSON object is damaged."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise damaged(run_id, f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise damaged(run_id, "not a JSON object")
    return data

def _pack_record(pack) -> dict:
    """The manifest's pack entry. A pack that is not shipped with berthcheck also records
    where it came from (`custom`, `path`): a run is never passed off as the built-in's."""
    record = {"id": pack.id, "version": pack.version, "hash": pack.hash,
              "files": pack_files(pack.path), "hash_covers": PACK_FILES}
    if getattr(pack, "custom", False):
        record["custom"] = True
        record["path"] = str(Path(pack.path).resolve())
    return record


def record_run(con, outcome, *, verified: bool = False,
               fresh: list[dict] | None = None) -> dict:
    """The manifest of a just-computed check (built if missing); the input pieces the check had
    to digest from the rows are stored with it (`fingerprints.remember`).

    Used by `engine.runs.write_run` inside its transaction; returns the manifest.
    `verified`: the caller built the manifest in this same transaction from the inputs
    `gather_inputs` returned (passing its `fresh` pieces), so they are this run's.
    """
    if not getattr(outcome, "manifest", None):
        state = gather_inputs(con)
        outcome.manifest = build_manifest(con, outcome, inputs=state)
        fresh = state.fresh
    elif not verified or fresh is None:
        state = gather_inputs(con)
        if state.summary != outcome.manifest["inputs"]:
            raise BerthcheckError(
                f"the inputs changed after run {outcome.run_id} was computed; check again")
        fresh = state.fresh
    fingerprints.remember(con, fresh)
    return outcome.manifest
