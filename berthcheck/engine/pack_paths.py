"""Where packs come from: the built-in ones, folders of packs in `$BERTHCHECK_PACKS`, or a
pack folder named by path (`--pack ./my-pack`); and the rule that a pack's files stay inside
its folder.

`$BERTHCHECK_PACKS` (folders separated by os.pathsep) ADDS packs to the built-in ones. A pack
there with the id of another pack (built-in or in another folder) is an error naming both
folders whenever that id is asked for: an id names one pack. `$BERTHCHECK_RULES_DIR`, the old
variable, still REPLACES the built-in folder (a copy of the packs under review).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from berthcheck.errors import UsageError
from berthcheck.resources import rules_dir

PACK_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
BUILT_IN = "built-in"
FROM_PACKS = "$BERTHCHECK_PACKS"
FROM_RULES_DIR = "$BERTHCHECK_RULES_DIR"
FROM_PATH = "path"


@dataclass(frozen=True)
class PackSource:
    id: str
    folder: Path
    origin: str  # BUILT_IN, FROM_PACKS, FROM_RULES_DIR or FROM_PATH


def is_path(ref: str) -> bool:
    """A `--pack` value naming a folder rather than an id."""
    seps = {os.sep, "/", *([os.altsep] if os.altsep else [])}
    return any(s in ref for s in seps) or ref.startswith((".", "~"))


def roots() -> list[tuple[Path, str]]:
    """The folders of packs, in the order they are searched."""
    # rules_dir(): the built-in folder, or the one $BERTHCHECK_RULES_DIR puts in its place
    out = [(rules_dir(), FROM_RULES_DIR if os.environ.get("BERTHCHECK_RULES_DIR") else BUILT_IN)]
    for part in os.environ.get("BERTHCHECK_PACKS", "").split(os.pathsep):
        if not part.strip():
            continue
        folder = Path(part.strip()).expanduser()
        if not folder.is_dir():
            raise UsageError(f"$BERTHCHECK_PACKS names {folder}, which is not a folder")
        out.append((folder, FROM_PACKS))
    return out


def discover() -> list[PackSource]:
    """Every pack of every root (a sub-folder holding pack.toml), duplicates included."""
    out = []
    for root, origin in roots():
        if not root.is_dir():
            continue
        for folder in sorted(root.iterdir()):
            if (folder / "pack.toml").is_file() and PACK_ID.fullmatch(folder.name):
                out.append(PackSource(folder.name, folder, origin))
    return out


def _one(pack_id: str, found: list[PackSource], named_by: str = "--pack") -> PackSource:
    same = [s for s in found if s.id == pack_id]
    if len(same) > 1:
        places = " and ".join(f"{s.folder} ({s.origin})" for s in same)
        raise UsageError(f"pack id {pack_id!r} names two packs: {places}; rename one (the "
                         f"`id` in its pack.toml and its folder) or give {named_by} the folder path")
    return same[0]


def available() -> list[PackSource]:
    """One source per pack id, sorted; a duplicated id is an error naming both folders."""
    found = discover()
    return [_one(i, found) for i in sorted({s.id for s in found})]


def resolve(ref: str, named_by: str = "--pack") -> PackSource:
    """A `--pack` value (an id or a folder path) -> where the pack is. `named_by`: how the
    command took it, for the messages (`rules test` takes the pack as its argument PACK)."""
    ref = ref.strip()
    if is_path(ref):
        folder = Path(ref).expanduser()
        if not (folder / "pack.toml").is_file():
            raise UsageError(f"{named_by} {ref}: no pack.toml in folder {folder}")
        return PackSource(folder.resolve().name, folder, FROM_PATH)
    if not PACK_ID.fullmatch(ref):
        raise UsageError(f"pack id {ref!r} is not valid: an id is lower-case letters, digits "
                         "and '-' (give a folder path with a '/' in it, e.g. ./my-pack)")
    found = discover()
    if not any(s.id == ref for s in found):
        known = ", ".join(sorted({s.id for s in found})) or "none"
        if (Path(ref) / "pack.toml").is_file():  # a folder here, named without a '/'
            raise UsageError(f"unknown pack {ref!r}; ./{ref} is a pack folder: give it as a "
                             f"path, {named_by} ./{ref} (an id is looked up among the packs: "
                             f"{known})")
        raise UsageError(f"unknown pack {ref!r}; available: {known} (or give a folder path; "
                         "$BERTHCHECK_PACKS adds folders of packs)")
    return _one(ref, found, named_by)


def origin_of(folder: Path) -> str:
    """How a pack folder was found (for `rules list`): the first root that holds it."""
    resolved = Path(folder).resolve()
    for root, origin in roots():
        if root.is_dir() and resolved.parent == root.resolve():
            return origin
    return FROM_PATH


def inside(folder: Path, relative: object, named_in: str) -> Path:
    """A file named in pack.toml, which must lie inside the pack folder (no absolute path, no
    '..', no symlink out of it). `named_in` says where it was named, for the message."""
    from berthcheck.engine.pack_spec import PackFileError

    if not isinstance(relative, str) or not relative.strip():
        raise PackFileError(f"{named_in}: a file name must be a non-empty text, not {relative!r}")
    rel = Path(relative)
    if rel.is_absolute() or ".." in rel.parts or relative.startswith(("/", "\\", "~")):
        raise PackFileError(f"{named_in}: file {relative!r} must be a path inside the pack "
                            f"folder {folder} (no absolute path, no '..')")
    path = folder / rel
    try:
        path.resolve().relative_to(folder.resolve())
    except ValueError:
        raise PackFileError(f"{named_in}: file {relative!r} leads outside the pack folder "
                            f"{folder} (a symbolic link?)") from None
    if not path.is_file():
        raise PackFileError(f"{named_in}: file {relative!r} is missing from {folder}")
    return path


def recorded_folder(record: dict) -> Path | None:
    """Where the pack a run recorded (its manifest's `pack` entry) is now: the folder it was
    read from for a custom pack (`path`), if it still holds a pack.toml, else the id looked up
    as `--pack` would (built-in packs, then $BERTHCHECK_PACKS). None: found nowhere."""
    path = record.get("path")
    if path and (Path(path) / "pack.toml").is_file():
        return Path(path)
    try:
        return resolve(str(record.get("id", ""))).folder
    except UsageError:
        return None
