"""Audit trail: run manifests, `audit verify` and `audit diff` (issue 6).

Every stored check run carries a **manifest**: a deterministic JSON document (sorted keys, no
clock times, no machine paths) saying what the run read and what it produced:

* berthcheck version, pack id, version, hash and the sha256 of each of the pack's files, the
  bound parameters and tables, period and scope;
* `as_of_batch`: the newest load batch among the rows read. The state "as of batch N" is, for
  every `<table>_versions`, the rows with `_batch_id <= N AND (_replaced_by IS NULL OR
  _replaced_by > N)` -- the store never deletes, so that state can be rebuilt after any later
  `--replace`;
* per input table: row count, `sha256` (what the run id uses) and the newest batch. Versions 2
  and 3 combine the digests each load batch stored when it was written (berthcheck/fingerprints.py;
  each covers its rows' `_row_hash` and content hash, so a value edited in place shows when
  verify re-digests the rows); version 1 hashed the rows' `_row_hash` values sorted, plus a
  `content_sha256`, at every check;
* the load batches read, each with its file, the file's sha256 and the file rows read
  (`"2-40,42-203"`; version 2 also lists what later batches retired of them): an exact list of
  the input rows behind the run;
* the sha256 of each file of the emission factor tables (`rules/factors`), which the
  emission columns come from but which lie outside the pack;
* the sha256 of the results and of the findings: version 3 over a binary canonical form of
  their typed columns (berthcheck/engine/digest_v3.py, docs/reliability.md), version 2 over
  their typed rows as text (berthcheck/engine/digest.py), version 1 as `--out FILE.csv` wrote
  them.

`verify` rebuilds the store as it stood at `as_of_batch` in a separate in-memory catalog (see
`as_of`), runs the pack found now under the rules folder over it with the run's period and
scope, builds the manifest of that recomputation and compares the two field by field, naming
the pack files, input rows (via `input_seals`) and visits that differ.

`diff` compares two stored runs visit by visit and says whether an input change, a pack change
(pack files, parameters or emission factor tables) or both explain each changed verdict, naming
the changed rows and columns.

The PDF report (or anything else that publishes results) calls `check(...)` (which stores the
run and its manifest) and then `manifest_for(con, outcome.run_id)` / `outcome.manifest`.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from berthcheck import __version__, fingerprints, store
from berthcheck.engine import manifest_v1
from berthcheck.engine.manifest import (  # noqa: F401 - audit's names for the manifest
    MANIFEST_VERSION,
    _pack_record,
    build_manifest,
    factor_files,
    gather_inputs,
    manifest_text,
    pack_files,
    record_run,
)
from berthcheck.engine.manifest_v1 import (  # version 1 manifests are still verified
    ROWS_TABLE,
    _batches_read,
    _empty_sha,
    _input_summary,
    _kinds,
    collect_input_rows,
)
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.ingest.kinds import KINDS, Kind
from berthcheck.seals import _content_columns, _key_sql, content_hash_sql  # noqa: F401

ASOF_CATALOG = "bc_asof"
COMPARED_FIELDS = ("verdict", "basis", "controlled_hours", "uncontrolled_hours", "excused_hours")
HOURS_DECIMALS = 6
MAX_ROWS_SHOWN = 20

# How a changed row of each input table reaches a visit (for `audit diff`).
_ATTRIBUTION = {
    "visits": ("visit_id",),
    "shore_power": ("visit_id",),
    "capture": ("visit_id", "system_id"),
    "events": ("visit_id",),
    "berths": ("port", "terminal", "berth"),
    "terminals": ("port", "terminal", "vessel_type"),
    "allowances": ("holder_kind", "holder"),
    "caecs": ("system_id",),
    "ports_user": ("port",),
    "visit_counts": ("holder_kind", "holder"),
    "coverage": ("kind", "holder"),
}


# --- small helpers ------------------------------------------------------------------------------


def as_of_predicate(batch: int) -> str:
    """Rows of a `_versions` table that were current right after load batch `batch`."""
    n = int(batch)
    return f"_batch_id <= {n} AND (_replaced_by IS NULL OR _replaced_by > {n})"


def write_manifest(manifest: dict, path: Path, *, mkdir: bool = False) -> None:
    from berthcheck import atomic

    atomic.write_bytes(Path(path), manifest_text(manifest).encode("utf-8"), mkdir=mkdir,
                       what="manifest")


def read_manifest_file(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read manifest {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not a JSON manifest: {exc}") from None
    if not isinstance(data, dict) or "run_id" not in data or "inputs" not in data:
        raise UsageError(f"{path} is not a berthcheck run manifest")
    return data


def _expand(ranges: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, (ranges or "").split(",")):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def _text(value) -> str | None:
    """A stored value as stable text (instants in UTC ISO 8601)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.{HOURS_DECIMALS}f}".rstrip("0").rstrip(".") or "0"
    return str(value)


def _short(digest: str | None) -> str:
    return (digest or "-")[:12]


def manifest_for(con, run_id: str) -> dict:
    """The stored manifest of a run. Unknown run -> UsageError (exit 2)."""
    rows = store.run(con, "SELECT manifest FROM runs WHERE run_id = ?", [run_id])
    if not rows:
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    if rows[0][0] is None:
        raise BerthcheckError(
            f"run {run_id} was recorded before berthcheck kept run manifests; check again to "
            "record a run that can be verified"
        )
    return json.loads(rows[0][0])


# --- the store as it stood then -----------------------------------------------------------------


