"""A run's recorded pack (its manifest's `pack` entry) against the pack folder now, or against
another run's: which of the pack's files differ (engine/pack_hash.py says which files make up
a pack).

A run recorded before berthcheck hashed a pack's own files only has no `hash_covers` in its
pack entry: its hash and file list covered every file of the folder (a `.git` folder, an
editor's backup). Such a run is compared on the files that are the pack's now; the others
that differ are named apart, as not part of the pack, and do not make the pack differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from berthcheck.audit.changes import file_changes
from berthcheck.engine.manifest import pack_files
from berthcheck.engine.pack_hash import (
    FOLDER,
    PACK_FILES,
    named_files,
    names_readable,
    own_by_name,
)

MAX_OUTSIDE_SHOWN = 5


def covers(record: dict) -> str:
    """What a recorded pack's hash and files cover: PACK_FILES, or FOLDER (runs before)."""
    return PACK_FILES if record.get("hash_covers") == PACK_FILES else FOLDER


@dataclass
class PackNow:
    files: dict[str, str]  # the pack's own files now, sha256 by relative path
    changes: list[str]  # differences in the pack's files: the pack is not the run's
    outside: list[str] = field(default_factory=list)  # other files the run's hash covered
    # the run's recorded hash, where the run hashed every file of the folder and the pack's
    # own files are byte for byte the run's: the hash the recomputation is to carry
    run_hash: str | None = None

    def outside_note(self) -> str | None:
        if not self.outside:
            return None
        shown = self.outside[:MAX_OUTSIDE_SHOWN]
        more = len(self.outside) - len(shown)
        return ("files in the pack folder that are not part of the pack differ from the run's "
                "(the run was recorded when a pack's hash covered every file of its folder; "
                "the pack's own files are compared, and these do not change its results): "
                + "; ".join(shown) + (f"; and {more} more" if more else ""))


def _split(files: dict[str, str], own) -> tuple[dict[str, str], dict[str, str]]:
    return ({k: v for k, v in files.items() if k in own},
            {k: v for k, v in files.items() if k not in own})


def pack_now(folder: Path, record: dict, when: str = "at the run") -> PackNow:
    """The pack in `folder` now against a run's recorded pack entry (`when`: how a value of
    the entry is named; verify: "in the file given" for a kept file's entry that is not the
    database's)."""
    then = record.get("files") or {}
    now = pack_files(folder)
    if covers(record) == PACK_FILES:
        if then and not names_readable(folder):
            # a pack.toml that is not TOML (or is gone) names no file: the run's files still
            # in the folder are compared by their bytes, not each said removed (an edit that
            # broke pack.toml listed every rule file as removed, the reason last, unseen)
            present = pack_files(folder, covers=FOLDER)
            now = {**{rel: d for rel, d in present.items() if rel in then}, **now}
        return PackNow(now, file_changes(then, now, when))
    # the pack's own files: those it has now, and those of the run's that are the pack's by
    # definition though missing now (a fixture file removed is a change of the pack)
    named = named_files(folder)
    own = set(now) | {rel for rel in then if own_by_name(rel) or rel in named}
    then_own, then_other = _split(then, own)
    _, now_other = _split(pack_files(folder, covers=FOLDER), own)
    changes = file_changes(then_own, now, when)
    return PackNow(now, changes, file_changes(then_other, now_other, when),
                   None if changes else record.get("hash"))


RUNS = ("in run A", "in run B")  # how `audit diff` says which run a file's sha256 is of


def recorded_changes(a: dict, b: dict) -> tuple[list[str], list[str]]:
    """Two runs' recorded pack entries: the differences in the pack's files, and notes on
    files one run's hash covered that were not part of the pack (a run recorded before a
    pack's hash covered its own files only, beside one after)."""
    fa, fb = a.get("files") or {}, b.get("files") or {}
    if covers(a) == covers(b):
        return file_changes(fa, fb, *RUNS), []
    old, new = (fa, fb) if covers(a) == FOLDER else (fb, fa)
    # files only the older run recorded: not part of the pack then either, unless its
    # pack.toml changed since (a file it no longer names), which is a change of its own; a
    # fixture file (tests/*.yml) or pack.toml is the pack's by definition, and compared
    extra = sorted(rel for rel in set(old) - set(new) if not own_by_name(rel))
    which = "A" if covers(a) == FOLDER else "B"
    changes = file_changes({k: v for k, v in fa.items() if k not in extra},
                           {k: v for k, v in fb.items() if k not in extra}, *RUNS)
    notes = [f"run {which} was recorded when a pack's hash covered every file of its folder: "
             f"{len(extra)} file{'s' if len(extra) != 1 else ''} it recorded "
             f"({', '.join(extra[:MAX_OUTSIDE_SHOWN])}{', ...' if len(extra) > MAX_OUTSIDE_SHOWN else ''}) "
             "are not part of the pack now and are not compared"] if extra else []
    return changes, notes
