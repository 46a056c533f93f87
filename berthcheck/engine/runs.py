"""Runs stored in the database, so a report can be made from a run later.

Run id: deterministic, sha256 over the pack hash, parameters, scope, berthcheck version, the
manifest version and a fingerprint of every input table (combined from the digests each load
batch stored, berthcheck/fingerprints.py). Re-running the same check on the same inputs gives
the same id: with an equal manifest the stored rows are kept (only the `runs` row's created_at
and elapsed_seconds change), with another one they are replaced (`write_run`), unless the
stored one no longer says what the run's id and stored rows say (edited: refused). Each run also
stores its manifest (berthcheck.audit): what `audit verify` recomputes and compares. Listing
the stored runs is engine/run_listing.py.

Storage: the contract columns in `run_results`, the findings in `run_findings`, and the
results' other columns (pack-specific and emission columns) typed in a table of the run's own,
`run_columns_<run_id>`, each written with `INSERT/CREATE ... SELECT` from the check's frames
(manifest version 2). That table is keyed by `result_row`, each row's place in the results,
which `run_results` holds too (migration 14; runs stored before key it by `visit_id`). Runs
stored before version 2 keep those columns as one Parquet blob in `run_result_columns`
(schema 6) or as JSON in `run_results.extra`, and are read as before.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Callable

from berthcheck import __version__, store
from berthcheck.emissions import factors_hash
from berthcheck.engine import manifest as run_manifest
from berthcheck.engine import manifest_v1
from berthcheck.engine.manifest import MANIFEST_VERSION
from berthcheck.engine.output_columns import FINDING_COLUMNS, RESULT_COLUMNS
from berthcheck.engine.pack import Pack, parameters_json
from berthcheck.engine.scope import Scope
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.ingest.kinds import KINDS

RUN_ID_LENGTH = 16


def input_fingerprint(con) -> dict:
    """{table: {rows, sha256, max_batch_id}} of every loaded input table, combined from the
    digests stored at load (no stored row is re-hashed)."""
    return fingerprint_from_inputs(run_manifest.gather_inputs(con).summary)


def fingerprint_from_inputs(inputs: dict) -> dict:
    """The run id's part of a manifest's input summary: the loaded tables (not the shipped
    reference tables), each with its rows, sha256 and newest batch."""
    return {
        kind.table: {key: inputs[kind.table][key] for key in ("rows", "sha256", "max_batch_id")}
        for kind in sorted(KINDS.values(), key=lambda k: k.table)
    }


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def run_id_for(pack: Pack, scope: Scope, inputs: dict, *, notes: bool = False,
               version: int = MANIFEST_VERSION) -> str:
    """`notes`: the check ran the pack's note rules as findings (`check --notes`); only then
    is it part of the key, so a default run's id is what it was before the option existed.
    `version`: the manifest version whose id is wanted (2 to verify a version-2 run; versions
    2 and 3 share the input fingerprint, so they differ only here)."""
    options = {"notes": True} if notes else {}
    key = _canonical({
        **options,
        "pack": pack.label,
        "pack_hash": pack.hash,
        "parameters": parameters_json(pack),
        "scope": scope.as_dict(),
        "inputs": {t: v["sha256"] for t, v in inputs.items()},
        # the emission factors are inputs of the results too
        "factors_hash": factors_hash(),
        "berthcheck": __version__,
        # each version fingerprints or hashes differently from the one before: so do the ids
        "manifest_version": version,
    })
    return hashlib.sha256(key.encode()).hexdigest()[:RUN_ID_LENGTH]


EXTRA_TABLE_PREFIX = "run_columns_"
_RUN_ID = re.compile(r"[0-9a-f]{16}")


# the key of a run's column table: the row's place in the run's results as the check returned
# them (sorted by visit_id), also in `run_results` (migration 14); runs stored before key that
# table by `visit_id`, a second copy of the text the results hold
ROW_KEY = "result_row"


def extra_table(con, run_id: str) -> str | None:
    """The run's own typed table of its non-contract columns, when it has one."""
    if not _RUN_ID.fullmatch(run_id or ""):
        return None
    name = EXTRA_TABLE_PREFIX + run_id
    return name if store.table_exists(con, name) else None