@contextlib.contextmanager
def as_of(con, batch: int) -> Iterator[None]:
    """Make the connection see the store as it stood right after load batch `batch`.

    An in-memory catalog is attached and made the default (`USE`): it gets each
    `<table>_versions` as it was then (rows loaded up to that batch; `_replaced_by` cleared
    where a later batch replaced the row),
    copies of the `*_builtin` reference tables and of the load log up to that batch, and the
    store's own view definitions replayed over them. The pack's unqualified table names then
    resolve there and nothing can read the current state by accident (a table the copy lacks
    is an error, never a silent read of today's data). The database file is not written;
    temporary tables (the pack's stages) live in the connection's temp catalog as usual.
    """
    main = store.scalar(con, "SELECT current_database()")
    views = store.run(
        con,
        "SELECT view_name, sql FROM duckdb_views() WHERE database_name = ? "
        "AND schema_name = 'main' AND NOT internal AND NOT temporary ORDER BY view_name",
        [main],
    )
    store.run(con, f"DETACH DATABASE IF EXISTS {ASOF_CATALOG}")
    # READ_WRITE: on a read-only store (an archive) the copy must still be writable
    store.run(con, f"ATTACH ':memory:' AS {ASOF_CATALOG} (READ_WRITE)")
    src = f"{store.quote_ident(main)}.main"
    try:
        for kind in _kinds():
            store.run(
                con,
                f"CREATE TABLE {ASOF_CATALOG}.main.{kind.table}_versions AS "  # noqa: S608
                # rows retired by then are kept (the views hide them): the pieces a
                # version-2 fingerprint combines are recomputed from them
                f"SELECT * REPLACE (CASE WHEN _replaced_by <= {int(batch)} THEN _replaced_by "
                "END AS _replaced_by) "
                f"FROM {src}.{kind.table}_versions WHERE _batch_id <= {int(batch)} "
                "ORDER BY _batch_id, _source_row",
            )
        for table in store.builtin_tables(con):
            store.run(con, f"CREATE TABLE {ASOF_CATALOG}.main.{store.quote_ident(table)} AS "  # noqa: S608
                           f"SELECT * FROM {src}.{store.quote_ident(table)}")
        store.run(con, f"CREATE TABLE {ASOF_CATALOG}.main.load_batches AS "  # noqa: S608
                       f"SELECT * FROM {src}.load_batches WHERE batch_id <= {int(batch)}")
        store.run(con, f"USE {ASOF_CATALOG}")
        # berthcheck's own view definitions, never the database's (which could be redefined)
        from berthcheck.tamper import canonical_views

        canonical = canonical_views()
        names = {name for name, _ in canonical}
        _replay_views(con, [*canonical, *((n, q) for n, q in views if n not in names)])
        yield
    finally:
        store.run(con, f"USE {store.quote_ident(main)}")
        store.run(con, f"DETACH DATABASE IF EXISTS {ASOF_CATALOG}")


def _replay_views(con, views: list[tuple[str, str]]) -> None:
    """Recreate the store's views in the as-of catalog, dependencies first. A view over
    something the copy lacks (runs, reports, ...) is left out."""
    import duckdb

    pending = list(views)
    while pending:
        left = []
        for name, sql in pending:
            try:
                store.run(con, sql)
            except duckdb.Error:  # refers to something not (yet) copied
                left.append((name, sql))
        if len(left) == len(pending):
            break
        pending = left


# --- verify -----------------------------------------------------------------------------------


@dataclass
class Mismatch:
    what: str  # pack | inputs | load_batches | results | findings | run_id
    subject: str  # file, table, visit, ...
    message: str
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"what": self.what, "subject": self.subject, "message": self.message,
                "details": self.details}


@dataclass
class VerifyReport:
    run_id: str
    manifest: dict
    mismatches: list[Mismatch] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def lines(self) -> list[str]:
        m = self.manifest
        custom = (f" (custom pack {m['pack'].get('path')})" if m["pack"].get("custom") else "")
        out = [
            f"run {self.run_id}: {m['pack']['id']}@{m['pack']['version']}{custom}, "
            f"period {m.get('period') or 'all'}, inputs as of load batch {m['as_of_batch']}"
        ]
        out += [f"  ok        {line}" for line in self.matched]
        for mm in self.mismatches:
            out.append(f"  MISMATCH  {mm.message}")
            shown = mm.details[:MAX_ROWS_SHOWN]
            out += [f"              {d}" for d in shown]
            if len(mm.details) > len(shown):
                out.append(f"              ... and {len(mm.details) - len(shown)} more")
        out += [f"  note      {n}" for n in self.notes]
        if self.ok:
            out.append("verified: recomputing the run from its inputs as they stood then gives "
                       "the same hashes")
        else:
            n = len(self.mismatches)
            out.append(f"NOT verified: {n} mismatch{'es' if n != 1 else ''}")
        return out

    def as_dict(self) -> dict:
        return {"run_id": self.run_id, "verified": self.ok, "matched": self.matched,
                "mismatches": [mm.as_dict() for mm in self.mismatches], "notes": self.notes}


def _scope_from(manifest: dict):
    from berthcheck.engine.scope import Scope

    s = manifest["scope"]
    return Scope(
        period=s.get("period"),
        start=dt.datetime.fromisoformat(s["start"]) if s.get("start") else None,
        end=dt.datetime.fromisoformat(s["end"]) if s.get("end") else None,
        port=s.get("port"),
        terminal=s.get("terminal"),
        fleet=s.get("fleet"),
    )


def _flat_parameters(params: dict) -> dict[str, str]:
    out = {f"parameter {k}": json.dumps(v, sort_keys=True)
           for k, v in (params.get("parameters") or {}).items()}
    out.update({f"table {k}": json.dumps(v, sort_keys=True)
                for k, v in (params.get("tables") or {}).items()})
    return out


def _changed_parameters(a: dict, b: dict) -> list[str]:
    fa, fb = _flat_parameters(a), _flat_parameters(b)
    out = []
    for name in sorted(set(fa) | set(fb)):
        if fa.get(name) != fb.get(name):
            if name.startswith("parameter "):
                out.append(f"{name}: {fa.get(name, 'absent')} -> {fb.get(name, 'absent')}")
            else:
                out.append(f"{name}: rows differ")
    return out


def _file_changes(then: dict[str, str], now: dict[str, str]) -> list[str]:
    out = []
    for rel in sorted(set(then) | set(now)):
        a, b = then.get(rel), now.get(rel)
        if a == b:
            continue
        if a is None:
            out.append(f"file {rel} added (not in the pack at the run)")
        elif b is None:
            out.append(f"file {rel} removed (sha256 {_short(a)}... at the run)")
        else:
            out.append(f"file {rel} changed (sha256 {_short(a)}... at the run, {_short(b)}... now)")
    return out


