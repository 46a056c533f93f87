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


def _refused(runner, tmp_path, lax, package, message: str) -> None:
    r, out = _compare(runner, tmp_path, lax, package)
    assert r.exit_code == 1, r.output
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.output and "unexpected" not in r.stderr
    assert not out.exists()


def _resource(**changes):
    return lambda d: d["resources"][0].update(changes)


def _fields(edit):
    return lambda d: edit(d["resources"][0]["schema"]["fields"])


@pytest.mark.parametrize(("edit", "named"), [
    # a Frictionless validator reads the file the resource names; compare read indicators.csv
    (_resource(path="other.csv"),
     f"$.resources[indicators].path: 'other.csv': not {CSV_NAME}"),
    (_resource(path="../../lax.zip"),
     f"$.resources[indicators].path: '../../lax.zip': not {CSV_NAME}"),
    (_resource(encoding="latin-1"),
     "$.resources[indicators].encoding: 'latin-1': not utf-8"),
    (_resource(bytes="2404"), "$.resources[indicators].bytes must be an integer, not \"2404\""),
    (_resource(bytes=1), "$.resources[indicators].bytes: 1: indicators.csv has "),
    (lambda d: d["berthcheck"].update(version=9), "$.berthcheck.version must be text, not 9"),
    # a period that is none of --period's forms: its rows' months were held to nothing
    (lambda d: d["berthcheck"].update(period="October"),
     "$.berthcheck.period: 'October': not a period (YYYY-MM, YYYY-Qn or YYYY"),
    # a partner's title holding control characters reached the comparison's page invisible
    (lambda d: d.update(title="Nagoya\x00\x1b[31m"),
     "$.title: 'Nagoya\\\\x00\\\\x1b[31m': holds the control character U+0000"),
    (lambda d: d["berthcheck"].update(port="JPNGO\x85"),
     "$.berthcheck.port: 'JPNGO\\\\x85': holds the control character U+0085"),
], ids=["path", "path-up", "encoding", "bytes-text", "bytes-wrong", "version", "period",
        "title-control", "port-control"])
def test_a_descriptor_that_misdescribes_its_csv_is_refused_naming_its_path(
        runner, tmp_path, lax, edit, named):
    """Each was compared without a word, while a partner's Frictionless validator refuses the
    same package (or reads another file than compare did)."""
    bad = _package(tmp_path / "ngo", [_row("JPNGO")], edit=edit)
    _refused(runner, tmp_path, lax, bad, f"ngo: {PACKAGE_NAME}: {named}")


@pytest.mark.parametrize(("edit", "named"), [
    # the schema lists a field the CSV does not have (Frictionless: missing-label)
    (_fields(lambda f: f.append({"name": "berth_hours", "type": "number"})),
     f"{PACKAGE_NAME}: $.resources[indicators].schema.fields[34] (berth_hours): no such "
     "column in "
     f"{CSV_NAME}"),
    # the CSV has a column the schema does not list (Frictionless: extra-label)
    (_fields(lambda f: f.pop()), f"{CSV_NAME}, row 1 (header), column run_id: not a field of "
                                 "$.resources[indicators].schema.fields"),
    # the same names in another order: each column is typed by the field at its place
    (_fields(lambda f: f.insert(3, f.pop(4))),
     f"{CSV_NAME}, row 1 (header), column 4 is 'visits', "
     "$.resources[indicators].schema.fields[3] is 'compliant_visits'"),
], ids=["missing-label", "extra-label", "order"])
def test_a_schema_that_is_not_the_csvs_header_is_refused(runner, tmp_path, lax, edit, named):
    bad = _package(tmp_path / "ngo", [_row("JPNGO")], edit=edit)
    _refused(runner, tmp_path, lax, bad, f"ngo: {named}")


def test_a_validator_refuses_what_compare_refuses(tmp_path):
    """The refusals above are a Frictionless validator's too: compare holds a package to what
    its descriptor declares, no less."""
    frictionless = pytest.importorskip("frictionless")
    for name, edit in [("bytes", _resource(bytes=1)), ("missing", _fields(lambda f: f.append(
            {"name": "berth_hours", "type": "number"}))), ("extra", _fields(lambda f: f.pop()))]:
        bad = _package(tmp_path / name, [_row("JPNGO")], edit=edit)
        assert not frictionless.validate(str(bad / PACKAGE_NAME)).valid, name
    good = _package(tmp_path / "good", [_row("JPNGO")])
    assert frictionless.validate(str(good / PACKAGE_NAME)).valid


