"""`audit verify` and `audit diff` across the pack hash's scope (engine/pack_hash.py, docs/packs.md
section 9): a pack kept in git or edited with an editor verifies; a run recorded before the hash
covered only the pack's own files (no `hash_covers`) still verifies and diffs, and a change to
the pack's own files, a removed fixture file included, is still a change of the pack."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from berthcheck.resources import rules_dir
from tests.conftest import copy_store
from tests.test_audit import _check, _cli


@pytest.fixture()
def db(sample_month, tmp_path) -> Path:
    """A private copy of the sample month's store (copied from the never-opened session file;
    no module-level copy in between)."""
    return copy_store(sample_month, tmp_path / "bc.duckdb")


def _custom_carb(tmp_path) -> Path:
    """A reviewer's copy of the CARB pack (a comment added: a pack of its own), kept in git."""
    folder = tmp_path / "review" / "carb-at-berth-2020"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", folder)
    toml = folder / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# under review\n", encoding="utf-8")
    (folder / ".git" / "objects").mkdir(parents=True)
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (folder / "tests").mkdir()  # what `rules test` runs: part of the pack
    (folder / "tests" / "cases.yml").write_text("# the reviewer's cases\n", encoding="utf-8")
    return folder


def _git_gc_and_an_editor(folder: Path) -> None:
    """What `git gc` and vim/emacs do to a pack folder: nothing of the pack changes."""
    (folder / ".git" / "objects" / "pack-1.pack").write_bytes(b"packed objects")
    (folder / ".git" / "HEAD").write_text("ref: refs/heads/review\n", encoding="utf-8")
    (folder / "pack.toml~").write_text("a backup\n", encoding="utf-8")
    (folder / "stages" / ".10_visits.sql.swp").write_bytes(b"\x00vim swap")


def test_verify_of_a_pack_kept_in_git_ignores_git_and_editor_files(db, tmp_path):
    folder = _custom_carb(tmp_path)
    run_id = _check(db, "--pack", folder)
    manifest = json.loads(_cli("audit", "manifest", run_id, "--db", db).output)["pack"]
    assert manifest["hash_covers"] == "pack-files"
    assert not [f for f in manifest["files"] if f.startswith(".git")]
    _git_gc_and_an_editor(folder)
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 0, result.output
    stage = folder / "stages" / "10_visits.sql"  # a change of the pack is still one
    stage.write_text(stage.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1
    assert "file stages/10_visits.sql changed" in result.output


@pytest.fixture(scope="module")
def old_custom_run_made(sample_month, tmp_path_factory) -> tuple[Path, str, Path, Path]:
    """A run of a pack kept in git, recorded as berthcheck did before a pack's hash covered
    only its own files: hash and manifest file list over every file of the folder, no
    `hash_covers` in the manifest. Checked once for the module (the store file is never
    opened again) with the pack folder's files kept beside it: the tests below each change
    the folder, and each starts from a copy of both (`old_custom_run`), where each checked
    the month anew before (issue 16)."""
    tmp = tmp_path_factory.mktemp("old-custom-run")
    db = copy_store(sample_month, tmp / "made.duckdb")
    folder = _custom_carb(tmp)
    with pytest.MonkeyPatch.context() as monkeypatch:
        run_id = _old_style_check(db, folder, monkeypatch)
    manifest = json.loads(_cli("audit", "manifest", run_id, "--db", db).output)["pack"]
    assert ".git/HEAD" in manifest["files"] and "hash_covers" not in manifest
    kept = tmp / "kept" / folder.name
    shutil.copytree(folder, kept)
    return db, run_id, folder, kept


@pytest.fixture()
def old_custom_run(old_custom_run_made, tmp_path) -> tuple[Path, str, Path]:
    """`old_custom_run_made`'s run in a private copy of its store, its pack folder as it was
    when checked: the run records the folder's path, so the folder is put back in its place
    (the tests of this module run one after another, in one worker)."""
    made, run_id, folder, kept = old_custom_run_made
    shutil.rmtree(folder)
    shutil.copytree(kept, folder)
    (folder.parent.parent / "report.html").unlink(missing_ok=True)
    return copy_store(made, tmp_path / "bc.duckdb"), run_id, folder


def _old_style_check(db, folder: Path, monkeypatch) -> str:
    """`check` of the pack in `folder` as berthcheck recorded it before a pack's hash covered
    its own files only."""
    from berthcheck.engine import manifest as run_manifest
    from berthcheck.engine import pack as pack_module
    from berthcheck.engine.pack_hash import FOLDER, pack_hash

    with monkeypatch.context() as m:
        m.setattr(pack_module, "pack_hash", lambda f: pack_hash(f, covers=FOLDER))
        old_record = run_manifest._pack_record

        def record(pack):
            out = old_record(pack)
            del out["hash_covers"]
            return {**out, "files": run_manifest.pack_files(pack.path, covers=FOLDER)}

        m.setattr(run_manifest, "_pack_record", record)
        return _check(db, "--pack", folder)


def test_an_old_run_of_a_pack_kept_in_git_still_verifies(old_custom_run):
    db, run_id, folder = old_custom_run
    result = _cli("audit", "verify", run_id, "--db", db)  # nothing changed: as before
    assert result.exit_code == 0, result.output
    _git_gc_and_an_editor(folder)
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 0, result.output
    assert "not part of the pack differ from the run's" in result.output
    assert "file .git/HEAD changed" in result.output
    assert "file pack.toml~ added" in result.output
    html = folder.parent.parent / "report.html"  # its report is made from the stored run
    report = _cli("report", "--run", run_id, "--db", db, "--out", html)
    assert report.exit_code == 0, report.output
    rule = folder / "AB05.sql"  # a change of the pack's own files still is one
    rule.write_text(rule.read_text(encoding="utf-8") + "\n-- edited\n", encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db)
    assert result.exit_code == 1
    assert "file AB05.sql changed" in result.output
    report = _cli("report", "--run", run_id, "--db", db, "--out", html)
    assert report.exit_code != 0 and "have changed since" in report.output


def test_diff_of_an_old_and_a_new_run_of_the_same_pack_finds_no_pack_change(old_custom_run):
    db, old_run, folder = old_custom_run
    _git_gc_and_an_editor(folder)
    new_run = _check(db, "--pack", folder)
    assert new_run != old_run  # the hash covers other files: another run id
    result = _cli("audit", "diff", old_run, new_run, "--db", db, "--json")
    data = json.loads(result.stdout)
    assert data["pack_changes"] == [], data["pack_changes"]
    assert any("not part of the pack now" in c for c in data["manifest_changes"])


def test_a_fixture_file_removed_since_an_old_run_is_a_change_of_the_pack(old_custom_run):
    """tests/*.yml are the pack's own files (docs/packs.md section 9): one removed since a run
    recorded over the whole folder changes the pack, as it does for a run recorded since, and
    is not set aside with the folder's other files."""
    db, old_run, folder = old_custom_run
    (folder / "tests" / "cases.yml").unlink()
    result = _cli("audit", "verify", old_run, "--db", db)
    assert result.exit_code == 1, result.output
    assert "file tests/cases.yml removed" in result.output
    assert "not part of the pack differ" not in result.output
    new_run = _check(db, "--pack", folder)
    data = json.loads(_cli("audit", "diff", old_run, new_run, "--db", db, "--json").stdout)
    assert any("file tests/cases.yml removed" in c for c in data["pack_changes"]), data
    assert data["inputs_changed"] == {}


def test_an_old_run_checked_again_still_matches_its_kept_manifest(db, tmp_path, monkeypatch):
    """A pack folder holding only the pack's files hashes the same under both definitions, so
    checking it again stores the same run id, now marked `hash_covers`: the manifest file kept
    from the first check is still this run's, not a sign the database was edited."""
    folder = tmp_path / "review" / "carb-at-berth-2020"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", folder)
    toml = folder / "pack.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# under review\n", encoding="utf-8")
    run_id = _old_style_check(db, folder, monkeypatch)
    kept = tmp_path / "kept.json"
    assert _cli("audit", "manifest", run_id, "--db", db, "--out", kept).exit_code == 0
    assert "hash_covers" not in json.loads(kept.read_text(encoding="utf-8"))["pack"]
    assert _check(db, "--pack", folder) == run_id  # stored again, with the marker
    result = _cli("audit", "verify", run_id, "--db", db, "--manifest", kept)
    assert result.exit_code == 0, result.output
    assert "hash_covers" in result.output  # said, as a note
    edited = json.loads(kept.read_text(encoding="utf-8"))  # a real difference still is one
    edited["pack"]["hash"] = "0" * 64
    kept.write_text(json.dumps(edited), encoding="utf-8")
    result = _cli("audit", "verify", run_id, "--db", db, "--manifest", kept)
    assert result.exit_code == 1 and "pack: differs" in result.output, result.output


