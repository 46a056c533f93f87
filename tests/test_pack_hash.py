"""Which files make up a pack (engine/pack_hash.py, docs/packs.md section 9): the files berthcheck
reads of it (pack.toml, the files it names, tests/*.yml) are hashed, not what a folder gathers
beside them (git's, editors', the OS's files); the shipped packs' hashes are what they were; and
a byte-for-byte copy of a shipped pack is that pack until its files change."""

from __future__ import annotations

from pathlib import Path

import pytest

from berthcheck.engine.pack import load_pack
from berthcheck.resources import builtin_rules_dir
from tests.test_pack_sources import INCENTIVE, _copy, _edit


def test_a_copy_of_a_shipped_pack_is_that_pack_until_its_files_change(tmp_path):
    """Its runs are the shipped pack's runs (the same run id): labelled by the id, not as a
    custom pack of another folder; a file that is not part of the pack changes nothing."""
    folder = _copy(tmp_path, builtin_rules_dir() / "cn-shore-power")
    shipped = load_pack("cn-shore-power")
    copy = load_pack(str(folder))
    assert (copy.custom, copy.hash, copy.display) == (False, shipped.hash, shipped.display)
    (folder / "README.md").write_text("our copy\n", encoding="utf-8")
    assert not load_pack(str(folder)).custom
    _edit(folder, "[pack]", "# under review\n[pack]")
    edited = load_pack(str(folder))
    assert edited.custom and f"custom pack {folder}" in edited.display


# files a pack folder gathers that are not the pack: git's, editors', the OS's, Python's
NOT_THE_PACK = [".git/HEAD", ".git/objects/ab/cdef0123", "BI01.sql~", ".BI01.sql.swp",
                "stages/.10_credit.sql.swp", "#assemble.sql#", ".DS_Store",
                "__pycache__/x.cpython-311.pyc", "README.md", "tests/BI01.yml~", "notes.txt"]


@pytest.mark.parametrize("name", NOT_THE_PACK)
def test_a_file_that_is_not_part_of_the_pack_does_not_change_its_hash(tmp_path, name):
    from berthcheck.engine.manifest import pack_files

    folder = _copy(tmp_path)
    before, files = load_pack(str(folder)).hash, pack_files(folder)
    junk = folder / name
    junk.parent.mkdir(parents=True, exist_ok=True)
    junk.write_bytes(b"a git object, an editor's swap file or backup\n")
    assert load_pack(str(folder)).hash == before
    assert pack_files(folder) == files  # the manifest's file list: the pack's files only
    junk.write_bytes(b"changed by git gc or the editor\n")
    assert load_pack(str(folder)).hash == before


@pytest.mark.parametrize("name", ["BI01.sql", "stages/10_credit.sql", "assemble.sql",
                                  "pack.toml", "tests/BI01.yml"])
def test_a_change_to_a_file_of_the_pack_changes_its_hash(tmp_path, name):
    folder = _copy(tmp_path)
    before = load_pack(str(folder)).hash
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_pack(str(folder)).hash != before


def test_a_new_fixture_file_is_part_of_the_pack(tmp_path):
    folder = _copy(tmp_path)
    before = load_pack(str(folder)).hash
    (folder / "tests" / "BI02.yml").write_text("rule: BI01\ncases: []\n", encoding="utf-8")
    assert load_pack(str(folder)).hash != before


def _old_pack_hash(folder: Path) -> str:
    """The pack hash as berthcheck made it before a pack's own files were told apart: every
    file of the folder (kept here verbatim, so the comparison below is with that code)."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


@pytest.mark.parametrize("pack_id", ["carb-at-berth-2020", "fueleu-art6", "cn-shore-power"])
def test_the_shipped_packs_hash_is_what_it_was(pack_id):
    """Runs already stored record the shipped packs' hashes: a shipped pack folder holds only
    its own files, so its hash (and its manifest file list) is what every file of it gave."""
    from berthcheck.engine.manifest import pack_files
    from berthcheck.engine.pack_hash import FOLDER

    folder = builtin_rules_dir() / pack_id
    assert load_pack(pack_id).hash == _old_pack_hash(folder)
    assert pack_files(folder) == pack_files(folder, covers=FOLDER)


def test_the_incentive_packs_hash_is_what_it_was():
    """A custom pack of only the files it names (and its fixtures) keeps its hash too."""
    assert load_pack(str(INCENTIVE)).hash == _old_pack_hash(INCENTIVE)


def test_a_checkout_never_rewrites_the_line_endings_of_a_pack_or_factor_file():
    """A pack's hash is over its files' bytes: a Windows checkout with core.autocrlf wrote the
    built-in packs with CRLF, so every run id differed from the same pack's elsewhere and
    `compare` refused a partner's package as computed with "different rule files". The
    repository's .gitattributes checks these files out with LF everywhere."""
    import shutil
    import subprocess

    root = Path(__file__).resolve().parent.parent
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git checkout: the files are as the archive holds them")
    listed = subprocess.run(["git", "ls-files", "rules", "tests/rules", "tests/packs"],
                            cwd=root, capture_output=True, text=True, check=True).stdout.split()
    assert any(name.startswith("rules/cn-shore-power/") for name in listed)
    attrs = subprocess.run(["git", "check-attr", "eol", "--", *listed], cwd=root,
                           capture_output=True, text=True, check=True).stdout.splitlines()
    assert [line for line in attrs if not line.endswith(": eol: lf")] == []