def test_a_row_whose_port_has_no_stated_time_zone_is_refused(runner, tmp_path, lax):
    """A Nagoya package whose `time_zones` named only Los Angeles was listed as "months in
    USLAX: America/Los_Angeles": the reader was told Nagoya's months were counted in Los
    Angeles time."""
    bad = _package(tmp_path / "ngo", [_row("JPNGO")], edit=lambda d: d["berthcheck"].update(
        time_zones={"USLAX": "America/Los_Angeles"}))
    _refused(runner, tmp_path, lax, bad,
             f"ngo: {CSV_NAME}, row 2, column port: 'JPNGO': no time zone for it in "
             f"{PACKAGE_NAME}'s $.berthcheck.time_zones (which names USLAX)")


def test_a_package_of_a_newer_berthcheck_is_compared_by_the_fields_this_one_knows(
        runner, tmp_path, lax):
    """A partner on a newer berthcheck whose package adds an indicator: compared on the fields
    this version writes, and both the newer version and the column not compared are said
    (the column was dropped unseen, the version never looked at)."""
    from berthcheck.export.files import Column, Table, csv_bytes
    from berthcheck.export.indicators import COLUMNS, RESOURCE
    from tests.test_compare import _write

    extra = Column("berth_hours", "number", "hours at berth", "berthcheck run", True, "h")
    rows = [dict(_row("JPNGO"), berth_hours=30.0)]

    def newer(d):
        d["berthcheck"]["version"] = "9.1.0"
        d["resources"][0]["schema"]["fields"].append(
            {"name": "berth_hours", "type": "number", "unit": "h"})

    ngo = _write(tmp_path / "ngo", csv_bytes(Table(RESOURCE, [*COLUMNS, extra], rows)), newer)
    r, out = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.output
    assert "warning: ngo: made by berthcheck 9.1.0, newer than this one (" in r.stderr
    assert "warning: ngo: not read: column 'berth_hours'" in r.stderr
    assert out.is_file()


@pytest.mark.parametrize(("over", "named"), [
    # visits 10 = compliant 8 + non-compliant 2 + 0 + 0 + 0; 12 was charted as 12 visits
    ({"visits": 12}, "row 2, column visits: '12': not the sum of the verdict counts "
                     "(compliant_visits + non_compliant_visits + insufficient_data_visits + "
                     "exempt_visits + not_applicable_visits = 10)"),
    # regulated = compliant 8 + non-compliant 2 = 10; the page's rate is 8 / regulated
    ({"regulated_visits": 9, "visits": 10},
     "row 2, column regulated_visits: '9': not compliant_visits + non_compliant_visits (10)"),
    # 8 / 10 x 100 = 80.0000, written with 4 decimals
    ({"compliance_rate": 50.0}, "row 2, column compliance_rate: '50.0000': not "
                                "compliant_visits / regulated_visits x 100 (80.0000)"),
    # no regulated visit: no rate (an empty cell), never a number
    ({"compliant_visits": 0, "non_compliant_visits": 0, "not_applicable_visits": 10,
      "regulated_visits": 0, "compliance_rate": 0.0},
     "row 2, column compliance_rate: '0.0000': not empty, as it is without regulated visits"),
    ({"compliance_rate": None}, "row 2, column compliance_rate: empty, though "
                                "regulated_visits is 10 (80.0000 expected)"),
], ids=["visits", "regulated", "rate", "rate-without-regulated", "no-rate"])
def test_counts_that_do_not_add_up_as_the_definitions_say_are_refused(
        runner, tmp_path, lax, over, named):
    """docs/interchange.md defines visits as every visit by verdict, regulated visits as
    compliant + non-compliant and the rate as compliant / regulated x 100: a package (edited,
    its hash recorded anew) whose counts did not add up was charted as written, a rate beside
    the counts that contradict it."""
    bad = _package(tmp_path / "ngo", [_row("JPNGO", **over)])
    _refused(runner, tmp_path, lax, bad, f"ngo: {CSV_NAME}, {named}")


