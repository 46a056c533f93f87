"""A run's manifest read from the store, written to a file and read back from one."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from berthcheck import store
from berthcheck.engine import runs
from berthcheck.engine.manifest import damaged, manifest_text, parse_stored
from berthcheck.errors import BerthcheckError, UsageError


def write_manifest(manifest: dict, path: Path, *, mkdir: bool = False) -> None:
    from berthcheck import atomic

    atomic.write_bytes(Path(path), manifest_text(manifest).encode("utf-8"), mkdir=mkdir,
                       what="manifest")


def read_manifest_file(path: Path, run_id: str = "RUN") -> dict:
    """A manifest kept as a file (`audit verify --manifest`), refused with what it lacks and
    which file to give instead: the JSON `check --json` or `runs show --json` prints names the
    run too, and is what an auditor may have kept."""
    which = (f"a run's manifest is the file `check --manifest FILE` or `audit manifest {run_id} "
             "--out FILE` writes")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read manifest {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"{path} is not a JSON manifest: {exc}") from None
    if not isinstance(data, dict):
        shape = _JSON_TYPE.get(type(data), type(data).__name__)
        raise UsageError(f"{path} is not a berthcheck run manifest (it is {shape}, not an "
                         f"object); {which}")
    lacks = [f"$.{k}" for k in ("run_id", "inputs") if k not in data]
    if lacks:
        raise UsageError(f"{path} is not a berthcheck run manifest (it has no "
                         f"{' and no '.join(lacks)}); {which}")
    problems = shape_problems(data)
    if problems:
        raise UsageError(f"{path} is not a berthcheck run manifest that can be verified: "
                         + "; ".join(problems) + f"; {which}")
    return data


# what `audit verify` reads of a manifest, and each value's JSON type: a file that was edited
# or cut short is refused naming the JSON path, not met halfway through the recomputation
_TEXT, _INT, _BOOL, _OBJ, _LIST, _NULL = (str,), (int,), (bool,), (dict,), (list,), (type(None),)
_FIELDS: dict[str, tuple[tuple, bool]] = {  # key: (JSON types, required)
    "run_id": (_TEXT, True), "manifest_version": (_INT, False),
    "berthcheck_version": (_TEXT + _NULL, False), "pack": (_OBJ, True),
    "parameters": (_OBJ + _NULL, False), "factors": (_OBJ + _NULL, False),
    "period": (_TEXT + _NULL, False), "scope": (_OBJ, True),
    "as_of_batch": (_INT + _NULL, True), "inputs": (_OBJ, True),
    "load_batches": (_LIST + _NULL, False), "visits": (_INT, False), "findings": (_INT, False),
    "counts": (_OBJ, False), "results_sha256": (_TEXT + _NULL, False),
    "findings_sha256": (_TEXT + _NULL, False), "notes": (_BOOL, False),
}
_PACK = {"id": (_TEXT, True), "version": (_TEXT, True), "hash": (_TEXT, True),
         "files": (_OBJ, True), "path": (_TEXT + _NULL, False), "custom": (_BOOL, False),
         "hash_covers": (_TEXT, False)}
_SCOPE = {k: (_TEXT + _NULL, False) for k in ("period", "start", "end", "port", "terminal",
                                                "fleet")}
_INPUT = {"rows": (_INT, True), "sha256": (_TEXT + _NULL, True),
          "content_sha256": (_TEXT + _NULL, False), "max_batch_id": (_INT + _NULL, False)}
_BATCH = {"batch_id": (_INT, True), "table": (_TEXT, True), "source_rows": (_TEXT, True),
          "source_file": (_TEXT + _NULL, False), "replaced": (_LIST, False)}
_JSON_TYPE = {str: "text", int: "an integer", bool: "true or false", dict: "an object",
              list: "a list", type(None): "null"}


def shape_problems(data: dict) -> list[str]:
    """Each field of a manifest `audit verify` reads that is missing or of the wrong JSON type,
    by its JSON path ("$.pack.id: missing")."""
    out = _fields(data, "$", _FIELDS)
    pack, scope = data.get("pack"), data.get("scope")
    if isinstance(pack, dict):
        out += _fields(pack, "$.pack", _PACK)
    if isinstance(scope, dict):
        out += _fields(scope, "$.scope", _SCOPE)
        for key in ("start", "end"):
            if isinstance(scope.get(key), str):
                try:
                    dt.datetime.fromisoformat(scope[key])
                except ValueError:
                    out.append(f"$.scope.{key}: {scope[key]!r} is not an ISO 8601 time")
    for table, entry in (data.get("inputs") or {}).items():
        if isinstance(entry, dict):
            out += _fields(entry, f"$.inputs.{table}", _INPUT)
        else:
            out.append(f"$.inputs.{table}: must be an object, not {_type_name(entry)}")
    for i, batch in enumerate(data.get("load_batches") or []):
        where = f"$.load_batches[{i}]"
        if not isinstance(batch, dict):
            out.append(f"{where}: must be an object, not {_type_name(batch)}")
            continue
        out += _fields(batch, where, _BATCH)
        for j, gone in enumerate(batch.get("replaced") or []):
            if not isinstance(gone, dict) or not isinstance(gone.get("source_rows"), str):
                out.append(f"{where}.replaced[{j}].source_rows: missing or not text")
    return out


def _fields(obj: dict, where: str, spec: dict[str, tuple[tuple, bool]]) -> list[str]:
    out = []
    for key, (types, required) in spec.items():
        if key not in obj:
            if required:
                out.append(f"{where}.{key}: missing")
            continue
        value = obj[key]
        # JSON true is no integer here, though Python's bool is an int
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(_JSON_TYPE[t] for t in types)
            shown = json.dumps(value, ensure_ascii=False)
            shown = shown if len(shown) <= 40 else shown[:37] + "..."
            out.append(f"{where}.{key}: must be {wanted}, not {shown}")
    return out


def _type_name(value) -> str:
    if isinstance(value, bool):
        return "true or false"
    return next((name for t, name in _JSON_TYPE.items() if isinstance(value, t)),
                type(value).__name__)


def manifest_for(con, run_id: str) -> dict:
    """The stored manifest of a run. Unknown run -> UsageError (exit 2)."""
    rows = store.run(con, "SELECT manifest FROM runs WHERE run_id = ?", [run_id])
    if not rows:
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    if rows[0][0] is None:
        # a run stored with a manifest that is now NULL (its hashes and column table say it had
        # one) is a missing manifest, verified with the kept file; "check again" would be
        # refused (engine/runs.py `manifest_problem`)
        problem = runs.manifest_problem(con, run_id)
        if problem:
            raise damaged(run_id, problem[1], what=problem[0])
        raise BerthcheckError(
            f"run {run_id} was recorded before berthcheck kept run manifests; check again to "
            "record a run that can be verified"
        )
    manifest = parse_stored(run_id, rows[0][0])
    problems = shape_problems(manifest)
    if problems:
        raise damaged(run_id, "; ".join(problems))
    return manifest
