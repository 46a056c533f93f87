"""A stored run's own pack and scope, read back from its record: what `report --run` renders
with and what the run's warnings (`run_warnings`) are read with, whatever the inputs are now.

The pack is found by id (where the run read it, for a pack given by path) and must be the one
the run applied: the same version and the same files.
"""

from __future__ import annotations

import json

from berthcheck import store
from berthcheck.engine.pack import Pack, load_pack
from berthcheck.engine.pack_paths import recorded_folder
from berthcheck.engine.scope import Scope
from berthcheck.errors import BerthcheckError, UsageError


def recorded_scope(text: str) -> Scope:
    """The scope a run recorded (`runs.scope`, JSON)."""
    return Scope.from_dict(json.loads(text))


def run_facts(con, run_id: str) -> tuple[str, str, str, str, str]:
    """(pack_id, pack_version, pack_hash, scope JSON, inputs JSON) of a stored run."""
    rows = store.run(
        con, "SELECT pack_id, pack_version, pack_hash, scope, inputs FROM runs WHERE run_id = ?",
        [run_id],
    )
    if not rows:
        raise UsageError(f"no run {run_id!r}; see `berthcheck runs list`")
    return rows[0]


def recorded_pack(con, run_id: str, pack_id: str, pack_version: str, pack_hash: str) -> Pack:
    """The installed pack the run was made with; a clear error when it is another version or
    its files changed since (a report's methodology would describe rules the run did not
    apply)."""
    record = _pack_record(con, run_id, pack_id)
    pack = load_pack(pack_id, folder=recorded_folder(record))
    if pack.version != pack_version:
        raise BerthcheckError(
            f"run {run_id} was made with {pack_id}@{pack_version}; the installed pack is "
            f"{pack.label}, whose rules are not the ones that run applied"
        )
    if pack_hash and not _same_files(pack, record, pack_hash):  # edited, version kept
        raise BerthcheckError(
            f"run {run_id} was made with {pack.label} as it was then; its files in "
            f"{pack.path} have changed since, so its rules are not the ones that run applied "
            f"(`berthcheck audit verify {run_id}` lists the differences)"
        )
    return pack


def _pack_record(con, run_id: str, pack_id: str) -> dict:
    """The pack the run recorded (its manifest's pack entry; just the id without a manifest):
    `recorded_folder` finds a pack given by path where the run read it."""
    text = store.scalar(con, "SELECT manifest FROM runs WHERE run_id = ?", [run_id])
    if not text:
        return {"id": pack_id}
    from berthcheck.audit.manifests import manifest_for  # checked: a damaged one is named

    return manifest_for(con, run_id)["pack"]


def _same_files(pack, record: dict, pack_hash: str) -> bool:
    """The pack's own files are the ones the run read (engine/pack_hash.py; a run recorded
    when the hash covered every file of the folder is compared on the pack's files)."""
    if pack.hash == pack_hash:
        return True
    if "files" not in record:
        return False
    from berthcheck.audit.pack_record import pack_now

    against = pack_now(pack.path, record)
    return not against.changes and against.run_hash == pack_hash