def extra_key(con, table: str) -> str:
    """The column joining a run's column table to its `run_results` rows: ROW_KEY, or
    `visit_id` for a run stored before migration 14."""
    keyed = store.scalar(
        con, "SELECT count(*) FROM duckdb_columns() WHERE database_name = current_database() "
        "AND schema_name = 'main' AND table_name = ? AND column_name = ?", [table, ROW_KEY])
    return ROW_KEY if keyed else "visit_id"


def manifest_problem(con, run_id: str) -> tuple[str, str] | None:
    """("missing" | "damaged", why) when a stored run's manifest, which says how its rows
    are stored and hashed, cannot be read; None when it can, or the run has none."""
    rows = store.run(
        con, "SELECT manifest IS NULL, "  # noqa: S608 - ours
        f"{run_manifest.MANIFEST_OBJECT_SQL} IS NULL, findings_sha256 IS NOT NULL "
        "FROM runs WHERE run_id = ?", [run_id])
    if not rows:
        return None
    null, not_object, hashed = rows[0]
    if null:
        # runs stored before manifests (migration 3) have no findings hash either, and keep
        # their columns as JSON in `run_results.extra`, neither a column table nor a blob
        if hashed or extra_table(con, run_id) or store.scalar(
                con, "SELECT count(*) FROM run_result_columns WHERE run_id = ?", [run_id]):
            return "missing", "runs.manifest is NULL"
        return None
    return ("damaged", "not a JSON object") if not_object else None


def manifest_version(con, run_id: str) -> int:
    """The manifest version a stored run was recorded with (1 for runs before manifests).
    A run stored with a manifest that is now missing or damaged cannot be read as recorded:
    a clear error (`manifest_problem`), never its rows decoded as another version's."""
    problem = manifest_problem(con, run_id)
    if problem:
        what, why = problem
        raise run_manifest.damaged(run_id, why, what=what)
    rows = store.run(
        con, "SELECT coalesce(TRY_CAST(json_extract("  # noqa: S608 - ours
        f"{run_manifest.MANIFEST_OBJECT_SQL}, '$.manifest_version') AS INTEGER), 1) "
        "FROM runs WHERE run_id = ?", [run_id])
    return int(rows[0][0]) if rows else 1


def _stored_relations(con, run_id: str) -> tuple[str, str]:
    """(results, findings) of a v2 stored run as SQL relations (`run_id` checked: 16 hex)."""
    results, _order = _results_select(con, run_id)
    return f"({results})", _findings_relation(run_id)


def _findings_relation(run_id: str) -> str:
    """A v2 stored run's findings as an SQL relation (`run_id` checked by the caller)."""
    return ("(SELECT " + ", ".join(run_manifest.finding_columns())  # noqa: S608
            + f" FROM run_findings WHERE run_id = '{run_id}')")


def _results_select(con, run_id: str) -> tuple[str, str]:
    """The SELECT of a v2 stored run's results (`run_id` checked: 16 hex), and what to order
    it by for `visit_id` order. A run whose column table is keyed by ROW_KEY (migration 14)
    is ordered by that key: each row's place in the results as the check returned them,
    sorted by `visit_id`, so the same order, found by sorting integers instead of text (a
    million-visit run read back: 0.1-0.5 CPU s less of 3.0-4.1, median 0.18). A key edited
    in the database reorders the rows, and their digest shows it."""
    if not _RUN_ID.fullmatch(run_id):
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    table = extra_table(con, run_id)
    contract = ", ".join(f"r.{c}" for c in RESULT_COLUMNS)
    if table:
        key = extra_key(con, table)
        return (f"SELECT {contract}, x.* EXCLUDE ({key}) FROM run_results r "  # noqa: S608
                f"LEFT JOIN {table} x ON x.{key} = r.{key} WHERE r.run_id = '{run_id}'",
                f"r.{key}" if key == ROW_KEY else "r.visit_id")
    return (f"SELECT {contract} FROM run_results r WHERE r.run_id = '{run_id}'",  # noqa: S608
            "r.visit_id")


