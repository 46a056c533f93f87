"""`compare`: a partner port's indicator package is untrusted input. A package whose CSV matches
its recorded hash but whose cells or declared schema are not what `export indicators` writes is
refused with one message naming the package, row, column and value (exit 1), never a traceback
or a chart drawn from a wrong number; the same package given twice is a usage error."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from berthcheck.cli import app
from berthcheck.engine.pack import load_pack
from berthcheck.export.compare import build_model, read_package
from berthcheck.export.files import Table, csv_bytes
from berthcheck.export.indicators import (
    COLUMNS,
    CSV_NAME,
    PACKAGE_NAME,
    RESOURCE,
    package_descriptor,
)

# the built-in pack's own version: a partner's real export (tests/test_compare_partner.py) is
# compared with these packages, and packages of two versions are refused
RUN = SimpleNamespace(pack=SimpleNamespace(id="carb-at-berth-2020",
                                           version=load_pack("carb-at-berth-2020").version,
                                           hash="ab" * 32),
                      run_id="0123456789abcdef", scope=SimpleNamespace(period="2026-10"))


ZONES = {"USLAX": "America/Los_Angeles", "JPNGO": "Asia/Tokyo"}


def _row(port: str, vessel_type: str = "container", **over) -> dict:
    row: dict = {c.name: 0.0 if c.type == "number" else 0 for c in COLUMNS}
    row.update(port=port, month="2026-10", vessel_type=vessel_type, visits=10,
               compliant_visits=8, non_compliant_visits=2, regulated_visits=10,
               compliance_rate=80.0, uncontrolled_hours=12.5, pack=RUN.pack.id,
               pack_version=RUN.pack.version, run_id=RUN.run_id)
    row.update(over)
    return row


def _write(folder: Path, data: bytes, edit=None) -> Path:
    """A package folder whose datapackage.json records the sha256 of exactly `data`, as a
    partner port's (or a hand-made) package would."""
    folder.mkdir()
    # each port's zone, as `export indicators` states the zones of the ports it writes
    zones = {port: zone for port, zone in ZONES.items() if port.encode() in data}
    descriptor = package_descriptor(RUN, {"port": None}, data, zones)
    if edit:
        edit(descriptor)
    (folder / CSV_NAME).write_bytes(data)
    (folder / PACKAGE_NAME).write_text(json.dumps(descriptor), encoding="utf-8")
    return folder


def _package(folder: Path, rows: list[dict], edit=None) -> Path:
    return _write(folder, csv_bytes(Table(RESOURCE, COLUMNS, rows)), edit)


def _replaced(folder: Path, old: bytes, new: bytes) -> Path:
    """The Nagoya package with one cell's text replaced, the hash recorded anew."""
    data = csv_bytes(Table(RESOURCE, COLUMNS, [_row("JPNGO")]))
    assert old in data
    return _write(folder, data.replace(old, new, 1))


@pytest.fixture
def lax(tmp_path) -> Path:
    return _package(tmp_path / "lax", [_row("USLAX"), _row("USLAX", "tanker")])


def _compare(runner, tmp_path, *packages: Path, out: str = "c.html"):
    target = tmp_path / out
    result = runner.invoke(app, ["compare", *map(str, packages), "--out", str(target)])
    return result, target


def test_two_valid_packages_compare(runner, tmp_path, lax):
    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    r, out = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.stderr
    text = out.read_text("utf-8")
    assert "USLAX" in text and "JPNGO" in text


@pytest.mark.parametrize(("old", "new", "named"), [
    # a month that is no month: the charts' period would be made up from it
    (b",2026-10,", b",2026-13,", "row 2, column month: '2026-13': not a month (YYYY-MM)"),
    (b",2026-10,", b",2026,", "row 2, column month: '2026': not a month (YYYY-MM)"),
    # counts and hours are never negative or not a number (the schema's minimum is 0)
    (b"JPNGO,2026-10,container,10,", b"JPNGO,2026-10,container,-10,",
     "row 2, column visits: '-10': below the minimum 0"),
    (b",12.5000,", b",nan,", "row 2, column uncontrolled_hours: 'nan': not a number"),
    (b"JPNGO,2026-10,container,10,", b"JPNGO,2026-10,container,10.5,",
     "row 2, column visits: '10.5': not an integer"),
    # a required cell left empty
    (b"JPNGO,2026-10,container,", b"JPNGO,,container,", "row 2, column month: empty"),
])
def test_a_bad_cell_is_refused_naming_row_column_and_value(runner, tmp_path, lax, old, new,
                                                          named):
    bad = _replaced(tmp_path / "ngo", old, new)
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1, r.output
    assert f"ngo: {CSV_NAME}, {named}" in r.stderr
    assert "Traceback" not in r.output and "unexpected" not in r.stderr
    assert not out.exists()


