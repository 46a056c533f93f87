"""`compare` as two partner ports use it (Los Angeles under CARB, Nagoya exporting with the
same pack, where no visit is regulated): what the page shows must read the same to both, and
a partner's package that is not what `export indicators` writes is refused naming the JSON
path or row, column and value."""

from __future__ import annotations

import pytest

from berthcheck.export.compare import build_model, draw, read_package
from berthcheck.export.files import Table, csv_bytes
from berthcheck.export.indicators import COLUMNS, CSV_NAME, PACKAGE_NAME, RESOURCE
from tests.test_compare import _compare, _package, _row, _write


@pytest.fixture
def lax(tmp_path):
    return _package(tmp_path / "lax", [_row("USLAX")])


def _not_applicable(port: str, **over) -> dict:
    """A port-month no visit of which the pack regulates (Nagoya under the CARB pack)."""
    return _row(port, compliant_visits=0, non_compliant_visits=0, not_applicable_visits=10,
                regulated_visits=0, compliance_rate=None, uncontrolled_hours=0.0, **over)


def test_a_port_without_regulated_visits_is_not_charted_as_zero_compliance(tmp_path):
    """The compliance chart drew Nagoya (no regulated visit: no rate, `–` in the table) as an
    empty bar, the same as a port whose every regulated visit failed (0 %, whose bar had no
    value either): a reader saw two ports at 0 %."""
    failed = _package(tmp_path / "lax", [_row("USLAX", compliant_visits=0,
                                              non_compliant_visits=10, compliance_rate=0.0)])
    ngo = _package(tmp_path / "ngo", [_not_applicable("JPNGO")])
    model = build_model([read_package(failed), read_package(ngo)])
    assert [(ln["port"], ln["rate"]) for ln in model["lines"]] == [("USLAX", 0.0),
                                                                   ("JPNGO", None)]
    svg = str(draw(model)["rate"])
    assert ">0.0</text>" in svg  # the port whose regulated visits all failed
    assert ">–</text>" in svg and "–: no regulated visits, so no compliance rate" in svg


@pytest.mark.parametrize(("edit", "named"), [
    # pack and version are the packages' definitions: a number 1.2 read as '1.2' was
    # refused as "computed with different definitions", an array compared as its repr
    (lambda d: d["berthcheck"].update(pack=["carb-at-berth-2020"]),
     "$.berthcheck.pack must be text, not an array"),
    (lambda d: d["berthcheck"].update(pack_version=1.2),
     "$.berthcheck.pack_version must be text, not 1.2"),
    # the run id was shown on the page as Python's repr of the object
    (lambda d: d["berthcheck"].update(run_id={"a": 1}),
     "$.berthcheck.run_id must be text, not an object"),
    # a field that is no object was skipped, so its type was never checked
    (lambda d: d["resources"][0]["schema"]["fields"].__setitem__(3, "visits"),
     "$.resources[indicators].schema.fields[3] must be an object (a field's name, type, ...), "
     "not \"visits\""),
], ids=["pack", "pack_version", "run_id", "field"])
def test_a_descriptor_value_of_the_wrong_json_type_is_refused_naming_its_path(
        runner, tmp_path, lax, edit, named):
    bad = _package(tmp_path / "ngo", [_row("JPNGO")], edit=edit)
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1, r.output
    assert f"ngo: {PACKAGE_NAME}: {named}" in r.stderr, r.stderr
    assert "Traceback" not in r.output and "unexpected" not in r.stderr
    assert not out.exists()


def test_a_descriptor_nested_too_deeply_is_refused_not_a_crash(runner, tmp_path, lax):
    """Python's JSON parser recurses: arrays 100 000 deep ended in "unexpected RecursionError
    (this is a bug in berthcheck)"."""
    bad = _package(tmp_path / "ngo", [_row("JPNGO")])
    (bad / PACKAGE_NAME).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1, r.output
    assert f"ngo: {PACKAGE_NAME} is not a package descriptor: its JSON is nested too deeply" \
        in r.stderr
    assert "unexpected" not in r.stderr and not out.exists()


def test_a_column_given_twice_is_refused(runner, tmp_path, lax):
    """Two `visits` columns: the second's cells were read and the first's dropped unseen."""
    data = csv_bytes(Table(RESOURCE, COLUMNS, [_row("JPNGO")]))
    header, rest = data.split(b"\n", 1)
    bad = _write(tmp_path / "ngo", header.replace(b",run_id", b",visits") + b"\n" + rest)
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1, r.output
    assert f"ngo: {CSV_NAME}, row 1 (header): column visits given twice" in r.stderr
    assert not out.exists()