def _sorted_results(con, run_id: str) -> str:
    """The query of a v2 stored run's results in `visit_id` order (`_results_select`)."""
    results, order = _results_select(con, run_id)
    return f"{results} ORDER BY {order}"


def stored_hashes(con, run_id: str) -> tuple[str, str]:
    """The typed digests of a v2 or v3 run's results and findings as stored, by its manifest
    version's definition: text made in DuckDB (2), the binary canonical form of the columns
    read as Arrow (3; berthcheck/engine/digest_v3.py)."""
    from berthcheck.engine import digest, digest_v3

    if manifest_version(con, run_id) >= 3:
        return (digest_v3.query_sha256(con, _sorted_results(con, run_id)),
                digest_v3.relation_sha256(con, _findings_relation(run_id),
                                          digest_v3.FINDING_ORDER))
    results, findings = _stored_relations(con, run_id)
    return (digest.typed_sha256(con, results, digest.RESULT_ORDER),
            digest.typed_sha256(con, findings, digest.FINDING_ORDER))




EXTRA_FORMAT = "parquet"  # runs stored between schema 6 and manifest version 2


def _extra_json(con, run_id: str, results):
    """`results` with the `extra` JSON text the run stored before migration 6: the Parquet
    blob's columns encoded exactly as `write_run` used to (struct -> JSON), so `load_run`
    decodes them the same way for old and new runs."""
    import polars as pl

    rows = store.run(
        con, "SELECT format, data FROM run_result_columns WHERE run_id = ?", [run_id]
    )
    if not rows:
        return results
    extra = _read_blob(run_id, *rows[0])
    extras = [c for c in extra.columns if c != "visit_id"]
    encoded = extra.select("visit_id", pl.struct(extras).struct.json_encode().alias("extra"))
    return results.drop("extra").join(encoded, on="visit_id", how="left",
                                      maintain_order="left")


def _read_blob(run_id: str, fmt: str, data: bytes):
    """A run's stored extra columns; a damaged blob is a clear error, not a traceback."""
    import polars as pl

    if fmt != EXTRA_FORMAT:
        raise BerthcheckError(f"run {run_id}: unknown stored column format {fmt!r}")
    try:
        return pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - any reader failure means the blob is damaged
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BerthcheckError(
            f"run {run_id}: its stored result columns (run_result_columns) are damaged and "
            f"cannot be read ({first}); run `berthcheck audit verify {run_id}`") from None


def stored_frames(con, run_id: str, *, version: int | None = None):
    """(results, findings) exactly as stored, typed, in the column order the run wrote them:
    their hashes are what the run's manifest recorded, so any edit of `run_results`,
    `run_findings` or the run's column table (or blob) shows. Runs stored before the typed
    blob (migration 6) are read through `load_run`. `version`: the run's `manifest_version`,
    when the caller has just read it."""
    import polars as pl

    if (manifest_version(con, run_id) if version is None else version) >= 2:
        results = store.fetch_polars(con, _sorted_results(con, run_id))
        return (results,
                store.fetch_polars(con, f"SELECT * FROM {_findings_relation(run_id)} "  # noqa: S608
                                   "ORDER BY visit_id, rule_id, finding_id"))
    blob = store.run(con, "SELECT format, data FROM run_result_columns WHERE run_id = ?",
                     [run_id])
    if not blob:
        return load_run(con, run_id)
    base = store.fetch_polars(
        con, "SELECT * EXCLUDE (run_id, extra) FROM run_results WHERE run_id = $r "
        "ORDER BY visit_id", {"r": run_id},
    ).select(RESULT_COLUMNS)
    extra = _read_blob(run_id, *blob[0])
    results = base.join(extra, on="visit_id", how="left", maintain_order="left")
    findings = store.fetch_polars(
        con, "SELECT * EXCLUDE (run_id) FROM run_findings WHERE run_id = $r "
        "ORDER BY visit_id, rule_id, finding_id", {"r": run_id},
    )
    return results, findings.select([*FINDING_COLUMNS, pl.col("minutes")])


