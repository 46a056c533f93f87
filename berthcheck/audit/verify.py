"""`audit verify`: recompute a stored run from its inputs as they stood then, with the pack
found now, and compare every hash with its manifest (see berthcheck/audit/__init__.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from berthcheck import __version__, fingerprints, tamper
from berthcheck.audit.as_of import as_of
from berthcheck.audit.changes import changed_parameters, file_changes
from berthcheck.audit.manifests import manifest_for
from berthcheck.audit.pack_record import pack_now
from berthcheck.audit.values import MAX_ROWS_SHOWN, short_digest, two_digests
from berthcheck.audit.verify_inputs import compare_inputs
from berthcheck.audit.verify_outputs import compare_outputs
from berthcheck.audit.verify_report import Mismatch, VerifyReport
from berthcheck.engine import manifest_v1
from berthcheck.engine.manifest import factor_files, gather_inputs, manifest_text
from berthcheck.engine.manifest_v1 import _batches_read, _input_summary, collect_input_rows
from berthcheck.errors import BerthcheckError, UsageError
from berthcheck.json_diff import difference_lines


def scope_from(manifest: dict):
    from berthcheck.engine.scope import Scope

    return Scope.from_dict(manifest["scope"])


def verify(con, run_id: str, manifest: dict | None = None) -> VerifyReport:
    """Recompute a stored run from its inputs as they stood then, with the pack found now, and
    compare every hash with the manifest (the stored one, or `manifest` read from a file)."""
    from berthcheck.engine.check import check
    from berthcheck.engine.pack import load_pack
    from berthcheck.engine.pack_paths import recorded_folder
    from berthcheck.resources import rules_dir

    if manifest is not None and manifest.get("run_id") != run_id:
        raise UsageError(f"the manifest given is of run {manifest.get('run_id')!r}, not {run_id!r}")
    try:
        stored = manifest_for(con, run_id)
        unreadable = None
    except BerthcheckError as exc:
        if manifest is None:
            raise
        # the database's copy edited, emptied or its run deleted: the kept file is what the
        # auditor keeps it for, the reference for everything that can still be recomputed
        from berthcheck import store

        empty = store.run(con, "SELECT manifest IS NULL FROM runs WHERE run_id = ?", [run_id])
        if not empty:
            unreadable = "the store has no run of that id: its record was deleted"
        elif empty[0][0]:
            unreadable = ("the run's record holds none: emptied, or recorded before berthcheck "
                          "kept run manifests")
        else:
            unreadable = str(exc).removeprefix(f"run {run_id}: ")
        stored = {}
    reference = manifest or stored
    report = VerifyReport(run_id, reference)
    if unreadable is not None:
        report.mismatches.append(Mismatch(
            "manifest", run_id, f"the database's manifest of this run cannot be read "
            f"({unreadable}); compared with the file given"))
    elif manifest is not None:
        differs = [k for k in sorted(set(manifest) | set(stored))
                   if manifest.get(k) != stored.get(k)]
        if manifest_text(manifest) == manifest_text(stored):
            pass
        elif differs == ["pack"] and _marked_again(manifest["pack"], stored["pack"]):
            report.notes.append(
                "the database's manifest of this run marks its pack hash as covering the "
                "pack's own files (hash_covers), the file given does not: the run was stored "
                "again by a later check; the same hash over the same files")
        else:
            report.from_file = set(differs)
            report.mismatches.append(Mismatch(
                "manifest", run_id, "the database's manifest of this run differs from the file "
                "given", [f"{k}: differs at {line}" for k in differs
                          for line in difference_lines(stored.get(k), manifest.get(k),
                                                       "the database", "the file", f"$.{k}")]
                or ["the same values, written differently"]))

    # the pack
    pk = reference["pack"]
    folder = recorded_folder(pk)
    against = pack_now(folder, pk, report.then("pack")) if folder is not None else None
    now_files = against.files if against is not None else {}
    pack = None
    if folder is None or not now_files:
        where = (f"the folder the run read it from ({pk['path']}), " if pk.get("path") else "")
        report.mismatches.append(Mismatch("pack", pk["id"], f"pack {pk['id']} is not found now: "
                                          f"not in {where}the built-in packs ({rules_dir()}) "
                                          "or $BERTHCHECK_PACKS"))
    else:
        if pk.get("path") and Path(pk["path"]) != folder:
            # the run's own folder is gone: what follows compares another pack of that id
            report.notes.append(f"the run read pack {pk['id']} from {pk['path']}, which holds "
                                f"no pack now; compared with {pk['id']} from {folder}")
        assert against is not None  # a folder was found
        changes = list(against.changes)
        try:
            pack = load_pack(pk["id"], folder=folder)
        except BerthcheckError as exc:
            # first: what is wrong with the pack now, before the files that differ
            changes.insert(0, f"the pack cannot be loaded now: {exc}")
        if pack is not None:
            if pack.version != pk["version"]:
                changes.append(f"version {pk['version']} {report.then('pack')}, "
                               f"{pack.version} now")
                report.notes.append(_as_made(pk, pack.version, folder))
            changes += changed_parameters(reference.get("parameters") or {},
                                           _pack_parameters(pack))
            if not changes and against.run_hash is not None:
                # a run that hashed every file of the folder: its own files are the run's, so
                # it is recomputed under the run's hash (which its run id was made from)
                pack = dataclasses.replace(pack, hash=against.run_hash)
            if not changes and pack.hash != pk["hash"]:
                then_hash, now_hash = two_digests(pk["hash"], pack.hash)
                changes.append(f"pack hash {then_hash} {report.then('pack')}, {now_hash} now")
        outside = against.outside_note()
        if outside:
            report.notes.append(outside)
        if changes:
            report.mismatches.append(Mismatch(
                "pack", pk["id"], f"pack {pk['id']}@{pk['version']} differs from "
                f"{report.whose('pack')} "
                f"({len(changes)} difference{'s' if len(changes) != 1 else ''})", changes))
        else:
            report.matched.append(f"pack {pk['id']}@{pk['version']}: {len(now_files)} files match "
                                  f"(hash {short_digest(pk['hash'])}...)")
    then_factors = (reference.get("factors") or {}).get("files")
    if then_factors is not None:
        changes = file_changes(then_factors, factor_files() or {}, report.then("factors"))
        if changes:
            report.mismatches.append(Mismatch(
                "factors", "factors",
                f"the emission factor tables differ from {report.whose('factors')}", changes))
        else:
            report.matched.append(f"emission factor tables: {len(then_factors)} files match")
    if reference.get("berthcheck_version") != __version__:
        report.notes.append(f"the run was made by berthcheck {reference.get('berthcheck_version')}, "
                            f"this is {__version__}; results are compared all the same")

    _store_integrity(con, report)
    # compared with a file given that differs from the database's manifest, the record may
    # hold what the run stored, and the file be what was edited: named as the file given
    record = tamper.record_problems(con, run_id, reference,
                                    "the file given" if report.from_file else "the manifest")
    if record:
        report.mismatches.append(Mismatch(
            "record", run_id, "the run's record (what `runs list` and `runs show` print) "
            f"differs from {'the file given' if report.from_file else 'its manifest'}",
            record))
    # the inputs as they stood then, and the results recomputed over them
    batch = int(reference.get("as_of_batch") or 0)
    recomputed = None
    from berthcheck.export.proof import check_exports, export_records

    exports = export_records(con, run_id)  # read before the as-of catalog hides the table
    with as_of(con, batch):
        if pack is not None:
            try:
                outcome = check(con, pack, scope=scope_from(reference), store_run=False,
                                validate=False, notes=bool(reference.get("notes")))
                recomputed = outcome.manifest
                results, findings = outcome.results, outcome.findings
            except BerthcheckError as exc:
                report.mismatches.append(Mismatch("results", run_id, f"could not recompute: {exc}"))
            except Exception as exc:  # noqa: BLE001 - a DuckDB error from a changed pack or store
                report.mismatches.append(Mismatch(
                    "results", run_id, f"could not recompute: {type(exc).__name__}: "
                    f"{str(exc).splitlines()[0] if str(exc) else ''}"))
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
        if recomputed is not None and exports:  # each export rebuilt from the recomputation
            as_run = all(recomputed[k] == reference.get(k)
                         for k in ("results_sha256", "findings_sha256"))
            for ok, message, details in check_exports(
                    con, exports, pack, scope_from(reference), results, findings,
                    results_as_run=as_run):
                if ok:
                    report.matched.append(message)
                else:
                    report.mismatches.append(Mismatch("export", run_id, message, details))
    compare_inputs(con, report, reference, inputs_now, batches_now, batch)
    digests = tamper.digest_problems(con, batches_now)
    if digests:
        report.mismatches.append(Mismatch(
            "store", "batch_digests", "the stored input digests (batch_digests) are not the "
            "digests of the rows they stand for as of the run: the rows (named above, if any) "
            "or the digests were edited outside berthcheck; a later check takes them as its "
            "inputs' fingerprint", digests))
    if unreadable is not None:
        # how the run's rows are stored (their manifest version) is read from its stored
        # manifest: without it they cannot be read as the run wrote them
        report.notes.append("the run's stored results and findings are not compared with the "
                            "hashes recorded: the database's manifest of the run, which says "
                            "how they are stored, cannot be read")
    else:
        _compare_stored(con, report, run_id, reference,
                        (results, findings) if recomputed is not None else None, stored)
    if recomputed is not None:
        try:
            compare_outputs(con, report, run_id, reference, recomputed, results, findings,
                            stored_readable=unreadable is None)
        except BerthcheckError as exc:  # a damaged stored run: already reported above
            report.notes.append(str(exc))
    return report


def _as_made(record: dict, version_now: str, folder: Path) -> str:
    """How to verify a run of another version of its pack as it was made (README `check`:
    an older run needs that pack version's folder): the folder a custom pack was read from is
    read first while it holds a pack, so that version goes back there; a built-in pack's
    earlier version is given with $BERTHCHECK_RULES_DIR."""
    head = (f"the run was made with {record['id']}@{record['version']}, the pack found now is "
            f"{version_now}: to verify the run as it was made, ")
    if record.get("path") and Path(record["path"]) == folder:
        return (head + f"put version {record['version']} of the pack back in {folder}, the "
                "folder the run read it from")
    return (head + "run `audit verify` again with BERTHCHECK_RULES_DIR set to a folder holding "
            f"{record['id']} {record['version']} (the rules/ folder of the berthcheck release "
            "that shipped it)")


def _marked_again(a: dict, b: dict) -> bool:
    """Two records of a run's pack that differ only in `hash_covers`, present in one: a run
    recorded when a pack's hash covered every file of its folder, stored again since by a
    check of the same pack (a folder of the pack's files alone hashes the same either way,
    so the run id is the same)."""
    from berthcheck.engine.pack_hash import PACK_FILES

    if "hash_covers" in a and "hash_covers" in b:
        return False
    marked = a if "hash_covers" in a else b
    return (marked.get("hash_covers") == PACK_FILES
            and {k: v for k, v in a.items() if k != "hash_covers"}
            == {k: v for k, v in b.items() if k != "hash_covers"})


def _as_version_1(recomputed: dict, pack, reference: dict, inputs: dict, results,
                  findings) -> dict:
    """A recomputation's manifest with the run id and output hashes version 1 defines."""
    results_sha, findings_sha = manifest_v1.output_hashes(results, findings)
    run_id = manifest_v1.run_id(pack, scope_from(reference),
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
    run_id = run_id_for(pack, scope_from(reference),
                        fingerprint_from_inputs(recomputed["inputs"]),
                        notes=bool(reference.get("notes")), version=2)
    return {**recomputed, "manifest_version": 2, "run_id": run_id,
            "results_sha256": results_sha, "findings_sha256": findings_sha}


def _compare_stored(con, report, run_id, reference, recomputed, stored: dict) -> None:
    """The stored results and findings against the hashes the run recorded, and, when they
    differ, against the recomputation: which visit and column, which finding. `stored`: the
    database's manifest of the run (the reference too, unless a file was given)."""
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
                                  f"({short_digest(want)}...)")
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
        got_sha, want_sha = two_digests(got, want)
        if f"{what}_sha256" in report.from_file:
            # the file given is not the database's manifest here: which of the two was
            # changed, the store or the file, the hashes alone do not say
            agrees = (", as the database's manifest records"
                      if stored.get(f"{what}_sha256") == got else "")
            report.mismatches.append(Mismatch(
                "stored", run_id, f"stored {what}: sha256 {got_sha}{agrees}, but the file given "
                f"records {want_sha}", details))
            continue
        report.mismatches.append(Mismatch(
            "stored", run_id,
            f"stored {what}: sha256 {got_sha} but the run recorded {want_sha}: "
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