def test_a_rate_written_with_four_decimals_adds_up(runner, tmp_path, lax):
    """2 / 3 x 100 = 66.666666..., written 66.6667: within the rounding of the written cell."""
    ngo = _package(tmp_path / "ngo", [_row("JPNGO", visits=3, compliant_visits=2,
                                           non_compliant_visits=1, regulated_visits=3,
                                           compliance_rate=66.6667)])
    r, _ = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.output


def test_a_ports_month_of_no_visit_still_states_its_time_zone(runner, tmp_path, lax):
    """Nagoya's package of a month without visits (`--port JPNGO --period 2026-12`) stated no
    time zone (`time_zones: {}`): `compare` listed it as "no port", as if the package were
    nobody's. The zone of the `--port` is stated with or without visits."""
    import io
    import json
    import zipfile

    from berthcheck.cli import app
    from tests.test_compare_partner import load_nagoya_boundary

    db = load_nagoya_boundary(runner, tmp_path, "飛島ふ頭")
    out = tmp_path / "ngo-dec.zip"
    r = runner.invoke(app, ["--db", db, "export", "indicators", "--period", "2026-12", "--port",
                            "JPNGO", "--pack", "carb-at-berth-2020", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "no visit in scope (period 2026-12, port JPNGO)" in r.stderr
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as z:
        assert json.loads(z.read(PACKAGE_NAME))["berthcheck"]["time_zones"] == {
            "JPNGO": "Asia/Tokyo"}


def test_export_json_names_the_pack_the_package_was_made_with(runner, sample_month_checked,
                                                              tmp_path):
    """`export indicators` without `--pack` chooses the pack by the ports in scope; its
    `--json` said which only in a note's words, so a script had to open the package to learn
    what its partner must export with. Every export's `--json` now names `pack` and
    `pack_version`, as the package's `$.berthcheck` does."""
    import json
    import zipfile

    from berthcheck.cli import app
    from berthcheck.engine.pack import load_pack
    from tests.conftest import copy_store

    db = str(copy_store(sample_month_checked[0], tmp_path / "lax.duckdb"))
    out = tmp_path / "lax.zip"
    r = runner.invoke(app, ["--db", db, "export", "indicators", "--period", "2026-10", "--out",
                            str(out), "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    pack = load_pack("carb-at-berth-2020")
    assert (data["pack"], data["pack_version"]) == (pack.id, pack.version)
    with zipfile.ZipFile(out) as z:
        stated = json.loads(z.read(PACKAGE_NAME))["berthcheck"]
    assert (stated["pack"], stated["pack_version"]) == (data["pack"], data["pack_version"])


def test_compare_json_says_what_it_compared_and_wrote(runner, tmp_path, lax):
    """`compare` had no `--json`: a partner's script learnt what was compared (each package's
    run, period, ports and time zones), the warnings, and the page's sha256 only by reading
    the page. Its `--json` gives them in one object, `written_files` as every command names
    its files; an error prints nothing on standard output."""
    import hashlib
    import json

    from berthcheck.cli import app

    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    empty = _package(tmp_path / "empty", [], edit=lambda d: d["berthcheck"].update(
        port="JPNGO", period="2026-12", run_id="2222222222222222"))
    out = tmp_path / "c.html"
    r = runner.invoke(app, ["compare", str(lax), str(ngo), str(empty), "--out", str(out),
                            "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["written_files"] == [
        {"path": str(out), "sha256": hashlib.sha256(out.read_bytes()).hexdigest()}]
    assert data["format"] == "html" and data["rows"] == 2
    assert (data["pack"], data["pack_version"]) == (_row("X")["pack"], _row("X")["pack_version"])
    assert [(p["source"], p["ports"], p["time_zones"], p["rows"]) for p in data["packages"]] == [
        ("lax", ["USLAX"], {"USLAX": "America/Los_Angeles"}, 1),
        ("ngo", ["JPNGO"], {"JPNGO": "Asia/Tokyo"}, 1),
        ("empty", [], {}, 0)]
    assert data["packages"][2]["period"] == "2026-12" and data["packages"][2]["port"] == "JPNGO"
    assert data["warnings"] == [f"empty: {CSV_NAME} holds no rows: none of its ports is on the "
                                "page"]
    assert "warning: empty:" in r.stderr  # said on standard error too, as the exports do
    assert data["undrawable"] == []
    r = runner.invoke(app, ["compare", str(lax), str(lax), "--out", str(tmp_path / "d.html"),
                            "--json"])
    assert r.exit_code == 2 and r.stdout == ""


@pytest.mark.parametrize("twice", [PACKAGE_NAME, CSV_NAME])
def test_a_zip_holding_a_package_file_twice_is_refused(runner, tmp_path, lax, twice):
    """A zip may hold two members of one name: compare read the last `datapackage.json` (or
    CSV) without a word, while another tool (or `unzip`, asking) takes the first: which one is
    the package's is not said, so neither is compared."""
    import warnings
    import zipfile

    folder = _package(tmp_path / "ngo", [_row("JPNGO")])
    zipped = tmp_path / "ngo.zip"
    with warnings.catch_warnings(), zipfile.ZipFile(zipped, "w") as z:
        warnings.simplefilter("ignore")  # zipfile's own "Duplicate name" warning
        for name in (PACKAGE_NAME, CSV_NAME, twice):
            z.write(folder / name, name)
    _refused(runner, tmp_path, lax, zipped,
             f"ngo.zip: the zip holds {twice} 2 times; a package holds each of its files once")


def test_the_page_says_why_a_port_has_no_regulated_visit(runner, tmp_path, lax):
    """Nagoya under the CARB pack: the page showed 120 visits, 0 regulated, `–` for the rate
    and the uncontrolled hours, and docs/interchange.md told the reader to read that "beside
    not_applicable_visits", which the page did not show. A note under the table now splits
    the visits no rate was computed from by verdict."""
    from tests.test_compare_partner import _not_applicable

    tankers = _row("JPNGO", "tanker", visits=12, compliant_visits=0, non_compliant_visits=0,
                   not_applicable_visits=10, exempt_visits=2, regulated_visits=0,
                   compliance_rate=None, uncontrolled_hours=0.0)
    ngo = _package(tmp_path / "ngo", [_not_applicable("JPNGO"), tankers])
    r, out = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.output
    text = out.read_text("utf-8")
    assert ("JPNGO 2026-10: none of its 22 visits is regulated: 20 not_applicable, 2 exempt, "
            "0 insufficient_data.") in text
    assert "USLAX 2026-10: none" not in text  # Los Angeles' visits were judged


def test_a_package_folder_given_as_dot_is_named_by_its_folder(runner, tmp_path, lax,
                                                              monkeypatch):
    """`compare ../lax.zip .` from inside the unzipped Nagoya package named it '' on the page
    and in every message (`error: : indicators.csv, row 2, ...`)."""
    import json

    from berthcheck.cli import app

    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    monkeypatch.chdir(ngo)
    r = runner.invoke(app, ["compare", str(lax), ".", "--out", str(tmp_path / "c.html"),
                            "--json"])
    assert r.exit_code == 0, r.output
    assert [p["source"] for p in json.loads(r.stdout)["packages"]] == ["lax", "ngo"]


def test_two_packages_of_one_file_name_are_told_apart_by_their_paths(runner, tmp_path):
    """Both officers send `indicators.zip`, kept as `lax/indicators.zip` and
    `ngo/indicators.zip`: the page listed two packages named `indicators.zip`, and a message
    about either named only that."""
    import json
    import shutil

    from berthcheck.cli import app

    sources = []
    for port in ("USLAX", "JPNGO"):
        folder = _package(tmp_path / f"{port}-pkg", [_row(port)])
        target = tmp_path / port / "indicators"
        shutil.copytree(folder, target)
        sources.append(str(target))
    r = runner.invoke(app, ["compare", *sources, "--out", str(tmp_path / "c.html"), "--json"])
    assert r.exit_code == 0, r.output
    assert [p["source"] for p in json.loads(r.stdout)["packages"]] == sources


def test_each_mass_column_of_the_side_by_side_table_has_one_unit(runner, tmp_path):
    """Los Angeles' NOx avoided read `55.9 t` beside Nagoya's `9,170 kg` in one column: each
    value took the unit that kept it short, so a reader comparing the ports compared 55.9
    with 9,170. A column now has one unit, named in its header, its values in that unit."""
    lax = _package(tmp_path / "lax", [_row("USLAX", at_berth_nox_kg=45_900.0,
                                           avoided_nox_kg=55_900.0, avoided_co2_kg=3_556_300.0)])
    ngo = _package(tmp_path / "ngo", [_row("JPNGO", at_berth_nox_kg=85.0,
                                           avoided_nox_kg=9_170.0, avoided_co2_kg=649_800.0)])
    r, out = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.output
    from berthcheck.export.compare import build_model, draw, read_package

    model = build_model([read_package(lax), read_package(ngo)])
    assert model["mass_units"] == {"at_berth_nox": "t", "avoided_nox": "t", "avoided_co2": "t"}
    assert [(ln["at_berth_nox_text"], ln["avoided_nox_text"], ln["avoided_co2_text"])
            for ln in model["lines"]] == [("45.9", "55.9", "3,556.3"), ("0.1", "9.2", "649.8")]
    svg = str(draw(model)["avoided"])  # the chart in the column's unit, its bars as the cells
    assert "NOx avoided by control (t)" in svg and ">55.9</text>" in svg and ">9.2</text>" in svg
    text = out.read_text("utf-8")
    assert "NOx at berth t</th>" in text and "CO₂ avoided t</th>" in text
    assert " kg<" not in text and " t<" not in text.replace(" t</th>", "")
    # a column whose every value is small stays in kg, and says so
    small = _package(tmp_path / "small", [_row("JPNGO", at_berth_nox_kg=85.0)])
    model = build_model([read_package(small)])
    assert model["mass_units"]["at_berth_nox"] == "kg"
    assert model["lines"][0]["at_berth_nox_text"] == "85.0"


def test_a_package_zipped_inside_its_folder_is_refused_saying_where_its_files_are(
        runner, tmp_path, lax):
    """Nagoya unzipped its package into `ngo/`, then sent the folder zipped again ("Send to >
    Compressed folder"): `compare` said only `no datapackage.json`, though the zip held
    `ngo/datapackage.json`; the same for the folder Windows' "Extract all" makes around the
    package's own."""
    import zipfile

    folder = _package(tmp_path / "ngo", [_row("JPNGO")])
    nested = tmp_path / "ngo.zip"
    with zipfile.ZipFile(nested, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f"ngo/{f.name}")
    _refused(runner, tmp_path, lax, nested,
             f"ngo.zip: no {PACKAGE_NAME} at the top of the zip; it holds ngo/{PACKAGE_NAME}: "
             "a folder was zipped, not the package's files")
    outer = tmp_path / "download"
    outer.mkdir()
    folder.rename(outer / "ngo")
    _refused(runner, tmp_path, lax, outer,
             f"download: no {PACKAGE_NAME} in the folder; its folder ngo holds one: give "
             f"{outer / 'ngo'}")


def test_the_vessel_type_table_lists_the_ports_in_the_side_by_side_order(tmp_path):
    """`compare lax.zip ngo.zip` listed Los Angeles first side by side, in the order given,
    and Nagoya first by vessel type (sorted by port code): a reader going from one table to
    the other found the ports swapped."""
    from berthcheck.export.compare import build_model, read_package

    lax = _package(tmp_path / "lax", [_row("USLAX"), _row("USLAX", "tanker")])
    ngo = _package(tmp_path / "ngo", [_row("JPNGO", "tanker"), _row("JPNGO")])
    model = build_model([read_package(lax), read_package(ngo)])
    assert [ln["port"] for ln in model["lines"]] == ["USLAX", "JPNGO"]
    assert model["meta"]["scope_text"] == "Ports: USLAX, JPNGO"  # the page's head too
    assert [(t["port"], t["vessel_type"]) for t in model["types"]] == [
        ("USLAX", "container"), ("USLAX", "tanker"), ("JPNGO", "container"),
        ("JPNGO", "tanker")]


@pytest.mark.parametrize(("edit", "named"), [
    # a spreadsheet's save left a blank line at the end: "row 3: 0 cells, the header has 34"
    (lambda data: data + b"\n", "row 3 is empty (a blank line); the CSV `export indicators` "
     "writes has none"),
    (lambda data: data.replace(b"\n", b"\n\n", 1), "row 2 is empty (a blank line)"),
    # a trailing comma on the header: "column : not a field of ..."
    (lambda data: data.replace(b"run_id\n", b"run_id,\n", 1),
     "row 1 (header), column 35 has no name: not a field of"),
], ids=["blank-last", "blank-first", "unnamed"])
def test_a_blank_line_or_an_unnamed_column_is_named_as_such(runner, tmp_path, lax, edit,
                                                            named):
    from berthcheck.export.files import Table, csv_bytes
    from berthcheck.export.indicators import COLUMNS, RESOURCE
    from tests.test_compare import _write

    data = csv_bytes(Table(RESOURCE, COLUMNS, [_row("JPNGO")]))
    bad = _write(tmp_path / "ngo", edit(data))
    _refused(runner, tmp_path, lax, bad, f"ngo: {CSV_NAME}, {named}")


def test_a_csv_changed_after_it_was_written_says_what_to_do(runner, tmp_path, lax):
    """Nagoya's officer opened indicators.csv in a spreadsheet and saved it: the message said
    the package was changed, not that the port must send it again (the hash is the port's
    word for its numbers; a changed CSV is no longer that)."""
    folder = _package(tmp_path / "ngo", [_row("JPNGO")])
    csv_file = folder / CSV_NAME
    csv_file.write_bytes(csv_file.read_bytes().replace(b"\n", b"\r\n"))
    _refused(runner, tmp_path, lax, folder,
             f"ngo: {CSV_NAME} does not match the sha256 its {PACKAGE_NAME} records "
             f"($.resources[indicators].hash): it was changed after it was written (opened "
             "and saved in a spreadsheet?); ask its port for the package again")


def test_the_pdfs_attached_csv_names_each_rows_time_zone(tmp_path):
    """The compared rows attached to the PDF (berthcheck-indicators-compared.csv) named each
    row's package, port and month, but not the zone the month is counted in: opened on its
    own, Nagoya's October read as Los Angeles' October. Each row now carries its port's zone
    as its package states it (empty for a package made before the zones were stated)."""
    import csv
    import io

    from berthcheck.export.compare import combined_csv, read_package

    lax = _package(tmp_path / "lax", [_row("USLAX")])
    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    old = _package(tmp_path / "old", [_row("JPNGO")],
                   edit=lambda d: d["berthcheck"].pop("time_zones"))
    rows = list(csv.DictReader(io.StringIO(combined_csv(
        [read_package(p) for p in (lax, ngo, old)]).decode("utf-8"))))
    assert [(r["package"], r["port"], r["time_zone"], r["month"]) for r in rows] == [
        ("lax", "USLAX", "America/Los_Angeles", "2026-10"),
        ("ngo", "JPNGO", "Asia/Tokyo", "2026-10"), ("old", "JPNGO", "", "2026-10")]


def test_the_pdfs_attached_csv_writes_each_cell_as_the_package_wrote_it(tmp_path):
    """README: the attachment holds "the package's name, then its columns"; it wrote them as
    floats read back (`0.0`, `74.6`) where the package has `0.0000` and `74.6000`, or a
    partner's `80.00`."""
    import csv
    import io

    from berthcheck.export.compare import combined_csv, read_package
    from tests.test_compare import _replaced

    lax = _package(tmp_path / "lax", [_row("USLAX", excused_hours=74.6)])
    ngo = _replaced(tmp_path / "ngo", b",80.0000,", b",80.00,")
    packages = [read_package(p) for p in (lax, ngo)]
    attached = list(csv.DictReader(io.StringIO(combined_csv(packages).decode("utf-8"))))
    for row, folder in zip(attached, (lax, ngo), strict=True):
        written = next(csv.DictReader(io.StringIO((folder / CSV_NAME).read_text("utf-8"))))
        assert {k: row[k] for k in written} == written
    assert (attached[0]["excused_hours"], attached[0]["shore_power_kwh"]) == ("74.6000", "0.0000")
    assert attached[1]["compliance_rate"] == "80.00"


def test_the_vessel_type_table_splits_the_visits_not_regulated_by_verdict(runner, tmp_path):
    """Los Angeles' 5 bulk carriers read `5 visits, 0 regulated, –` by vessel type: a Nagoya
    reader could not tell a type the pack does not regulate (CARB: bulk) from visits exempt
    or lacking data, which the side-by-side note says only of a port-month with no regulated
    visit at all. The table gives each type's exempt, insufficient-data and not-applicable
    visits beside its regulated ones."""
    from berthcheck.export.compare import build_model, read_package

    lax = _package(tmp_path / "lax", [
        _row("USLAX"),
        _row("USLAX", "bulk", compliant_visits=0, non_compliant_visits=0, regulated_visits=0,
             not_applicable_visits=5, visits=5, compliance_rate=None, uncontrolled_hours=0.0),
        _row("USLAX", "tanker", visits=12, exempt_visits=1, insufficient_data_visits=1)])
    model = build_model([read_package(lax)])
    assert [(t["vessel_type"], t["visits"], t["regulated"], t["exempt"], t["insufficient_data"],
             t["not_applicable"], t["rate_text"]) for t in model["types"]] == [
        ("bulk", 5, 0, 0, 0, 5, "–"), ("container", 10, 10, 0, 0, 0, "80.0 %"),
        ("tanker", 12, 10, 1, 1, 0, "80.0 %")]
    r, out = _compare(runner, tmp_path, lax, _package(tmp_path / "ngo", [_row("JPNGO")]))
    assert r.exit_code == 0, r.output
    text = out.read_text("utf-8")
    assert ('<th class="num">Exempt</th><th class="num">Insufficient data</th>'
            '<th class="num">Not applicable</th>') in text
    assert "–: no regulated visit, so no compliance rate (not 0 %)" in text  # bulk's –


def test_packages_of_two_pack_versions_are_refused_saying_each_berthcheck_and_the_way_out(
        runner, tmp_path, lax):
    """Los Angeles upgraded berthcheck (its CARB pack a version on), Nagoya had not: the
    refusal named the two pack versions and said "export with the same pack and version",
    without which berthcheck wrote each, nor that a port can export with the other's pack
    folder (`--pack PATH`)."""
    old = _package(tmp_path / "ngo", [_row("JPNGO", pack_version="1.0.0")],
                   edit=lambda d: d["berthcheck"].update(pack_version="1.0.0", version="0.0.9"))
    pack, version = _row("X")["pack"], _row("X")["pack_version"]
    from berthcheck import __version__

    _refused(runner, tmp_path, lax, old,
             f"(lax: {pack}@{version}, written by berthcheck {__version__}; ngo: {pack}@1.0.0, "
             "written by berthcheck 0.0.9); export every port's indicators with the same rule "
             "pack and version: the same berthcheck release, or the other port's copy of the "
             "pack folder given as `export indicators --pack PATH`")


def test_one_port_counted_in_two_time_zones_is_warned_of(runner, tmp_path, lax):
    """Two packages holding Nagoya, one exported from a store whose ports table put JPNGO in
    UTC: their "2026-10" are two different months (nine hours apart at each end), shown side
    by side without a word."""
    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    utc = _package(tmp_path / "ngo-utc", [_row("JPNGO", run_id="2" * 16)],
                   edit=lambda d: d["berthcheck"].update(time_zones={"JPNGO": "UTC"},
                                                         run_id="2" * 16))
    r, out = _compare(runner, tmp_path, lax, ngo, utc)
    assert r.exit_code == 0, r.output
    assert ("warning: JPNGO's months are counted in 2 time zones: Asia/Tokyo (ngo), UTC "
            "(ngo-utc); its months cover other hours in each package") in r.stderr, r.stderr
    r, out = _compare(runner, tmp_path, lax, ngo, out="d.html")
    assert r.exit_code == 0 and "time zones:" not in r.stderr
