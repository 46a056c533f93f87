"""`export indicators` (a Frictionless Data Package) and `compare`: the package validates
against its own table schema, the sample month's indicators equal the report's summary, and two
ports' packages render side by side; packages of other definitions are refused."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zipfile

import pytest
from pypdf import PdfReader

from berthcheck import store
from berthcheck.cli import app
from berthcheck.demo import SAMPLE_PERIOD, load_sample
from berthcheck.engine.pack import load_pack
from berthcheck.engine.scope import parse_scope
from berthcheck.errors import UsageError
from berthcheck.export.compare import compare_packages
from berthcheck.export.indicators import export_indicators
from berthcheck.report.data import build_model, obtain_run
from berthcheck.sample import generate
from tests.conftest import copy_store

HOURS_UNITS = {"h", "kWh", "kg", "%", "visits"}


@pytest.fixture(scope="module")
def packages(sample_month_checked, tmp_path_factory):
    folder = tmp_path_factory.mktemp("indicators")
    # the month's run stored (conftest's `sample_month_checked`): the export reads it
    db = copy_store(sample_month_checked[0], folder / "lax.duckdb")
    con = store.connect(db)
    try:
        lax = export_indicators(con, period=SAMPLE_PERIOD, out=folder / "lax")
        lax_zip = export_indicators(con, period=SAMPLE_PERIOD, out=folder / "lax.zip")
        run = obtain_run(con, parse_scope(SAMPLE_PERIOD, None, None, None, None, None))
        model = build_model(con, run)
    finally:
        con.close()
    # a second port: a small Long Beach month from the generator
    lgb_data = folder / "lgb-data"
    generate(lgb_data, visits=30, seed=11, month=SAMPLE_PERIOD, port="USLGB")
    con = store.connect(folder / "lgb.duckdb")
    try:
        load_sample(con, lgb_data)
        export_indicators(con, period=SAMPLE_PERIOD, out=folder / "lgb.zip", port="uslgb")
    finally:
        con.close()
    rows = list(csv.DictReader(io.StringIO((folder / "lax/indicators.csv").read_text("utf-8"))))
    return {"folder": folder, "db": db, "lax": lax, "lax_zip": lax_zip, "model": model,
            "rows": rows}


def test_package_validates_against_its_own_schema(packages):
    frictionless = pytest.importorskip("frictionless")
    folder = packages["folder"]
    report = frictionless.validate(str(folder / "lax/datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    with zipfile.ZipFile(folder / "lgb.zip") as z:
        z.extractall(folder / "lgb-unzipped")
    assert frictionless.validate(str(folder / "lgb-unzipped/datapackage.json")).valid


def test_an_out_that_is_neither_folder_nor_zip_names_the_option_and_value(packages, tmp_path):
    con = store.connect(packages["db"])
    try:
        with pytest.raises(UsageError, match=r"^--out '.*ind\.tar': give a folder or a FILE\.zip"):
            export_indicators(con, period=SAMPLE_PERIOD, out=tmp_path / "ind.tar")
    finally:
        con.close()
    assert list(tmp_path.iterdir()) == []


def test_schema_types_and_units(packages):
    folder = packages["folder"]
    descriptor = json.loads((folder / "lax/datapackage.json").read_text("utf-8"))
    fields = descriptor["resources"][0]["schema"]["fields"]
    header = next(csv.reader((folder / "lax/indicators.csv").open()))
    assert [f["name"] for f in fields] == header
    by_name = {f["name"]: f for f in fields}
    assert by_name["month"]["type"] == "yearmonth"
    assert by_name["compliance_rate"]["unit"] == "%"
    assert by_name["uncontrolled_hours"]["unit"] == "h"
    assert by_name["shore_power_kwh"]["unit"] == "kWh"
    assert by_name["avoided_nox_kg"]["unit"] == "kg"
    for f in fields:  # every quantity carries a unit, and only quantities do
        assert ("unit" in f) == (f["type"] in ("integer", "number")), f["name"]
        assert f["unit"] in HOURS_UNITS if "unit" in f else True
    assert descriptor["berthcheck"]["pack"] == "carb-at-berth-2020"
    assert descriptor["berthcheck"]["run_id"] == packages["lax"].run_id
    assert {r["run_id"] for r in packages["rows"]} == {packages["lax"].run_id}


def test_sample_month_indicators_equal_the_report_summary(packages):
    rows, model = packages["rows"], packages["model"]
    summary = model["summary"]

    def total(name):
        return sum(float(r[name] or 0) for r in rows)

    assert {r["month"] for r in rows} == {SAMPLE_PERIOD}
    assert total("visits") == summary["visits"]
    assert total("regulated_visits") == summary["judged"]
    assert total("compliant_visits") == summary["counts"]["compliant"]
    assert total("non_compliant_visits") == summary["counts"]["non_compliant"]
    assert total("insufficient_data_visits") == summary["counts"]["insufficient_data"]
    rate = 100 * total("compliant_visits") / total("regulated_visits")
    assert f"{rate:.1f} %" == summary["rate_text"]
    assert f"{total('uncontrolled_hours'):,.1f}" == summary["uncontrolled_text"]
    for e in model["emissions"]["rows"]:
        if e["pollutant"] in ("nox", "pm25", "rog", "co2"):
            for kind in ("excess", "at_berth", "avoided"):
                assert total(f"{kind}_{e['pollutant']}_kg") == pytest.approx(e[kind], abs=0.01)
    # a regulated-only rate per row, from the row's own counts
    for r in rows:
        if int(r["regulated_visits"]):
            assert float(r["compliance_rate"]) == pytest.approx(
                100 * int(r["compliant_visits"]) / int(r["regulated_visits"]), abs=1e-4)
        else:
            assert r["compliance_rate"] == ""


def test_zip_holds_the_folder_and_is_deterministic(packages, tmp_path):
    folder = packages["folder"]
    with zipfile.ZipFile(folder / "lax.zip") as z:
        assert sorted(z.namelist()) == ["datapackage.json", "indicators.csv"]
        assert z.read("indicators.csv") == (folder / "lax/indicators.csv").read_bytes()
    con = store.connect(packages["db"])
    try:
        again = export_indicators(con, period=SAMPLE_PERIOD, out=tmp_path / "again.zip")
    finally:
        con.close()
    assert again.reused_run
    # the zip's own name is no part of its bytes
    assert (tmp_path / "again.zip").read_bytes() == (folder / "lax.zip").read_bytes()


def test_compare_renders_ports_side_by_side(packages, tmp_path):
    folder = packages["folder"]
    html = compare_packages([folder / "lax.zip", folder / "lgb.zip"], tmp_path / "c.html")
    text = html.path.read_text("utf-8")
    assert "USLAX" in text and "USLGB" in text and text.count("<svg") == 3
    assert load_pack("carb-at-berth-2020").label in text
    first = compare_packages([folder / "lax", folder / "lgb.zip"], tmp_path / "c1.pdf")
    second = compare_packages([folder / "lax", folder / "lgb.zip"], tmp_path / "c2.pdf")
    data = first.path.read_bytes()
    assert data == second.path.read_bytes()  # deterministic
    reader = PdfReader(first.path)
    pages = " ".join(p.extract_text() for p in reader.pages)
    assert "USLAX" in pages and "USLGB" in pages and "Compliance rate" in pages


def test_compare_refuses_other_definitions_and_changed_packages(packages, tmp_path, runner):
    folder = packages["folder"]
    other = tmp_path / "other"
    shutil.copytree(folder / "lax", other)
    descriptor = json.loads((other / "datapackage.json").read_text("utf-8"))
    version = descriptor["berthcheck"]["pack_version"]
    descriptor["berthcheck"]["pack_version"] = "9.9.9"
    # the rows say the version too (compare holds them to the descriptor): a package made
    # under another version says it throughout
    data = (other / "indicators.csv").read_bytes().replace(f",{version},".encode(), b",9.9.9,")
    (other / "indicators.csv").write_bytes(data)
    descriptor["resources"][0]["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    descriptor["resources"][0]["bytes"] = len(data)  # held to the CSV's size, as the hash
    (other / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    r = runner.invoke(app, ["compare", str(folder / "lax.zip"), str(other), "--out",
                            str(tmp_path / "x.pdf")])
    assert r.exit_code == 1
    assert "different definitions" in r.stderr and "9.9.9" in r.stderr
    assert not (tmp_path / "x.pdf").exists()
    changed = tmp_path / "changed"
    shutil.copytree(folder / "lax", changed)
    with open(changed / "indicators.csv", "a", encoding="utf-8") as fh:
        fh.write("USLAX,2026-10,bulk,1\n")
    r = runner.invoke(app, ["compare", str(folder / "lax.zip"), str(changed), "--out",
                            str(tmp_path / "x.html")])
    assert r.exit_code == 1 and "does not match the sha256" in r.stderr
    r = runner.invoke(app, ["compare", str(folder / "lax.zip"), "--out", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "two or more" in r.stderr


def test_compare_escapes_package_text(packages, tmp_path):
    folder = packages["folder"]
    hostile = tmp_path / "hostile"
    shutil.copytree(folder / "lax", hostile)
    descriptor = json.loads((hostile / "datapackage.json").read_text("utf-8"))
    descriptor["title"] = "<img src=http://169.254.169.254/> <script>x</script>"
    (hostile / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    out = compare_packages([folder / "lgb.zip", hostile], tmp_path / "h.html")
    text = out.path.read_text("utf-8")
    assert "<script>x" not in text and "&lt;script&gt;x" in text
    assert "<img src=http" not in text


def _descriptor(out) -> dict:
    with zipfile.ZipFile(out) as z:
        return json.loads(z.read("datapackage.json"))


def test_without_pack_a_rotterdam_store_gets_fueleu_and_shanghai_the_cn_pack(
        shanghai_month, rotterdam_month, tmp_path, runner):
    """The default was CARB's pack whatever the store: a Rotterdam port's indicators came out
    under CARB At-Berth (every visit not_applicable), which `compare` then set beside other
    ports' as if comparable. Without --pack the ports in scope choose the pack."""
    # FuelEU's sample month (`sample_source(..., "fueleu-art6")`), as loaded once per worker
    eu = copy_store(rotterdam_month, tmp_path / "eu.duckdb")
    for db, period, pack in ((eu, "2030-06", "fueleu-art6"),
                             (copy_store(shanghai_month, tmp_path / "cn.duckdb"), "2026-10",
                              "cn-shore-power")):
        chosen = runner.invoke(app, ["export", "indicators", "--period", period, "--db", str(db),
                                     "--out", str(tmp_path / f"{pack}.zip")])
        assert chosen.exit_code == 0, chosen.output
        assert f"--pack {pack}" in chosen.stderr  # said, on standard error
        assert _descriptor(tmp_path / f"{pack}.zip")["berthcheck"]["pack"] == pack
        given = runner.invoke(app, ["export", "indicators", "--period", period, "--db", str(db),
                                    "--pack", pack, "--out", str(tmp_path / f"{pack}-given.zip")])
        assert given.exit_code == 0, given.output
        assert ((tmp_path / f"{pack}.zip").read_bytes()
                == (tmp_path / f"{pack}-given.zip").read_bytes())


