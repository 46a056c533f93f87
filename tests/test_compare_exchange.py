"""`export indicators` and `compare` as the Los Angeles and Nagoya officers exchange their
monthly packages (round 22): what `compare` writes where, which packages are the same, and a
partner's package held to what its own `datapackage.json` declares, as a Frictionless
validator holds it (path, encoding, bytes, the fields against the CSV's header), to the time
zones it states, and to the sums the indicators' definitions make."""

from __future__ import annotations

import pytest

from berthcheck.export.indicators import CSV_NAME, PACKAGE_NAME
from tests.test_compare import _compare, _package, _row


@pytest.fixture
def lax(tmp_path):
    return _package(tmp_path / "lax", [_row("USLAX")])


def test_compare_into_a_missing_folder_is_a_usage_error_unless_mkdir(runner, tmp_path, lax):
    """`compare --out nodir/c.html` made the folder `nodir` (a typo's folder, silently), where
    every other output is exit 2 without `--mkdir`; a refused package made no folder either."""
    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    r, out = _compare(runner, tmp_path, lax, ngo, out="nodir/c.html")
    assert r.exit_code == 2, r.output
    assert "folder" in r.stderr and "--mkdir" in r.stderr
    assert not out.parent.exists()
    from berthcheck.cli import app

    r = runner.invoke(app, ["compare", str(lax), str(ngo), "--out", str(out), "--mkdir"])
    assert r.exit_code == 0, r.output
    assert out.is_file()
