"""Which files make up a pack, and its hash (docs/packs.md section 9).

A pack is the files berthcheck reads of it: `pack.toml`, the stage, rule and assemble files it
names, and the fixture files `tests/*.yml` that `berthcheck rules test` runs. Nothing else in
the folder is part of it: a README, a `.git` folder, an editor's backup (`x~`, `.x.swp`,
`#x#`), `.DS_Store`, `__pycache__`. The pack's hash and the manifest's per-file sha256 cover
those files only, so `git gc` or an editor does not change a pack.

Runs recorded before this definition hashed every file of the folder; their manifest's pack
entry has no `hash_covers`. `FOLDER` computes that older hash and file list, for `audit
verify` and `report --run` of such a run (berthcheck/audit/pack_record.py).
"""

from __future__ import annotations

import functools
import hashlib
import tomllib
from pathlib import Path, PurePosixPath

# the manifest's pack.hash_covers for a run hashed over its pack's own files; absent: every
# file of the folder (runs recorded before)
PACK_FILES = "pack-files"
FOLDER = "folder"


def _named(folder: Path) -> list[str]:
    """The files pack.toml names, as written (whatever is wrong with it: loading the pack
    refuses a pack.toml that is not TOML or names a file outside the folder, naming it)."""
    try:
        text = (folder / "pack.toml").read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    return list(_named_in(text) or ())


def names_readable(folder: Path) -> bool:
    """Whether the folder's pack.toml is there and is TOML, so that the files it names are
    known (`_named` gives none for one that is not)."""
    try:
        text = (folder / "pack.toml").read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return False
    return _named_in(text) is not None


@functools.lru_cache(maxsize=64)
def _named_in(text: str) -> tuple[str, ...] | None:
    """The file names a pack.toml's text names; None for a text that is not TOML. Kept by the
    text itself: a check hashed its pack three times (the run id, the manifest's pack files
    twice), parsing the same TOML each time (about 7 ms of a check's CPU each); the file is
    still read every time."""
    try:
        meta = tomllib.loads(text).get("pack")
    except tomllib.TOMLDecodeError:
        return None
    if not isinstance(meta, dict):
        return ()
    out: list[str] = []
    for key, suffix in (("stages", ""), ("rules", ".sql")):
        values = meta.get(key)
        if isinstance(values, list):
            out += [f"{v}{suffix}" for v in values if isinstance(v, str)]
    if isinstance(meta.get("assemble"), str):
        out.append(meta["assemble"])
    return tuple(out)


def _relative(name: str) -> bool:
    """A name pack.toml gives that is a path inside the pack folder, as written."""
    rel = Path(name)
    return bool(name.strip()) and not rel.is_absolute() and ".." not in rel.parts


def _inside(folder: Path, relative: str, resolved: Path | None = None) -> Path | None:
    """`folder / relative` when it is a file inside the folder (`resolved`: the folder
    resolved, when the caller has it already)."""
    if not _relative(relative):
        return None
    path = folder / relative
    if resolved is None or _links_within(folder, path):
        # a link on the way may lead anywhere: resolved whole (every part of the folder's
        # path too: a check hashes its pack's 30-40 files, 2-3 ms a check when done for each)
        try:
            path.resolve().relative_to(resolved or folder.resolve())
        except ValueError:
            return None
    return path if path.is_file() else None


def _links_within(folder: Path, path: Path) -> bool:
    """Whether a part of `path` below `folder` (which it starts with, no `..` in it) is a
    symbolic link. None is: the path resolves to the folder resolved joined with those
    parts, inside the folder."""
    parts = path.relative_to(folder).parts
    at = folder
    for part in parts:
        at = at / part
        if at.is_symlink():
            return True
    return False


def own_by_name(relative: str) -> bool:
    """pack.toml and the fixture files tests/*.yml: the pack's own files whatever its pack.toml
    names (`relative` as a manifest records it)."""
    parts = PurePosixPath(relative).parts
    return parts == ("pack.toml",) or (len(parts) == 2 and parts[0] == "tests"
                                       and parts[1].endswith(".yml"))


def named_files(folder: Path) -> set[str]:
    """The files pack.toml names that are paths inside the folder, as a manifest records
    them, whether or not they exist now."""
    return {Path(n).as_posix() for n in _named(folder) if _relative(n)}


def pack_paths(folder: Path, *, covers: str = PACK_FILES) -> list[Path]:
    """The files of the pack in `folder`, in the order they are hashed: its own files
    (`PACK_FILES`), or every file of the folder (`FOLDER`, the definition before)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    if covers == FOLDER:
        return sorted(p for p in folder.rglob("*") if p.is_file())
    found = {folder / "pack.toml"} if (folder / "pack.toml").is_file() else set()
    resolved = folder.resolve()  # once, not once per named file
    for relative in _named(folder):
        path = _inside(folder, relative, resolved)
        if path is not None:
            found.add(path)
    tests = folder / "tests"
    if tests.is_dir():  # what `rules test` reads (engine/pack_fixtures.py)
        found.update(p for p in tests.glob("*.yml") if p.is_file())
    # the same order as the folder's files were hashed in: built-in packs, which hold nothing
    # else, keep their hash
    return sorted(found)


def pack_hash(folder: Path, *, covers: str = PACK_FILES) -> str:
    """sha256 over the pack's files' relative paths and bytes."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in pack_paths(folder, covers=covers):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def pack_file_digests(folder: Path, *, covers: str = PACK_FILES) -> dict[str, str]:
    """sha256 of each of the pack's files, by relative path (the manifest's pack.files)."""
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in pack_paths(folder, covers=covers)}
