"""A run's manifest read from the store, written to a file and read back from one."""

from __future__ import annotations

import json
from pathlib import Path

from berthcheck import store
from berthcheck.engine.manifest import manifest_text
from berthcheck.errors import BerthcheckError, UsageError


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