def test_a_row_with_more_cells_than_the_header_is_refused(runner, tmp_path, lax):
    bad = _replaced(tmp_path / "ngo", b"0123456789abcdef\n", b"0123456789abcdef,99\n")
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1
    n = len(COLUMNS)
    assert f"ngo: {CSV_NAME}, row 2: {n + 1} cells, the header has {n}" in r.stderr
    assert not out.exists()


def test_a_csv_that_is_not_utf8_is_refused_with_its_row(runner, tmp_path, lax):
    bad = _replaced(tmp_path / "ngo", b"JPNGO", "JPNG\u00c9".encode("latin-1"))
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1
    assert f"ngo: {CSV_NAME}: not UTF-8 text (byte" in r.stderr and "row 2" in r.stderr
    assert "unexpected" not in r.stderr
    assert not out.exists()


def test_a_missing_column_is_refused(runner, tmp_path, lax):
    rows = [{k: v for k, v in _row("JPNGO").items()}]
    columns = [c for c in COLUMNS if c.name != "regulated_visits"]
    data = csv_bytes(Table(RESOURCE, columns, rows))
    bad = _write(tmp_path / "ngo", data)
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1
    assert f"ngo: {CSV_NAME}: no column regulated_visits" in r.stderr
    assert not out.exists()


def test_a_schema_declaring_another_type_is_refused_naming_its_json_path(runner, tmp_path, lax):
    def as_text(descriptor):
        fields = descriptor["resources"][0]["schema"]["fields"]
        fields[3]["type"] = "string"  # visits

    bad = _package(tmp_path / "ngo", [_row("JPNGO")], edit=as_text)
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1, r.output
    assert ("ngo: datapackage.json: $.resources[indicators].schema.fields[3].type: 'string': "
            "berthcheck's indicators field visits is 'integer'") in r.stderr
    assert "unexpected" not in r.stderr
    assert not out.exists()


def test_a_repeated_port_month_and_type_is_refused(runner, tmp_path, lax):
    bad = _package(tmp_path / "ngo", [_row("JPNGO"), _row("JPNGO")])
    r, _ = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1
    assert ("row 3: port, month and vessel_type 'JPNGO', '2026-10', 'container' repeat row 2"
            in r.stderr)


def test_an_out_of_the_wrong_kind_names_the_option_and_value(runner, tmp_path, lax):
    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    r, out = _compare(runner, tmp_path, lax, ngo, out="c.txt")
    assert r.exit_code == 2, r.output
    assert f"--out {str(out)!r}: the extension must be .pdf or .html" in r.stderr
    assert not out.exists()


def test_a_port_month_in_two_packages_is_shown_per_package_never_summed(runner, tmp_path):
    """An all-ports package and one port's package (or two exports of a port) both hold that
    port's month: each package's figures are shown under its name, in both tables; the
    vessel-type table once added them up (130 container visits where each package had 65)."""
    both = _package(tmp_path / "all-ports", [_row("USLAX"), _row("JPNGO")])
    one = _package(tmp_path / "lax-only", [_row("USLAX", visits=30, compliant_visits=24,
                                                non_compliant_visits=6, regulated_visits=30)])
    r, out = _compare(runner, tmp_path, both, one)
    assert r.exit_code == 0, r.stderr
    model = build_model([read_package(both), read_package(one)])
    lax_types = sorted((t["port_text"], t["visits"]) for t in model["types"]
                       if t["port"] == "USLAX")
    assert lax_types == [("all-ports: USLAX", 10), ("lax-only: USLAX", 30)]
    lax_lines = sorted((ln["port_text"], ln["visits"]) for ln in model["lines"]
                       if ln["port"] == "USLAX")
    assert lax_lines == [("all-ports: USLAX", 10), ("lax-only: USLAX", 30)]
    assert [ln["port_text"] for ln in model["lines"] if ln["port"] == "JPNGO"] == ["JPNGO"]
    text = out.read_text("utf-8")
    assert text.count("<td>all-ports: USLAX</td>") == 2  # side by side, and by vessel type
    assert text.count("<td>lax-only: USLAX</td>") == 2


