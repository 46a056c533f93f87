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
