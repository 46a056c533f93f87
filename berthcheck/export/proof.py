"""Exports an auditor can prove.

Each export writes one row in the `exports` table: the run it was made from, its kind, the
parameters that made it (options and file names, never a machine path) and the sha256 of every
file written. `export_id` is a hash of run, kind and parameters, so writing the same export
again replaces its row and the table holds no clock time.

`audit verify RUN` rebuilds the run from its inputs as they stood then and, inside that same
rebuilt store, calls `check_exports`: every export recorded for the run is built again from
the recomputed results with its recorded parameters, and each file's sha256 must equal the one
recorded. A user can also hash a file they were sent (`sha256sum`) and find it in
`berthcheck export list`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

from berthcheck import __version__, store

EXPORT_ID_LENGTH = 16


@dataclass
class ExportRecord:
    export_id: str
    run_id: str
    kind: str
    parameters: dict
    files: dict[str, str]  # file name -> sha256
    # why the stored row cannot be trusted (edited outside berthcheck); "" when it can
    damaged: str = ""


def canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def export_id_for(run_id: str, kind: str, parameters: dict) -> str:
    key = canonical({"run_id": run_id, "kind": kind, "parameters": parameters})
    return hashlib.sha256(key.encode()).hexdigest()[:EXPORT_ID_LENGTH]


def record_export(con, run_id: str, kind: str, parameters: dict,
                  files: dict[str, bytes]) -> ExportRecord:
    record = ExportRecord(export_id_for(run_id, kind, parameters), run_id, kind, parameters,
                          {name: sha256(data) for name, data in sorted(files.items())})
    with store.transaction(con):
        store.run(con, "DELETE FROM exports WHERE export_id = ?", [record.export_id])
        store.run(con, "INSERT INTO exports VALUES (?, ?, ?, ?, ?, ?)",
                  [record.export_id, run_id, kind, canonical(parameters),
                   canonical(record.files), __version__])
    return record


def export_records(con, run_id: str | None = None) -> list[ExportRecord]:
    rows = store.run(
        con,
        "SELECT export_id, run_id, kind, parameters, files FROM exports "
        "WHERE CAST(? AS VARCHAR) IS NULL OR run_id = CAST(? AS VARCHAR) "
        "ORDER BY run_id, kind, export_id",
        [run_id, run_id],
    )
    return [_record(*row) for row in rows]


def _record(export_id: str, run_id: str, kind: str, parameters: str, files: str) -> ExportRecord:
    """A stored export row; one whose JSON was edited into something else, or whose id no
    longer matches its run, kind and parameters, is kept and marked `damaged`."""
    def stored(text: str, name: str) -> tuple[dict, str]:
        try:
            value = json.loads(text)
        except (TypeError, ValueError):
            value = None
        if isinstance(value, dict):
            return value, ""
        return {}, f"its {name} are not a JSON object"

    params, bad_params = stored(parameters, "parameters")
    names, bad_files = stored(files, "files")
    if not bad_files and not all(isinstance(v, str) for v in names.values()):
        names, bad_files = {}, "its files are not file names with their sha256"
    damaged = "; ".join(filter(None, (bad_params, bad_files)))
    if not damaged and export_id != export_id_for(run_id, kind, params):
        damaged = "its id does not match its run, kind and parameters"
    return ExportRecord(export_id, run_id, kind, params, names, damaged)


def _builders() -> dict[str, Callable]:
    from berthcheck.export import carb_visits, fueleu_calls, indicators, wharfinger

    return {m.KIND: m.build for m in (carb_visits, wharfinger, fueleu_calls, indicators)}


def check_exports(con, records: list[ExportRecord], pack, scope, results, findings, *,
                  results_as_run: bool = True) -> list[tuple[bool, str, list[str]]]:
    """(ok, message, details) per recorded export, rebuilt from `results` over the store the
    connection sees (in `audit verify`: the store as it stood at the run). `results_as_run`:
    the results and findings recompute as the run recorded them, so a file that rebuilds
    otherwise differs by how it is written, not by what the run found."""
    from berthcheck.export.source import ExportRun

    builders = _builders()
    out: list[tuple[bool, str, list[str]]] = []
    for rec in records:
        if rec.damaged:
            out.append((False, f"export {rec.export_id} ({rec.kind}): its record is damaged "
                        f"({rec.damaged}): it was edited outside berthcheck", []))
            continue
        run = ExportRun(pack, scope, rec.run_id, results, findings)
        build = builders.get(rec.kind)
        if build is None:
            out.append((False, f"export {rec.export_id} ({rec.kind}): this berthcheck cannot "
                        "build that kind of export", []))
            continue
        try:
            built = build(con, run, rec.parameters)
        except Exception as exc:  # noqa: BLE001 - reported as a mismatch, not a crash
            out.append((False, f"export {rec.export_id} ({rec.kind}) could not be rebuilt: "
                        f"{type(exc).__name__}: {exc}", []))
            continue
        now = {name: sha256(data) for name, data in built.files.items()}
        details = []
        for name in sorted(set(now) | set(rec.files)):
            a, b = rec.files.get(name), now.get(name)
            if a != b:
                details.append(f"{name}: sha256 {(a or 'absent')[:16]}... recorded, "
                               f"{(b or 'absent')[:16]}... rebuilt")
        label = f"export {rec.export_id} ({rec.kind}, {', '.join(sorted(rec.files))})"
        if details:
            details += [_why_rebuilt_otherwise(results_as_run)]
            details += [f"the rebuild: {note}" for note in built.notes]
            out.append((False, f"{label} differs from the files recorded", details))
        else:
            out.append((True, f"{label}: {len(rec.files)} file(s) rebuilt byte-identical", []))
    return out


def _why_rebuilt_otherwise(results_as_run: bool) -> str:
    """Where the difference of an export that rebuilds otherwise lies, in words an auditor can
    act on: an export recorded before its kind changed (README "Changes") and a tampered file
    or record look alike by their hashes alone."""
    if results_as_run:
        return ("the run's results and findings are recomputed the same: the difference is not "
                "in the run's results, so either this berthcheck writes this export otherwise "
                "than the one that wrote it (README \"Changes\") or the record's sha256 was "
                "edited; check the file you hold with `sha256sum` against `berthcheck export "
                "list`")
    return ("rebuilt from the recomputed results, which differ from the run's (the results and "
            "findings lines say how); this berthcheck may also write this export otherwise than "
            "the one that wrote it (README \"Changes\")")