def verify(con, run_id: str, manifest: dict | None = None) -> VerifyReport:
    """Recompute a stored run from its inputs as they stood then, with the pack found now, and
    compare every hash with the manifest (the stored one, or `manifest` read from a file)."""
    from berthcheck.engine.check import check
    from berthcheck.engine.pack import load_pack
    from berthcheck.engine.pack_paths import recorded_folder
    from berthcheck.resources import rules_dir

    stored = manifest_for(con, run_id)
    reference = manifest or stored
    report = VerifyReport(run_id, reference)
    if manifest is not None:
        if manifest.get("run_id") != run_id:
            raise UsageError(f"the manifest given is of run {manifest.get('run_id')!r}, not {run_id!r}")
        if manifest_text(manifest) != manifest_text(stored):
            report.mismatches.append(Mismatch(
                "manifest", run_id, "the database's manifest of this run differs from the file "
                "given", [f"{k}: differs" for k in sorted(set(manifest) | set(stored))
                          if manifest.get(k) != stored.get(k)]))

    # the pack
    pk = reference["pack"]
    folder = recorded_folder(pk)
    now_files = pack_files(folder) if folder is not None else {}
    pack = None
    if folder is None or not now_files:
        where = (f"the folder the run read it from ({pk['path']}), " if pk.get("path") else "")
        report.mismatches.append(Mismatch("pack", pk["id"], f"pack {pk['id']} is not found now: "
                                          f"not in {where}the built-in packs ({rules_dir()}) "
                                          "or $BERTHCHECK_PACKS"))
    else:
        changes = _file_changes(pk.get("files") or {}, now_files)
        try:
            pack = load_pack(pk["id"], folder=folder)
        except BerthcheckError as exc:
            changes.append(f"the pack cannot be loaded now: {exc}")
        if pack is not None:
            if pack.version != pk["version"]:
                changes.append(f"version {pk['version']} at the run, {pack.version} now")
            changes += _changed_parameters(reference.get("parameters") or {},
                                           _pack_parameters(pack))
            if not changes and pack.hash != pk["hash"]:
                changes.append(f"pack hash {_short(pk['hash'])}... at the run, "
                               f"{_short(pack.hash)}... now")
        if changes:
            report.mismatches.append(Mismatch(
                "pack", pk["id"], f"pack {pk['id']}@{pk['version']} differs from the run's "
                f"({len(changes)} difference{'s' if len(changes) != 1 else ''})", changes))
        else:
            report.matched.append(f"pack {pk['id']}@{pk['version']}: {len(now_files)} files match "
                                  f"(hash {_short(pk['hash'])}...)")
    then_factors = (reference.get("factors") or {}).get("files")
    if then_factors is not None:
        changes = _file_changes(then_factors, factor_files() or {})
        if changes:
            report.mismatches.append(Mismatch(
                "factors", "factors", "the emission factor tables differ from the run's", changes))
        else:
            report.matched.append(f"emission factor tables: {len(then_factors)} files match")
    if reference.get("berthcheck_version") != __version__:
        report.notes.append(f"the run was made by berthcheck {reference.get('berthcheck_version')}, "
                            f"this is {__version__}; results are compared all the same")

    _store_integrity(con, report)
    # the inputs as they stood then, and the results recomputed over them
    batch = int(reference.get("as_of_batch") or 0)
    recomputed = None
    from berthcheck.export.proof import check_exports, export_records

    exports = export_records(con, run_id)  # read before the as-of catalog hides the table
    with as_of(con, batch):
        if pack is not None:
            try:
                outcome = check(con, pack, scope=_scope_from(reference), store_run=False,
                                validate=False, notes=bool(reference.get("notes")))
                recomputed = outcome.manifest
                results, findings = outcome.results, outcome.findings
            except BerthcheckError as exc:
                report.mismatches.append(Mismatch("results", run_id, f"could not recompute: {exc}"))
            except Exception as exc:  # noqa: BLE001 - a DuckDB error from a changed pack or store
                report.mismatches.append(Mismatch(
                    "results", run_id, f"could not recompute: {type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else ''}"))
            if recomputed is not None and exports:  # each export rebuilt from the recomputation
                for ok, message, details in check_exports(
                        con, exports, pack, _scope_from(reference), results, findings):
                    if ok:
                        report.matched.append(message)
                    else:
                        report.mismatches.append(Mismatch("export", run_id, message, details))
        version = int(reference.get("manifest_version") or 1)
        if version == 2 and recomputed is not None:  # hashed as version 2 did
            recomputed = _as_version_2(recomputed, pack, reference, results, findings)
        if version >= 2:
            # every piece re-digested from the rows as they stand (the as-of copy has no
            # stored digests): the recomputation did it already, else it is done here
            if recomputed is not None:
                inputs_now, batches_now = recomputed["inputs"], recomputed["load_batches"]
            else:
                state = gather_inputs(con, stored=False)
                inputs_now = state.summary
                batches_now = fingerprints.batches_read(con, state.pieces)
            if inputs_now != reference.get("inputs"):
                collect_input_rows(con)  # the rows, to name those that differ
        else:
            collect_input_rows(con)
            inputs_now = _input_summary(con)
            batches_now = _batches_read(con)
            if recomputed is not None:  # the recomputation hashed as version 1 did
                recomputed = _as_version_1(recomputed, pack, reference, inputs_now,
                                           results, findings)
    _compare_inputs(con, report, reference, inputs_now, batches_now, batch)
    _compare_stored(con, report, run_id, reference,
                    (results, findings) if recomputed is not None else None)
    if recomputed is not None:
        try:
            _compare_outputs(con, report, run_id, reference, recomputed, results, findings)
        except BerthcheckError as exc:  # a damaged stored run: already reported above
            report.notes.append(str(exc))
    return report