def test_the_same_package_twice_is_a_usage_error(runner, tmp_path, lax):
    r, out = _compare(runner, tmp_path, lax, lax, out="c.pdf")
    assert r.exit_code == 2
    assert "lax and lax are the same package" in r.stderr
    assert not out.exists()
    copy = _package(tmp_path / "copy", [_row("USLAX"), _row("USLAX", "tanker")])
    assert hashlib.sha256((copy / CSV_NAME).read_bytes()).digest() == hashlib.sha256(
        (lax / CSV_NAME).read_bytes()).digest()
    r, _ = _compare(runner, tmp_path, lax, copy)
    assert r.exit_code == 2 and "lax and copy are the same package" in r.stderr


@pytest.mark.parametrize("title", [{"x": "<svg onload=alert(3)>"}, ["a", "b"], 7])
def test_a_title_that_is_not_text_is_refused_naming_its_json_path(runner, tmp_path, lax, title):
    """The page showed a non-text title as Python's repr of it (`{'x': '<svg ...>'}`)."""
    bad = _package(tmp_path / "ngo", [_row("JPNGO")], edit=lambda d: d.update(title=title))
    r, out = _compare(runner, tmp_path, lax, bad)
    assert r.exit_code == 1, r.output
    assert "ngo: datapackage.json: $.title must be text" in r.stderr
    assert "Traceback" not in r.output and not out.exists()


def test_a_title_the_pdf_cannot_draw_is_named_and_warned_of(runner, tmp_path, lax):
    """A Nagoya partner's package titled in Japanese printed as empty boxes in the PDF, with
    nothing saying why: the page's last note writes it as code points, `compare` warns, and the
    HTML (a browser's fonts draw it) does neither."""
    title = "名古屋港 2026年10月"
    ngo = _package(tmp_path / "ngo", [_row("JPNGO")], edit=lambda d: d.update(title=title))
    r, out = _compare(runner, tmp_path, lax, ngo, out="c.pdf")
    assert r.exit_code == 0, r.stderr
    assert f"'{title}'" in r.stderr and "The indicator rows attached to the PDF" in r.stderr
    from tests.conftest import pdf_text

    text = "".join(pdf_text(out)[0]).replace("\x00", "")
    assert "<U+540D><U+53E4><U+5C4B><U+6E2F> 2026<U+5E74>10<U+6708>" in text
    r, _ = _compare(runner, tmp_path, lax, ngo, out="c.html")
    assert r.exit_code == 0 and "cannot draw" not in r.stderr


@pytest.fixture
def nagoya_with_ferries(tmp_path) -> Path:
    """A partner's package whose second row's vessel type is its own word, `ferry`, not one of
    the data contract's (whose nearest is `passenger`): it matches its recorded hash and every
    other cell is a valid indicator."""
    return _package(tmp_path / "ngo", [_row("JPNGO"), _row("JPNGO", "ferry")])


def test_the_package_schema_declares_the_vessel_types(tmp_path):
    """The vessel types are an enum of the data contract; the package's table schema says so
    (`constraints.enum`), so a partner's tools can check a package as berthcheck does."""
    from berthcheck.ingest.kinds import VESSEL_TYPES

    descriptor = package_descriptor(RUN, {"port": None}, b"")
    fields = {f["name"]: f for f in descriptor["resources"][0]["schema"]["fields"]}
    assert fields["vessel_type"]["constraints"] == {"required": True,
                                                    "enum": list(VESSEL_TYPES)}
    enumerated = sorted(n for n, f in fields.items() if "enum" in f.get("constraints", {}))
    assert enumerated == ["vessel_type"]


def test_a_vessel_type_outside_the_contract_is_refused(runner, tmp_path, lax,
                                                       nagoya_with_ferries):
    """A partner's `ferry` was compared and charted as a vessel type of its own, beside the
    contract's `passenger` of the other ports."""
    r, out = _compare(runner, tmp_path, lax, nagoya_with_ferries)
    assert r.exit_code == 1, r.output
    assert (f"ngo: {CSV_NAME}, row 3, column vessel_type: 'ferry': not one of the data "
            "contract's vessel_type values (container, reefer, passenger, roro, tanker, bulk, "
            "general_cargo, articulated_tug_barge, other)") in r.stderr, r.stderr
    assert "Traceback" not in r.output and "unexpected" not in r.stderr
    assert not out.exists()


def test_tools_reading_the_package_schema_refuse_the_same_vessel_type(nagoya_with_ferries):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(nagoya_with_ferries / PACKAGE_NAME))
    assert not report.valid
    assert [(e[0], e[1]) for e in report.flatten(["rowNumber", "fieldName"])] == [
        (3, "vessel_type")]