def _hashes_now(con, run_id: str, frames=None, version: int | None = None):
    """(results, findings) sha256 of a stored run as it is stored now, by its manifest
    version's definition: typed rows (2, 3; `stored_hashes`) or the CSV text of `frames`
    (default: as `stored_frames` reads them) (1). `frames` of a version-3 run, as
    `stored_frames` has just read them, are hashed themselves: the digest the check computed
    over its own frames, the same bytes `stored_hashes` reads from the store (a second read
    of the run, about half of what `runs export` or a report of a stored run spent reading)."""
    if version is None:
        version = manifest_version(con, run_id)
    if version >= 3 and frames is not None:
        return run_manifest.output_hashes(*frames)
    if version >= 2:
        return stored_hashes(con, run_id)
    return manifest_v1.output_hashes(*(frames or stored_frames(con, run_id)))


def tampered_parts(con, run_id: str, frames=None, version: int | None = None) -> list[str]:
    """Which of a stored run's results and findings no longer hash to what its record says
    ([] when intact or not stored). `frames`: the run as `stored_frames` has just read it, and
    `version` its manifest version (`intact_frames`)."""
    rows = store.run(con, "SELECT results_sha256, findings_sha256 FROM runs WHERE run_id = ?",
                     [run_id])
    if not rows:
        return []
    try:
        got = _hashes_now(con, run_id, frames, version)
    except BerthcheckError:
        return ["results (damaged)"]
    parts = []
    if got[0] != rows[0][0]:
        parts.append("results")
    if rows[0][1] is not None and got[1] != rows[0][1]:
        parts.append("findings")
    text = store.scalar(con, "SELECT manifest FROM runs WHERE run_id = ?", [run_id])
    if text is not None:  # the record `runs list` shows must say what its manifest says
        from berthcheck import tamper

        try:
            if tamper.record_problems(con, run_id, run_manifest.parse_stored(run_id, text)):
                parts.append("record")
        except BerthcheckError:
            parts.append("manifest (damaged)")
    return parts


def intact_frames(con, run_id: str, *, version: int | None = None):
    """(results, findings) of a stored run as `stored_frames` reads them, when nothing of it
    was changed after it was stored (`tampered_parts` finds nothing); None otherwise. A
    version-3 run is read once and its frames hashed (`_hashes_now`); an older one is hashed
    in the store first, then read, as before. `version`: the run's `manifest_version`, when
    the caller has just read it."""
    if version is None:
        try:
            version = manifest_version(con, run_id)
        except BerthcheckError:  # `tampered_parts`: "results (damaged)"
            return None
    if version < 3:
        return None if tampered_parts(con, run_id) else stored_frames(con, run_id)
    try:
        frames = stored_frames(con, run_id, version=version)
    except BerthcheckError:
        return None
    return None if tampered_parts(con, run_id, frames, version) else frames


# what a run's id is computed from, as its manifest records it: with the same id, a stored
# manifest saying something else here was edited (engine.manifest.build_manifest)
_ID_KEYS = ("run_id", "manifest_version", "berthcheck_version", "notes", "parameters",
            "period", "scope")
_ID_PACK_KEYS = ("id", "version", "hash")
_SHOWN_DIFFERENCES = 5


def _stored_summary(con, run_id: str) -> dict:
    """The visits, findings and counts by verdict of a run's stored rows, which `write_run`
    has just found to hash to what the run recorded (`tampered_parts`)."""
    from berthcheck.engine.output_columns import VERDICTS

    counts = dict.fromkeys(VERDICTS, 0)
    for verdict, n in store.run(con, "SELECT verdict, count(*) FROM run_results "
                                     "WHERE run_id = ? GROUP BY verdict", [run_id]):
        counts[verdict] = n
    return {"visits": sum(counts.values()),
            "findings": store.scalar(con, "SELECT count(*) FROM run_findings WHERE run_id = ?",
                                     [run_id]),
            "counts": counts}