def _as_version_1(recomputed: dict, pack, reference: dict, inputs: dict, results,
                  findings) -> dict:
    """A recomputation's manifest with the run id and output hashes version 1 defines."""
    results_sha, findings_sha = manifest_v1.output_hashes(results, findings)
    run_id = manifest_v1.run_id(pack, _scope_from(reference),
                                manifest_v1.fingerprint_from_inputs(inputs),
                                berthcheck_version=__version__)
    return {**recomputed, "manifest_version": 1, "run_id": run_id, "inputs": inputs,
            "results_sha256": results_sha, "findings_sha256": findings_sha}


def _as_version_2(recomputed: dict, pack, reference: dict, results, findings) -> dict:
    """A recomputation's manifest with the run id and output hashes version 2 defines (its
    input fingerprint is version 3's: only the output digests and the id's version differ)."""
    from berthcheck.engine.manifest import output_hashes_v2
    from berthcheck.engine.runs import fingerprint_from_inputs, run_id_for

    results_sha, findings_sha = output_hashes_v2(results, findings, ordered=True)
    run_id = run_id_for(pack, _scope_from(reference),
                        fingerprint_from_inputs(recomputed["inputs"]),
                        notes=bool(reference.get("notes")), version=2)
    return {**recomputed, "manifest_version": 2, "run_id": run_id,
            "results_sha256": results_sha, "findings_sha256": findings_sha}


def _compare_stored(con, report, run_id, reference, recomputed) -> None:
    """The stored results and findings against the hashes the run recorded, and, when they
    differ, against the recomputation: which visit and column, which finding."""
    from berthcheck import tamper
    from berthcheck.engine.runs import stored_frames, stored_hashes

    # the stored rows are read as frames only where they are needed: for a version-1 hash,
    # or to name what differs (a million visits' frames beside the recomputed ones and the
    # digest's own read would hold the results three times)
    frames = None
    try:
        if int(reference.get("manifest_version") or 1) >= 2:
            results_sha, findings_sha = stored_hashes(con, run_id)
        else:
            frames = stored_frames(con, run_id)
            results_sha, findings_sha = manifest_v1.output_hashes(*frames)
    except BerthcheckError as exc:
        report.mismatches.append(Mismatch("stored", run_id, str(exc)))
        return
    for what, got, index in (("results", results_sha, 0), ("findings", findings_sha, 1)):
        want = reference.get(f"{what}_sha256")
        if got == want:
            report.matched.append(f"stored {what}: match the hash recorded for the run "
                                  f"({_short(want)}...)")
            continue
        if frames is None:
            try:
                frames = stored_frames(con, run_id)
            except BerthcheckError as exc:
                report.mismatches.append(Mismatch("stored", run_id, str(exc)))
                return
        frame = frames[index]
        details = tamper.cell_differences(frame, recomputed[index]) if recomputed else []
        if recomputed and not details:  # an edit finer than the CSV's decimals (version 3)
            details = tamper.exact_differences(frame, recomputed[index], MAX_ROWS_SHOWN)
        report.mismatches.append(Mismatch(
            "stored", run_id,
            f"stored {what}: sha256 {_short(got)}... but the run recorded {_short(want)}...: "
            f"they were changed after the run was stored", details))


def _store_integrity(con, report) -> None:
    """Views and history the database could have been edited to lie about (berthcheck.tamper)."""
    from berthcheck import tamper

    views = tamper.view_problems(con)
    if views:
        report.mismatches.append(Mismatch(
            "store", "views", "the store's views are not berthcheck's own definitions (the "
            "recomputation used berthcheck's)", views))
    history = tamper.history_problems(con)
    if history:
        report.mismatches.append(Mismatch(
            "store", "history", "the load history was edited outside berthcheck", history))


def _pack_parameters(pack) -> dict:
    from berthcheck.engine.pack import parameters_json

    # through JSON, as stored in the manifest (dates become text)
    return json.loads(json.dumps(parameters_json(pack), default=str))


def _compare_inputs(con, report, reference, inputs_now, batches_now, batch) -> None:
    then_inputs = reference.get("inputs") or {}
    # version 2 has one digest per table (content included); version 1 two
    fields = ("rows", "sha256") if int(reference.get("manifest_version") or 1) >= 2 else (
        "rows", "sha256", "content_sha256")
    empty = {"rows": 0, "sha256": _empty_sha(), "content_sha256": _empty_sha()}
    differing = []
    for table in sorted(set(then_inputs) | set(inputs_now)):
        a = then_inputs.get(table) or empty
        b = inputs_now.get(table) or empty
        if tuple(a.get(f) for f in fields) != tuple(b.get(f) for f in fields):
            differing.append(table)
    for table in differing:
        a, b = then_inputs.get(table) or {}, inputs_now.get(table) or {}
        details = _row_account(con, table, reference, batch)
        if not details:
            details = ["no single row can be named (no row seals recorded for this table)"]
        report.mismatches.append(Mismatch(
            "inputs", table,
            f"input table {table} as of batch {batch}: {a.get('rows', 0)} rows "
            f"(sha256 {_short(a.get('sha256'))}..., content {_short(a.get('content_sha256'))}...) "
            f"at the run; now {b.get('rows', 0)} rows (sha256 {_short(b.get('sha256'))}..., "
            f"content {_short(b.get('content_sha256'))}...)",
            details,
        ))
    if not differing:
        report.matched.append(f"inputs as of load batch {batch}: {len(then_inputs)} tables, "
                              f"{sum(v['rows'] for v in then_inputs.values())} rows match")
    then_batches = {(b["batch_id"], b["table"]): b for b in reference.get("load_batches") or []}
    now_batches = {(b["batch_id"], b["table"]): b for b in batches_now}
    log = []
    for key in sorted(set(then_batches) | set(now_batches)):
        a, b = then_batches.get(key), now_batches.get(key)
        if a == b:
            continue
        if a is None:
            log.append(f"batch {key[0]} ({key[1]}): read now, not by the run")
        elif b is None:
            log.append(f"batch {key[0]} ({key[1]}, {a['source_file']}): read by the run, "
                       "not now")
        else:
            diffs = [f"{k} {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
                     if a.get(k) != b.get(k)]
            log.append(f"batch {key[0]} ({key[1]}, {a['source_file']}): " + "; ".join(diffs))
    if log:
        report.mismatches.append(Mismatch(
            "load_batches", "load_batches", "the load batches read differ from the run's", log))


