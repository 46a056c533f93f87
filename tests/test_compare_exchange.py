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


def test_two_ports_months_of_no_visit_are_two_packages_not_the_same_one(runner, tmp_path):
    """Los Angeles and Nagoya each exporting a month of no visit (`--port`, December) wrote the
    same indicators.csv (its header only), and `compare` refused them as "the same package"
    (exit 2): a package is the same one when its CSV *and* its descriptor's run, port and
    period are."""
    def of(port, run_id):
        return lambda d: d["berthcheck"].update(port=port, run_id=run_id, period="2026-12")

    lax = _package(tmp_path / "lax-dec", [], edit=of("USLAX", "1111111111111111"))
    ngo = _package(tmp_path / "ngo-dec", [], edit=of("JPNGO", "2222222222222222"))
    r, out = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.output
    assert f"warning: ngo-dec: {CSV_NAME} holds no rows" in r.stderr
    assert out.is_file()
    # the same package twice is still one package given twice
    r, _ = _compare(runner, tmp_path, lax, lax)
    assert r.exit_code == 2 and "lax-dec and lax-dec are the same package" in r.stderr