def _refuse_edited_manifest(con, run_id: str, stored_text: str | None, manifest: dict) -> None:
    """Refuse to store a run again over a stored manifest that no longer says what the run's
    own rows and id say (docs/reliability.md section 3): counts edited alike in the `runs` row
    and its manifest agree with each other, not with the stored results, which still hash to
    the recorded sha256. A manifest differing only in what the same id may record otherwise
    (other outputs of an engine changed without a version bump, the files of a pack listed as
    an older berthcheck did) is replaced, as before."""
    from berthcheck.json_diff import json_differences, shown

    if stored_text is None:
        return
    stored = run_manifest.parse_stored(run_id, stored_text)

    def part(record: dict) -> dict:
        pack = record.get("pack")
        inputs = record.get("inputs")
        return {
            **{k: record.get(k) for k in _ID_KEYS},
            "pack": {k: pack.get(k) for k in _ID_PACK_KEYS} if isinstance(pack, dict) else pack,
            "inputs": ({t: v.get("sha256") if isinstance(v, dict) else v
                        for t, v in inputs.items()} if isinstance(inputs, dict) else inputs),
        }

    differences = [f"{path} is {shown(was)} in the stored manifest, {shown(now)} in this check"
                   for path, was, now in json_differences(part(stored), part(manifest))]
    rows = _stored_summary(con, run_id)
    differences += [
        f"{path} is {shown(was)} in the stored manifest, {shown(now)} in the run's stored results"
        for path, was, now in json_differences(
            {k: stored.get(k) for k in rows}, rows)]
    if not differences:
        return
    more = len(differences) - _SHOWN_DIFFERENCES
    listed = "; ".join(differences[:_SHOWN_DIFFERENCES]) + (f"; {more} more" if more > 0 else "")
    raise BerthcheckError(
        f"run {run_id} is stored, but its stored manifest no longer says what the run's id and "
        f"stored rows say ({listed}; edited in the database?); refusing to overwrite it. "
        f"See `berthcheck audit verify {run_id}`")


def store_run(con, outcome) -> None:
    with store.transaction(con):
        write_run(con, outcome)