def _row_account(con, table: str, reference: dict, batch: int) -> list[str]:
    """Which rows of `table` differ between what the run read and the state as of `batch` now
    (needs the temp rows table of the as-of state)."""
    if table.endswith(store.BUILTIN_SUFFIX):
        return [f"{table} is built-in reference data (shipped with berthcheck, not loaded, "
                "not versioned): it changed after the run, e.g. with a berthcheck upgrade"]
    recorded = {
        (b["batch_id"], r)
        for b in reference.get("load_batches") or [] if b["table"] == table
        # version 2 lists the rows a batch inserted and, apart, those later batches retired
        for r in set(_expand(b["source_rows"])) - {
            gone for q in b.get("replaced") or [] for gone in _expand(q["source_rows"])}
    }
    now = {
        (bid, srow): (key, src, rh, ch)
        for key, bid, src, srow, rh, ch in store.run(
            con,
            f"SELECT row_key, batch_id, source_file, source_row, row_hash, content_hash "  # noqa: S608
            f"FROM {ROWS_TABLE} WHERE table_name = ? ORDER BY batch_id, source_row",
            [table],
        )
    }
    seals = {
        (bid, srow): (key, src, rh, ch)
        for bid, srow, src, key, rh, ch in store.run(
            con,
            "SELECT batch_id, source_row, source_file, row_key, row_hash, content_hash "
            "FROM input_seals WHERE table_name = ?",
            [table],
        )
    }
    kind = next(k for k in KINDS.values() if k.table == table)
    details = []
    for ident in sorted(recorded - set(now)):
        bid, srow = ident
        seal = seals.get(ident)
        where = f"{seal[1]} row {srow}" if seal else f"row {srow}"
        label = f"{kind.table} {seal[0]!r}" if seal else kind.table
        current = store.run(
            con,
            f"SELECT _replaced_by FROM {kind.table}_versions "  # noqa: S608
            "WHERE _batch_id = ? AND _source_row = ?",
            [bid, srow],
        )
        if not current:
            why = "no longer in the store (deleted, or its batch or row number was changed)"
        else:
            why = (f"now marked as replaced by batch {current[0][0]}, at or before batch {batch}"
                   if current[0][0] is not None and current[0][0] <= batch
                   else "its lineage was changed")
        details.append(f"removed: {label} ({where}, batch {bid}) was read by the run; {why}")
    for ident in sorted(set(now) - recorded):
        key, src, _rh, _ch = now[ident]
        details.append(f"added: {kind.table} {key!r} ({src} row {ident[1]}, batch {ident[0]}) "
                       "is in the state now but was not read by the run")
    for ident in sorted(recorded & set(now)):
        seal = seals.get(ident)
        if seal is None:
            continue
        key, src, rh, ch = now[ident]
        problems = []
        if ch != seal[3]:
            problems.append("its stored values were edited after the run read them")
        if rh != seal[2]:
            problems.append("its _row_hash was changed")
        if key != seal[0]:
            problems.append(f"its key was {seal[0]!r}")
        if problems:
            details.append(f"changed: {kind.table} {key!r} ({src} row {ident[1]}, batch "
                           f"{ident[0]}): " + "; ".join(problems))
    return details


def _csv_rows(frame) -> dict[str, dict[str, str]]:
    from berthcheck.engine.export import csv_bytes

    reader = csv.DictReader(io.StringIO(csv_bytes(frame).decode("utf-8")))
    return {row["visit_id"]: row for row in reader}


def _cell(value: str | None):
    """A CSV cell made comparable: numbers as floats, instants in UTC (a run's stored extra
    columns come back from JSON as text)."""
    if not value:
        return None
    try:
        return round(float(value), HOURS_DECIMALS)
    except ValueError:
        pass
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    return _text(parsed) if parsed.tzinfo is not None else value


def _shown(value: str | None) -> str:
    cell = _cell(value)
    return "-" if cell is None else _text(cell) if isinstance(cell, float) else str(cell)


def _same_cell(a: str | None, b: str | None) -> bool:
    return a == b or _cell(a) == _cell(b)


def _compare_outputs(con, report, run_id, reference, recomputed, results, findings) -> None:
    from berthcheck.engine.runs import load_run

    if recomputed.get("run_id") != reference.get("run_id"):
        why = ("berthcheck versions differ" if recomputed.get("berthcheck_version")
               != reference.get("berthcheck_version") else "see the differences above")
        note = (f"the recomputed run id is {recomputed.get('run_id')} ({why})")
        if report.mismatches:
            report.notes.append(note)
        elif recomputed.get("berthcheck_version") != reference.get("berthcheck_version"):
            report.notes.append(note)
        else:
            report.mismatches.append(Mismatch("run_id", run_id, note))
    stored_results, stored_findings = load_run(con, run_id)
    if recomputed["results_sha256"] == reference.get("results_sha256"):
        report.matched.append(f"results: {recomputed['visits']} visits "
                              f"(sha256 {_short(recomputed['results_sha256'])}...)")
    else:
        then, now = _csv_rows(stored_results), _csv_rows(results)
        details = []
        for visit in sorted(set(then) | set(now)):
            a, b = then.get(visit), now.get(visit)
            if a is None:
                details.append(f"{visit}: not in the run's results, in the recomputed ones")
            elif b is None:
                details.append(f"{visit}: in the run's results, not in the recomputed ones")
            else:
                cols = [c for c in b if c in a and not _same_cell(a[c], b[c])]
                if cols:
                    details.append(f"{visit}: " + "; ".join(
                        f"{c} {_shown(a[c])} -> {_shown(b[c])}" for c in cols[:6]))
        n = len(details)
        report.mismatches.append(Mismatch(
            "results", run_id,
            f"results: sha256 {_short(reference.get('results_sha256'))}... at the run, "
            f"{_short(recomputed['results_sha256'])}... recomputed; "
            f"{n} visit{'s' if n != 1 else ''} differ" if n else
            f"results: sha256 {_short(reference.get('results_sha256'))}... at the run, "
            f"{_short(recomputed['results_sha256'])}... recomputed",
            details))
    if recomputed["findings_sha256"] == reference.get("findings_sha256"):
        report.matched.append(f"findings: {recomputed['findings']} "
                              f"(sha256 {_short(recomputed['findings_sha256'])}...)")
    else:
        then_ids = set(zip(stored_findings["visit_id"].to_list(),
                           stored_findings["finding_id"].to_list(),
                           stored_findings["rule_id"].to_list(), strict=True))
        now_ids = set(zip(findings["visit_id"].to_list(), findings["finding_id"].to_list(),
                          findings["rule_id"].to_list(), strict=True))
        details = [f"{v}: finding {f} ({r}) only in the run" for v, f, r in sorted(then_ids - now_ids)]
        details += [f"{v}: finding {f} ({r}) only recomputed" for v, f, r in sorted(now_ids - then_ids)]
        report.mismatches.append(Mismatch(
            "findings", run_id,
            f"findings: sha256 {_short(reference.get('findings_sha256'))}... at the run, "
            f"{_short(recomputed['findings_sha256'])}... recomputed", details))