def test_without_pack_the_carb_sample_stays_carb(packages):
    assert _descriptor(packages["folder"] / "lax.zip")["berthcheck"]["pack"] == "carb-at-berth-2020"


def test_without_pack_ports_of_several_regimes_are_a_usage_error(tmp_path, runner):
    from tests.conftest import good_visit, write_csv

    db = tmp_path / "mixed.duckdb"
    visits = [good_visit(visit_id="LA1"),
              good_visit(visit_id="RT1", imo="9074729", port="NLRTM", terminal="ECT", berth="E1"),
              good_visit(visit_id="TY1", imo="9176187", port="JPTYO", terminal="OI", berth="O1")]
    loaded = runner.invoke(app, ["load", "visits", str(write_csv(tmp_path / "v.csv", visits)),
                                 "--db", str(db)])
    assert loaded.exit_code == 0, loaded.output
    period = good_visit()["departure"][:7]
    out = tmp_path / "ind.zip"
    r = runner.invoke(app, ["export", "indicators", "--period", period, "--db", str(db),
                            "--out", str(out)])
    assert r.exit_code == 2, r.output
    assert "--pack" in r.stderr and "carb-at-berth-2020 (USLAX)" in r.stderr
    assert "fueleu-art6 (NLRTM)" in r.stderr and "Traceback" not in r.output
    assert not out.exists()
    # one port in scope: its pack
    r = runner.invoke(app, ["export", "indicators", "--period", period, "--db", str(db),
                            "--port", "nlrtm", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert _descriptor(out)["berthcheck"]["pack"] == "fueleu-art6"
    # ports no built-in pack covers: the pack is asked for, not guessed
    r = runner.invoke(app, ["export", "indicators", "--period", period, "--db", str(db),
                            "--port", "JPTYO", "--out", str(tmp_path / "ty.zip")])
    assert r.exit_code == 2 and "no built-in rule pack covers the ports in scope (JPTYO)" in (
        r.stderr), r.output
    # Tokyo exporting to compare with a partner: which pack to give, and where it is said
    assert ("to compare with a partner port, give the pack its package names "
            "($.berthcheck.pack in its datapackage.json, e.g. --pack carb-at-berth-2020)"
            ) in r.stderr, r.stderr
    r = runner.invoke(app, ["export", "indicators", "--period", period, "--db", str(db),
                            "--pack", "", "--out", str(tmp_path / "ty.zip")])
    assert r.exit_code == 2 and "--pack is empty" in r.stderr, r.output
    assert not (tmp_path / "ty.zip").exists()


def test_an_all_ports_package_names_its_ports_in_its_title(runner, tmp_path):
    """Los Angeles' and Nagoya's packages, each exported without `--port`, were both titled
    "At-berth indicators, all ports, 2026-10" (and named `...-all-ports-2026-10`): the
    partner's page listed two packages of one title, "all ports" of a store it never saw.
    The title and name say which ports the rows hold."""
    import json
    import zipfile

    from berthcheck.cli import app
    from berthcheck.export.indicators import PACKAGE_NAME
    from tests.test_compare_partner import load_nagoya_boundary

    db = load_nagoya_boundary(runner, tmp_path, "T")
    titles = {}
    for period, port in (("2026-10", None), ("2026-10", "JPNGO"), ("2026-12", None)):
        out = tmp_path / f"ngo-{period}-{port}.zip"
        r = runner.invoke(app, ["--db", db, "export", "indicators", "--period", period,
                                *(["--port", port] if port else []), "--pack",
                                "carb-at-berth-2020", "--out", str(out)])
        assert r.exit_code == 0, r.output
        with zipfile.ZipFile(out) as z:
            d = json.loads(z.read(PACKAGE_NAME))
        titles[(period, port)] = (d["title"], d["name"])
        # a month of no call sent without --port is nobody's: said, with what to give
        assert ("names no port" in r.stderr) == (period == "2026-12"), r.stderr
    assert ("note: no visit in scope, so the package has no rows and names no port: give "
            "--port (e.g. --port JPNGO) so your partner sees whose month without calls it is"
            ) in r.stderr
    assert titles == {
        ("2026-10", None): ("At-berth indicators, all ports (JPNGO), 2026-10",
                            "berthcheck-indicators-all-ports-jpngo-2026-10"),
        ("2026-10", "JPNGO"): ("At-berth indicators, JPNGO, 2026-10",
                               "berthcheck-indicators-jpngo-2026-10"),
        # no visit, so no port to name
        ("2026-12", None): ("At-berth indicators, all ports, 2026-12",
                            "berthcheck-indicators-all-ports-2026-12"),
    }


def test_the_no_regulated_visit_note_names_a_pack_given_by_its_folder_by_its_id(runner,
                                                                               tmp_path):
    """Nagoya exporting with Los Angeles' copy of the CARB pack (`--pack ./carb-copy`) read
    "not_applicable under ./carb-copy": the note named the folder, where the package (and
    `--json`) name the pack by its id."""
    import shutil

    from berthcheck.cli import app
    from berthcheck.resources import rules_dir
    from tests.test_compare_partner import load_nagoya_boundary

    copy = tmp_path / "carb-copy"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", copy)
    db = load_nagoya_boundary(runner, tmp_path, "T")
    r = runner.invoke(app, ["--db", db, "export", "indicators", "--period", "2026-10",
                            "--pack", str(copy), "--out", str(tmp_path / "ngo.zip")])
    assert r.exit_code == 0, r.output
    assert "in scope is not_applicable under carb-at-berth-2020: the package" in r.stderr, \
        r.stderr


def test_a_folder_out_holding_a_loaded_file_stores_no_run(runner, tmp_path):
    # `--out ind` writes ind/indicators.csv: that being a loaded file was refused only after a
    # new run was stored, a usage error that left a run behind
    from tests.conftest import good_visit, write_csv

    db = tmp_path / "bc.duckdb"
    (tmp_path / "ind").mkdir()
    loaded = write_csv(tmp_path / "ind" / "indicators.csv", [good_visit()])
    content = loaded.read_bytes()
    assert runner.invoke(app, ["load", "visits", str(loaded), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["export", "indicators", "--period", "2026-10", "--out",
                                 str(tmp_path / "ind"), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "is a file loaded into the database" in result.output
    assert loaded.read_bytes() == content
    assert not (tmp_path / "ind" / "datapackage.json").exists()
    con = store.connect(db)
    try:
        assert store.scalar(con, "SELECT count(*) FROM runs") == 0
    finally:
        con.close()


def test_a_month_without_visits_does_not_say_its_pack_is_of_the_ports_in_scope(
        runner, sample_month, tmp_path):
    # December holds no visit: the pack is chosen by the loaded visits' ports, which the note
    # called "the ports in scope" though no port was in scope
    db = copy_store(sample_month, tmp_path / "bc.duckdb")

    def notes(*args: str) -> list[str]:
        result = runner.invoke(app, ["export", "indicators", *args, "--db", str(db)])
        assert result.exit_code == 0, result.output
        return [line for line in result.stderr.splitlines() if line.startswith("note: --pack")]

    assert notes("--period", "2026-12", "--out", str(tmp_path / "dec")) == [
        "note: --pack carb-at-berth-2020: the rule pack of the loaded visits' ports, no visit "
        "being in scope (give --pack to choose another)"]
    assert notes("--period", "2026-12", "--port", "USLAX", "--out", str(tmp_path / "lax")) == [
        "note: --pack carb-at-berth-2020: the rule pack of port USLAX, no visit being in scope "
        "(give --pack to choose another)"]
    assert notes("--period", "2026-10", "--out", str(tmp_path / "oct")) == [
        "note: --pack carb-at-berth-2020: the rule pack of the ports in scope (give --pack to "
        "choose another)"]