def write_run(con, outcome, *, verified: bool = False, fresh: list | None = None,
              manifest_ready: Callable[[], None] | None = None) -> None:
    """`store_run` inside the caller's transaction; `verified` and `fresh` as in
    `engine.manifest.record_run`. The frames go to the run tables with `INSERT ... SELECT`
    (the contract columns to `run_results`, the rest typed to `run_columns_<run_id>`).
    `manifest_ready`: called once the rows are written and before the `runs` row, to set
    `outcome.manifest` (a check computes the digests beside the inserts; engine/check.py).

    The same run again (its id stored, intact, with a manifest equal to this one: the same
    inputs, pack, scope, berthcheck version and outputs) keeps its stored rows: only its
    `runs` row's time and duration become this check's, as a rewrite would leave them (a
    report compares with runs stored before its own: checking a period again is how it
    takes in a previous period stored since). A million-visit run is then not deleted and
    written again (2-4 s)."""
    results, findings = outcome.results, outcome.findings
    extras = [c for c in results.columns if c not in RESULT_COLUMNS]
    max_batch = max((v["max_batch_id"] or 0) for v in outcome.inputs.values()) or None
    counts = outcome.verdict_counts()
    problem = manifest_problem(con, outcome.run_id)
    if problem:  # the manifest says how the stored rows are read: without it, nothing is
        raise BerthcheckError(
            f"run {outcome.run_id} is stored, but its stored manifest is {problem[0]} "
            f"({problem[1]}; edited in the database?); refusing to overwrite it. "
            + run_manifest.KEPT_HINT.format(run_id=outcome.run_id))
    tampered = tampered_parts(con, outcome.run_id)
    if tampered:
        # the stored run is evidence that was altered: never paper over it with a fresh copy
        raise BerthcheckError(
            f"run {outcome.run_id} is stored, but its stored {' and '.join(tampered)} no longer "
            "agree with what was recorded with it (edited in the database?); refusing to "
            f"overwrite it. See `berthcheck audit verify {outcome.run_id}`")
    manifest = None
    stored = store.run(con, "SELECT manifest FROM runs WHERE run_id = ?", [outcome.run_id])
    if stored:  # the digests are needed now, to tell the same run from a changed one
        if manifest_ready is not None:
            manifest_ready()
            manifest_ready = None
        manifest = run_manifest.record_run(con, outcome, verified=verified, fresh=fresh)
        if stored[0][0] == run_manifest.manifest_text(manifest):  # its rows hash as recorded
            store.run(con, "UPDATE runs SET created_at = ?, elapsed_seconds = ? WHERE run_id = ?",
                      [dt.datetime.now(dt.UTC), round(outcome.elapsed_seconds, 6),
                       outcome.run_id])
            return
        _refuse_edited_manifest(con, outcome.run_id, stored[0][0], manifest)
    for table in ("run_findings", "run_results", "run_result_columns", "runs"):
        store.run(con, f"DELETE FROM {table} WHERE run_id = ?", [outcome.run_id])  # noqa: S608
    if not _RUN_ID.fullmatch(outcome.run_id):
        raise BerthcheckError(f"run id {outcome.run_id!r} is not 16 hex digits")
    store.run(con, f"DROP TABLE IF EXISTS {EXTRA_TABLE_PREFIX}{outcome.run_id}")
    # the rows first (one transaction: the order is not seen outside it), so a digest being
    # computed beside them is awaited only for the `runs` row
    view, fview = run_manifest.RESULTS_VIEW, run_manifest.FINDINGS_VIEW
    quoted = [store.quote_ident(c) for c in extras]
    # the column table is keyed by each row's place in the results (ROW_KEY), not by a second
    # copy of the text visit_id: storing that key cost 0.3 CPU s of a million-visit run
    key = f"CAST({ROW_KEY} AS BIGINT) AS {ROW_KEY}"
    # in record batches of a row group each: a frame of one chunk comes as one Arrow batch, and
    # DuckDB splits such a batch among its threads only from about two row groups (300 000 rows:
    # both cores; 200 000: one), so the 200 000-visit results and the million-visit check's
    # 172 000 findings were each inserted by one core; the rows keep their order
    # (preserve_insertion_order; tests/test_run_row_key.py)
    with run_manifest.registered(con, results.with_row_index(ROW_KEY) if extras else results,
                                 findings, batch_rows=store.INSERT_BATCH_ROWS):
        # by name: a column added by a later migration sits at the table's end
        store.run(con, "INSERT INTO run_results BY NAME SELECT ? AS run_id, "  # noqa: S608
                       + ", ".join(RESULT_COLUMNS) + (f", {key}" if extras else "")
                       + f", {'' if extras else '{}'!r} AS extra FROM {view}", [outcome.run_id])
        if extras:
            store.run(con, f"CREATE TABLE {EXTRA_TABLE_PREFIX}{outcome.run_id} AS "  # noqa: S608
                           f"SELECT {key}, {', '.join(quoted)} FROM {view}")
        store.run(con, "INSERT INTO run_findings BY NAME SELECT ? AS run_id, "  # noqa: S608
                       + ", ".join(run_manifest.finding_columns()) + f" FROM {fview}",
                  [outcome.run_id])
    if manifest_ready is not None:
        manifest_ready()
    if manifest is None:  # also stores the input digests the check had to compute from the rows
        manifest = run_manifest.record_run(con, outcome, verified=verified, fresh=fresh)
    store.run(
        con,
        "INSERT INTO runs (run_id, pack_id, pack_version, pack_hash, parameters, scope, "
        "period, created_at, berthcheck_version, inputs, max_batch_id, visits, findings, "
        "counts, results_sha256, elapsed_seconds, findings_sha256, manifest) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            outcome.run_id,
            outcome.pack.id,
            outcome.pack.version,
            outcome.pack.hash,
            _canonical(parameters_json(outcome.pack)),
            _canonical(outcome.scope.as_dict()),
            outcome.scope.period,
            dt.datetime.now(dt.UTC),
            __version__,
            _canonical(outcome.inputs),
            max_batch,
            results.height,
            findings.height,
            _canonical(counts),
            manifest["results_sha256"],
            round(outcome.elapsed_seconds, 6),
            manifest["findings_sha256"],
            run_manifest.manifest_text(manifest),
        ],
    )