# --- diff ---------------------------------------------------------------------------------------


@dataclass
class RowChange:
    table: str
    key: str
    change: str  # added | removed | changed
    before: dict | None  # lineage of the version in run A's state
    after: dict | None
    columns: dict[str, list] = field(default_factory=dict)  # column -> [before, after]
    attrs: list[dict] = field(default_factory=list)  # attribution values (before/after)

    def as_dict(self) -> dict:
        return {"table": self.table, "key": self.key, "change": self.change,
                "before": self.before, "after": self.after, "columns": self.columns}

    def describe(self) -> str:
        def where(side):
            text = f"{side['source_file']} row {side['source_row']}, batch {side['batch_id']}"
            if side.get("source_path"):  # e.g. the JIT timestamp that gave a changed time
                paths = json.loads(side["source_path"])
                named = [f"{c}: {paths[c]}" for c in self.columns if isinstance(paths.get(c), str)]
                if named:
                    text += " [" + "; ".join(named) + "]"
            return text

        if self.change == "added":
            return f"{self.table} {self.key!r} added ({where(self.after)})"
        if self.change == "removed":
            return f"{self.table} {self.key!r} removed (was {where(self.before)})"
        cols = "; ".join(f"{c} {v[0] or '-'} -> {v[1] or '-'}" for c, v in self.columns.items())
        return (f"{self.table} {self.key!r} changed: {cols or 'same values, new version'} "
                f"(was {where(self.before)}; now {where(self.after)})")


@dataclass
class VisitChange:
    visit_id: str
    before: dict | None
    after: dict | None
    fields: list[str]
    cause: str  # scope | input | pack | both | berthcheck | unexplained
    rows: list[RowChange]
    note: str = ""

    def as_dict(self) -> dict:
        return {"visit_id": self.visit_id, "before": self.before, "after": self.after,
                "changed": self.fields, "cause": self.cause,
                "rows": [r.as_dict() for r in self.rows], "note": self.note}


@dataclass
class DiffReport:
    run_a: dict
    run_b: dict
    pack_changes: list[str]
    input_tables: dict[str, dict]
    visits: list[VisitChange]
    unchanged: int
    scope_changes: list[str] = field(default_factory=list)  # period / port / terminal / fleet
    # e.g. manifest version 1 -> 2: ids and hashes defined anew, not an input change
    manifest_changes: list[str] = field(default_factory=list)

    @property
    def pack_changed(self) -> bool:
        return bool(self.pack_changes)

    @property
    def differs(self) -> bool:
        """Anything differs: scope, pack, inputs or a visit's results (`audit diff` exits 1)."""
        return bool(self.scope_changes or self.pack_changes or self.input_tables or self.visits)

    def as_dict(self) -> dict:
        def run(m):
            return {"run_id": m["run_id"], "pack": f"{m['pack']['id']}@{m['pack']['version']}",
                    "pack_hash": m["pack"]["hash"], "period": m.get("period"),
                    "scope": m.get("scope"), "as_of_batch": m["as_of_batch"],
                    "berthcheck_version": m.get("berthcheck_version")}

        return {
            "run_a": run(self.run_a), "run_b": run(self.run_b),
            "scope_changed": bool(self.scope_changes), "scope_changes": self.scope_changes,
            "manifest_changes": self.manifest_changes,
            "differs": self.differs,
            "pack_changed": self.pack_changed, "pack_changes": self.pack_changes,
            "inputs_changed": self.input_tables,
            "visits_changed": [v.as_dict() for v in self.visits],
            "visits_unchanged": self.unchanged,
        }

    def lines(self) -> list[str]:
        out = []
        for tag, m in (("A", self.run_a), ("B", self.run_b)):
            out.append(f"run {tag} {m['run_id']}: {m['pack']['id']}@{m['pack']['version']}, "
                       f"period {m.get('period') or 'all'}, inputs as of load batch "
                       f"{m['as_of_batch']}, berthcheck {m.get('berthcheck_version')}")
        if self.scope_changes:  # the first cause: the runs do not cover the same visits
            out.append("scope: different; the runs do not cover the same visits")
            out += [f"  {c}" for c in self.scope_changes]
        if self.manifest_changes:
            out.append("manifest: changed")
            out += [f"  {c}" for c in self.manifest_changes]
        if self.pack_changes:
            out.append("pack: changed")
            out += [f"  {c}" for c in self.pack_changes]
        else:
            out.append("pack: unchanged")
        if self.input_tables:
            out.append("inputs: " + ", ".join(
                f"{t} ({v['rows_changed']} row{'s' if v['rows_changed'] != 1 else ''} changed)"
                if v.get("rows_changed") is not None else f"{t} (changed)"
                for t, v in sorted(self.input_tables.items())))
        else:
            out.append("inputs: unchanged")
        n = len(self.visits)
        out.append(f"{n} visit{'s' if n != 1 else ''} changed, {self.unchanged} unchanged")
        for v in self.visits:
            a, b = v.before or {}, v.after or {}
            if not v.before:
                head = f"{v.visit_id}: only in run B ({b.get('verdict')})"
            elif not v.after:
                head = f"{v.visit_id}: only in run A ({a.get('verdict')})"
            else:
                head = f"{v.visit_id}: " + "; ".join(
                    f"{f} {_text(a.get(f)) or '-'} -> {_text(b.get(f)) or '-'}" for f in v.fields)
            out.append(f"  {head}  [cause: {v.cause}]")
            out += [f"      {r.describe()}" for r in v.rows[:MAX_ROWS_SHOWN]]
            if len(v.rows) > MAX_ROWS_SHOWN:
                out.append(f"      ... and {len(v.rows) - MAX_ROWS_SHOWN} more rows")
            if v.note:
                out.append(f"      {v.note}")
        return out


