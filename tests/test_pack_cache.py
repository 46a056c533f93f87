"""A pack is parsed once per process and version of its files (engine/pack.py `load_pack`):
loading it again gives the same Pack, and any change to a file gives the changed pack."""

from __future__ import annotations

import shutil

from berthcheck.engine.pack import load_pack
from berthcheck.resources import builtin_rules_dir


def test_a_pack_is_parsed_again_only_when_a_file_changes(tmp_path):
    folder = tmp_path / "cn-shore-power"
    shutil.copytree(builtin_rules_dir() / "cn-shore-power", folder)
    first = load_pack(str(folder))
    assert load_pack(str(folder)) is first
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    old = '[parameters.covered_countries]\nvalue = ["CN"]'
    assert old in text and first.parameters["covered_countries"].value == ["CN"]
    toml.write_text(text.replace(old, '[parameters.covered_countries]\nvalue = ["CN", "HK"]'),
                    encoding="utf-8")
    changed = load_pack(str(folder))
    assert changed is not first and changed.hash != first.hash
    assert changed.parameters["covered_countries"].value == ["CN", "HK"]
    # a stage's text counts too, not only pack.toml
    stage = folder / changed.stages[0][0]
    stage.write_text(stage.read_text(encoding="utf-8") + "\n-- changed\n", encoding="utf-8")
    again = load_pack(str(folder))
    assert again is not changed and again.stages[0][1].endswith("-- changed\n")


def test_the_files_a_pack_toml_names_follow_its_text_not_an_earlier_parse(tmp_path):
    """pack.toml's file list is parsed once per text (engine/pack_hash.py `_named_in`): a
    pack.toml edited to name one more rule file hashes that file from then on, and the same
    text back gives the first list again."""
    from berthcheck.engine.pack_hash import pack_file_digests, pack_hash

    folder = tmp_path / "cn-shore-power"
    shutil.copytree(builtin_rules_dir() / "cn-shore-power", folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    first, files = pack_hash(folder), set(pack_file_digests(folder))
    assert pack_hash(folder) == first
    (folder / "extra.sql").write_text("SELECT 1\n", encoding="utf-8")
    assert pack_hash(folder) == first  # named by nothing yet: not the pack's
    old = 'rules = ["'
    assert text.count(old) == 1
    toml.write_text(text.replace(old, 'rules = ["extra", "'), encoding="utf-8")
    assert set(pack_file_digests(folder)) == files | {"extra.sql"}
    assert pack_hash(folder) != first
    toml.write_text(text, encoding="utf-8")
    assert pack_hash(folder) == first and set(pack_file_digests(folder)) == files


def test_the_tables_a_pack_reads_follow_its_sql_not_an_earlier_read(tmp_path):
    """Which input tables a pack's SQL reads is found once per text (engine/readiness.py
    `_tables_in`): a stage edited to read one more table is seen reading it."""
    from berthcheck.engine.readiness import tables_read

    folder = tmp_path / "cn-shore-power"
    shutil.copytree(builtin_rules_dir() / "cn-shore-power", folder)
    first = tables_read(load_pack(str(folder)))
    assert "coverage" not in first and "visits" in first
    stage = folder / load_pack(str(folder)).stages[0][0]
    # a comment naming the table does not read it (it gave a custom pack a spurious "no
    # coverage table" warning); a statement that reads it does
    stage.write_text(stage.read_text(encoding="utf-8") + "\n-- LEFT JOIN coverage c\n",
                     encoding="utf-8")
    assert tables_read(load_pack(str(folder))) == first
    reads = "CREATE OR REPLACE TEMP TABLE probe AS SELECT * FROM coverage LIMIT 0;\n"
    stage.write_text(stage.read_text(encoding="utf-8") + reads, encoding="utf-8")
    assert tables_read(load_pack(str(folder))) == first | {"coverage"}