def load_run(con, run_id: str):
    """(results, findings) of a stored run, results with their pack-specific columns."""
    import polars as pl

    from berthcheck.errors import UsageError

    if not store.scalar(con, "SELECT count(*) FROM runs WHERE run_id = ?", [run_id]):
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    if manifest_version(con, run_id) >= 2:  # typed run tables: read as they are
        return stored_frames(con, run_id)
    results = store.fetch_polars(
        con,
        # the contract's column order, whatever order migrations left the table in
        f"SELECT {', '.join(RESULT_COLUMNS)}, extra FROM run_results "  # noqa: S608
        "WHERE run_id = $r ORDER BY visit_id",
        {"r": run_id},
    )
    findings = store.fetch_polars(
        con,
        "SELECT * EXCLUDE (run_id) FROM run_findings WHERE run_id = $r "
        "ORDER BY visit_id, rule_id, finding_id",
        {"r": run_id},
    )
    results = _extra_json(con, run_id, results)
    if results.height:
        # every row decides a column's type (a column null in the first rows is not Null)
        extra = results["extra"].str.json_decode(infer_schema_length=None)
        if isinstance(extra.dtype, pl.Struct):
            order = list(json.loads(results["extra"][0]))  # inference does not keep key order
            results = results.drop("extra").with_columns(extra.alias("extra")).unnest("extra")
            results = results.select(
                [*(c for c in results.columns if c not in order), *order]
            )
        else:
            results = results.drop("extra")
    return results, findings


_ISO_INSTANT = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$"


def holds_json_columns(con, run_id: str, *, blob_read: bool = True,
                       version: int | None = None) -> bool:
    """True for a run whose pack-specific columns come back as JSON text (stored before
    migration 6, or any run before manifest version 2 when read through `load_run`, which
    encodes the Parquet blob as that JSON: `blob_read=False`). Only these need
    `restore_instants`: a typed run's text column stays text, whatever it looks like (a vessel
    named "2026-10-01 12:00Z"). `version`: the run's `manifest_version`, when just read."""
    if (manifest_version(con, run_id) if version is None else version) >= 2:
        return False
    return not (blob_read and store.scalar(
        con, "SELECT count(*) FROM run_result_columns WHERE run_id = ?", [run_id]))


def restore_instants(results):
    """Runs stored before migration 6 keep pack-specific columns as JSON text: instants come
    back as ISO text and are turned into UTC datetimes again (as report.run.restore_types).
    Only for such runs (`holds_json_columns`)."""
    import polars as pl

    exprs = []
    for name, dtype in results.schema.items():
        if name in RESULT_COLUMNS or dtype != pl.Utf8:
            continue
        values = results[name].drop_nulls()
        if values.len() and values.str.contains(_ISO_INSTANT).all():
            exprs.append(pl.col(name).str.to_datetime(time_unit="us", time_zone="UTC"))
    return results.with_columns(exprs) if exprs else results


def verified_frames(con, run_id: str):
    """(results, findings) of a stored run as the check produced them, checked against the
    run's recorded hashes, so what `runs export` writes is what `check --out` wrote then.
    A version-3 run is read once: the frames returned are the frames hashed (`_hashes_now`);
    its manifest version is read once too."""
    rows = store.run(
        con, "SELECT results_sha256, findings_sha256 FROM runs WHERE run_id = ?", [run_id]
    )
    if not rows:
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    version = manifest_version(con, run_id)
    results, findings = stored_frames(con, run_id, version=version)
    # runs stored before migration 6 hold JSON text
    if holds_json_columns(con, run_id, version=version):
        results = restore_instants(results)
    got = _hashes_now(con, run_id, (results, findings), version)
    for what, want, have in zip(("results", "findings"), rows[0], got, strict=True):
        if want and want != have:
            from berthcheck.side_by_side import two_digests

            recorded, now = two_digests(want, have)
            raise BerthcheckError(
                f"run {run_id}: the stored {what} no longer hash to the run's recorded sha256 "
                f"({recorded} != {now}); run `berthcheck audit verify {run_id}`"
            )
    return results, findings