def _stored_results(con, run_id: str) -> dict[str, dict]:
    cols = ", ".join(COMPARED_FIELDS)
    return {
        r[0]: dict(zip(COMPARED_FIELDS, r[1:], strict=True))
        for r in store.run(
            con, f"SELECT visit_id, {cols} FROM run_results WHERE run_id = ?",  # noqa: S608
            [run_id],
        )
    }


def _same(field_name: str, a, b) -> bool:
    if field_name.endswith("_hours") and a is not None and b is not None:
        return round(a, HOURS_DECIMALS) == round(b, HOURS_DECIMALS)
    return a == b


def _row_changes(con, kind: Kind, batch_a: int, batch_b: int) -> list[RowChange]:
    columns = _content_columns(kind)
    attrs = [c for c in _ATTRIBUTION.get(kind.table, ()) if c in columns]
    pick = ", ".join(
        [f"{_key_sql(kind)} AS _key"] + [store.quote_ident(c) for c in columns]
        + ["_row_hash", "_batch_id", "_source_file", "_source_row", "_source_path"]
    )
    rows = store.run(
        con,
        f"""WITH a AS (SELECT {pick} FROM {kind.table}_versions WHERE {as_of_predicate(batch_a)}),
                 b AS (SELECT {pick} FROM {kind.table}_versions WHERE {as_of_predicate(batch_b)})
            SELECT a, b FROM a FULL OUTER JOIN b ON a._key = b._key
            WHERE a._row_hash IS DISTINCT FROM b._row_hash
            ORDER BY coalesce(a._key, b._key)""",  # noqa: S608 - our names
    )
    out = []
    for a, b in rows:
        # the missing side of the outer join comes back as a struct of NULLs
        a = a if a and a["_row_hash"] is not None else None
        b = b if b and b["_row_hash"] is not None else None

        def lineage(side):
            if side is None:
                return None
            out = {"batch_id": side["_batch_id"], "source_file": side["_source_file"],
                   "source_row": side["_source_row"], "row_hash": side["_row_hash"]}
            if side.get("_source_path"):  # an adapter's row: where each value came from
                out["source_path"] = side["_source_path"]
            return out

        change = "added" if a is None else "removed" if b is None else "changed"
        cols = {}
        if a is not None and b is not None:
            for c in columns:
                if _text(a[c]) != _text(b[c]):
                    cols[c] = [_text(a[c]), _text(b[c])]
        out.append(RowChange(
            table=kind.table, key=(a or b)["_key"], change=change, before=lineage(a),
            after=lineage(b), columns=cols,
            attrs=[{c: side[c] for c in attrs} for side in (a, b) if side is not None],
        ))
    return out


def _visit_facts(con, visit_ids: list[str], batches: tuple[int, int]) -> dict[str, dict]:
    """For each visit: its attribution values in either state (port, terminal, ...) and the
    capture systems it used."""
    facts: dict[str, dict] = {v: {"keys": set(), "systems": set()} for v in visit_ids}
    if not visit_ids:
        return facts
    for batch in batches:
        for vid, port, terminal, berth, fleet, vtype in store.run(
            con,
            "SELECT visit_id, port, terminal, berth, fleet, vessel_type FROM visits_versions "  # noqa: S608
            f"WHERE {as_of_predicate(batch)} AND list_contains(?, visit_id)",
            [visit_ids],
        ):
            keys = facts[vid]["keys"]
            keys.add(("berths", (port, terminal, berth)))
            keys.add(("terminals", (port, terminal, vtype)))
            keys.add(("ports_user", (port,)))
            if fleet:
                keys.add(("allowances", ("fleet", fleet)))
            keys.add(("allowances", ("terminal", terminal)))
        for vid, system in store.run(
            con,
            "SELECT visit_id, system_id FROM capture_versions "  # noqa: S608
            f"WHERE {as_of_predicate(batch)} AND list_contains(?, visit_id)",
            [visit_ids],
        ):
            facts[vid]["systems"].add(system)
    for vid, f in facts.items():
        for system in f["systems"]:
            f["keys"].add(("caecs", (system,)))
        f["keys"].add(("visits", (vid,)))
        for t in ("shore_power", "capture", "events"):
            f["keys"].add((t, (vid,)))
    return facts


def _row_keys(change: RowChange) -> set[tuple]:
    """The attribution keys a changed row touches, e.g. ("berths", (port, terminal, berth))."""
    cols = _ATTRIBUTION.get(change.table, ())
    out = set()
    for side in change.attrs:
        if change.table == "capture":  # a session feeds its own visit only
            out.add(("capture", (side.get("visit_id"),)))
        else:
            out.add((change.table, tuple(side.get(c) for c in cols)))
    return out