def test_the_pack_files_follow_links_only_within_the_folder(tmp_path):
    """A named file is the pack's when it resolves inside the folder (engine/pack_hash.py
    `_inside`): a link on its way out of the folder leaves it out, a link within the folder
    or a folder reached through a link keeps it; only the parts below the folder are looked
    at for links, and a path with one is resolved whole."""
    from berthcheck.engine.pack_hash import pack_hash, pack_paths

    real = tmp_path / "real" / "carb-at-berth-2020"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", real)
    through = tmp_path / "through"
    through.symlink_to(real.parent, target_is_directory=True)
    folder = through / "carb-at-berth-2020"  # the pack folder reached through a link
    names = [p.relative_to(folder).as_posix() for p in pack_paths(folder)]
    assert names == [p.relative_to(real).as_posix() for p in pack_paths(real)]
    assert "stages/10_visits.sql" in names and "AB01.sql" in names
    assert pack_hash(folder) == pack_hash(real)

    moved = real / "kept" / "10_visits.sql"  # a link to a file inside the folder: kept
    moved.parent.mkdir()
    (real / "stages" / "10_visits.sql").rename(moved)
    (real / "stages" / "10_visits.sql").symlink_to(moved)
    assert "stages/10_visits.sql" in [p.relative_to(folder).as_posix()
                                      for p in pack_paths(folder)]

    outside = tmp_path / "AB01.sql"  # a link out of the folder: not the pack's
    (real / "AB01.sql").rename(outside)
    (real / "AB01.sql").symlink_to(outside)
    stages = tmp_path / "stages"  # a linked folder outside: none of its files
    (real / "stages").rename(stages)
    (real / "stages").symlink_to(stages, target_is_directory=True)
    names = [p.relative_to(folder).as_posix() for p in pack_paths(folder)]
    assert "AB01.sql" not in names
    # of the linked folder's files only the link leading back into the folder is kept
    assert [n for n in names if n.startswith("stages/")] == ["stages/10_visits.sql"]
    assert "pack.toml" in names and "AB02.sql" in names