def diff(con, run_a: str, run_b: str) -> DiffReport:
    """Visits whose verdict, basis or hours differ between two stored runs, each with its
    cause: an input change (the rows that feed the visit, named), a pack change, or both."""
    ma, mb = manifest_for(con, run_a), manifest_for(con, run_b)
    ra, rb = _stored_results(con, run_a), _stored_results(con, run_b)

    pack_changes = []
    if (ma["pack"]["id"], ma["pack"]["version"]) != (mb["pack"]["id"], mb["pack"]["version"]):
        pack_changes.append(f"pack {ma['pack']['id']}@{ma['pack']['version']} -> "
                            f"{mb['pack']['id']}@{mb['pack']['version']}")
    pack_changes += _file_changes(ma["pack"].get("files") or {}, mb["pack"].get("files") or {})
    pack_changes += _changed_parameters(ma.get("parameters") or {}, mb.get("parameters") or {})
    if ma.get("factors") and mb.get("factors"):  # rule data too, though outside the pack
        pack_changes += [f"emission factors: {c}" for c in _file_changes(
            ma["factors"]["files"], mb["factors"]["files"])]
    if not pack_changes and ma["pack"]["hash"] != mb["pack"]["hash"]:
        pack_changes.append(f"pack hash {_short(ma['pack']['hash'])}... -> "
                            f"{_short(mb['pack']['hash'])}...")
    version_changed = ma.get("berthcheck_version") != mb.get("berthcheck_version")
    scope_changes = _scope_changes(ma.get("scope") or {}, mb.get("scope") or {})

    batch_a, batch_b = int(ma["as_of_batch"] or 0), int(mb["as_of_batch"] or 0)
    va, vb = int(ma.get("manifest_version") or 1), int(mb.get("manifest_version") or 1)
    manifest_changes = []
    if va != vb and min(va, vb) >= 2:  # versions 2 and 3 fingerprint the inputs alike
        manifest_changes.append(
            f"manifest version {va} -> {vb}: result and finding hashes and so run ids are "
            "computed differently; the input fingerprints are the same and compared as they are")
    elif va != vb:
        manifest_changes.append(
            f"manifest version {va} -> {vb}: input fingerprints, result and finding hashes and "
            "so run ids are computed differently; the inputs are compared row by row instead")
    if bool(ma.get("notes")) != bool(mb.get("notes")):  # `check --notes`: findings, not verdicts
        manifest_changes.append(
            f"check --notes {'on' if ma.get('notes') else 'off'} -> "
            f"{'on' if mb.get('notes') else 'off'}: the pack's note rules ran as findings in run "
            f"{'A' if ma.get('notes') else 'B'} only (so the run ids and findings differ)")
    input_tables: dict[str, dict] = {}
    changes: list[RowChange] = []
    for table in sorted(set(ma["inputs"]) | set(mb["inputs"])):
        a, b = ma["inputs"].get(table) or {}, mb["inputs"].get(table) or {}
        kind = next((k for k in KINDS.values() if k.table == table), None)
        both = ("sha256", "content_sha256") if va == vb else ("sha256",)
        if all(a.get(f) == b.get(f) for f in both):
            continue
        if kind is None:  # built-in reference data (hashed the same way in every version)
            input_tables[table] = {"rows_before": a.get("rows"), "rows_after": b.get("rows"),
                                   "rows_changed": None}
            continue
        rows = _row_changes(con, kind, batch_a, batch_b)
        if va != vb and not rows and a.get("rows") == b.get("rows"):
            continue  # digests of different versions: the rows themselves are the same
        changes += rows
        input_tables[table] = {"rows_before": a.get("rows"), "rows_after": b.get("rows"),
                               "rows_changed": len(rows)}

    changed_ids = []
    for visit in sorted(set(ra) | set(rb)):
        a, b = ra.get(visit), rb.get(visit)
        if a is None or b is None:
            changed_ids.append((visit, list(COMPARED_FIELDS) if a or b else []))
            continue
        fields = [f for f in COMPARED_FIELDS if not _same(f, a[f], b[f])]
        if fields:
            changed_ids.append((visit, fields))
    facts = _visit_facts(con, [v for v, _ in changed_ids], (batch_a, batch_b))
    touched = [(c, _row_keys(c)) for c in changes]

    visits = []
    for visit, fields in changed_ids:
        own = [c for c, keys in touched if keys & facts[visit]["keys"]]
        elsewhere = bool(input_tables) and (
            len(own) < len(changes)
            or any(t.endswith(store.BUILTIN_SUFFIX) for t in input_tables))
        note = ""
        in_one_only = ra.get(visit) is None or rb.get(visit) is None
        if scope_changes and in_one_only:
            cause = "scope"
            note = "the visit is in the scope of one run only (" + "; ".join(scope_changes) + ")"
        elif own and pack_changes:
            cause = "both"
        elif own:
            cause = "input"
        elif pack_changes and elsewhere:
            cause = "both"
            note = ("no row of this visit changed; other inputs changed too ("
                    + ", ".join(sorted(input_tables)) + ")")
        elif pack_changes:
            cause = "pack"
        elif elsewhere:
            cause = "input"
            note = ("no row of this visit changed; other rows did (" + ", ".join(sorted(input_tables))
                    + "), which can change allowance counts and low-activity status")
        elif version_changed:
            cause = "berthcheck"
            note = (f"berthcheck {ma.get('berthcheck_version')} -> {mb.get('berthcheck_version')}")
        else:
            cause = "unexplained"
            note = "neither the inputs nor the pack differ; run `berthcheck audit verify` on both"
        visits.append(VisitChange(visit, _plain(ra.get(visit)), _plain(rb.get(visit)), fields,
                                  cause, own, note))
    unchanged = len(set(ra) & set(rb)) - sum(1 for v in visits if v.before and v.after)
    return DiffReport(ma, mb, pack_changes, input_tables, visits, unchanged, scope_changes,
                      manifest_changes)


def _scope_changes(a: dict, b: dict) -> list[str]:
    """How two runs' scopes differ, in words ("period 2026-10 -> 2026-11")."""
    out = []
    for key in ("period", "port", "terminal", "fleet"):
        if a.get(key) != b.get(key):
            out.append(f"{key} {a.get(key) or 'all'} -> {b.get(key) or 'all'}")
    if not out and (a.get("start"), a.get("end")) != (b.get("start"), b.get("end")):
        out.append(f"dates {a.get('start')}..{a.get('end')} -> {b.get('start')}..{b.get('end')}")
    return out


def _plain(row: dict | None) -> dict | None:
    if row is None:
        return None
    return {k: (round(v, HOURS_DECIMALS) if isinstance(v, float) else v) for k, v in row.items()}
