"""`export carb-visit-report` (each party) and `export wharfinger`: every column of hand-made
visits across the 2026 fall-back night at Los Angeles, due dates in port-local time, the
incomplete-record listing, formula neutralisation, determinism and `audit verify`."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.audit import verify
from berthcheck.cli import app
from berthcheck.engine.pack import load_pack
from berthcheck.export.carb_visits import export_carb_visit_report
from berthcheck.export.proof import export_records
from berthcheck.export.wharfinger import export_wharfinger
from berthcheck.ingest.adapters import load_adapter
from berthcheck.ingest.load import load_files
from tests.conftest import write_csv

CONTACT = {"operator_address": "1 Harbor Way, Oakland", "operator_email": "ops@linea.example",
           "operator_phone": "+1 510 555 0100"}
NO_CONTACT = {"operator_address": "", "operator_email": "", "operator_phone": ""}
RUN = load_pack("carb-at-berth-2020").label  # the pack id and version results carry


def _visit(**kw) -> dict[str, str]:
    row = {"visit_id": "", "imo": "9321483", "vessel_name": "", "vessel_type": "container",
           "fleet": "", "operator": "", "port": "USLAX", "terminal": "T1", "berth": "B1",
           "arrival": "", "ready_to_work": "", "pilot_on_board": "", "departure": "",
           "shore_power_capable": "yes", "nox_tier": "", "reported_at": "", **NO_CONTACT}
    row.update(kw)
    return row


VISITS = [
    # departs in the second 01:45 of the fall-back night (PST); shifts to B2 at 03:00 PST
    _visit(visit_id="V1", vessel_name="LINE A ONE", fleet="Line A Fleet", operator="Line A",
           nox_tier="2", arrival="2026-10-31T08:00:00-07:00",
           ready_to_work="2026-10-31T10:00:00-07:00", pilot_on_board="2026-11-01T01:30:00-08:00",
           departure="2026-11-01T01:45:00-08:00", reported_at="2026-11-20 10:00", **CONTACT),
    _visit(visit_id="V1b", vessel_name="LINE A ONE", fleet="Line A Fleet", operator="Line A",
           nox_tier="2", berth="B2", arrival="2026-11-01T03:00:00-08:00",
           ready_to_work="2026-11-01 05:00", pilot_on_board="2026-11-02 09:00",
           departure="2026-11-02 10:00", reported_at="2026-12-05 09:00", **CONTACT),
    # a late-evening departure: local 30 November, UTC 1 December
    _visit(visit_id="V2", imo="9074729", vessel_name="@SUM(1+1)", terminal="T2", berth="B7",
           arrival="2026-11-29 06:00", pilot_on_board="2026-11-30 19:00",
           departure="2026-11-30 20:00"),
    _visit(visit_id="V3", imo="9176187", vessel_name="BULK THREE", vessel_type="bulk",
           fleet="Bulk Fleet", operator="Bulk Co", nox_tier="1", terminal="T3", berth="B9",
           arrival="2026-11-10 06:00", departure="2026-11-12 06:00", **CONTACT),
    _visit(visit_id="V4", imo="9289001", vessel_name="INNOVATOR", fleet="Line A Fleet",
           operator="Line A", nox_tier="3", arrival="2026-11-15 06:00",
           ready_to_work="2026-11-15 08:00", pilot_on_board="2026-11-16 05:00",
           departure="2026-11-16 06:00", **CONTACT),
]
SHORE_POWER = [{"visit_id": "V1", "connected": "2026-10-31T11:00:00-07:00",
                "disconnected": "2026-11-01T01:10:00-08:00", "energy_kwh": "12000"}]
CAPTURE = [{"visit_id": "V2", "system_id": "EO-1", "provider": "-Acme Capture",
            "started": "2026-11-29 10:00", "ended": "2026-11-30 18:00",
            "nox_inlet_ppm": "900", "nox_outlet_ppm": "30"}]
EVENTS = [{"visit_id": "V4", "kind": "innovative_concept", "start": "", "end": "",
           "reference": "IC-2026-7", "approval_ref": "CARB-IC-7", "note": ""}]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("carb-export")
    path = folder / "x.duckdb"
    con = store.connect(path)
    for kind, rows in (("visits", VISITS), ("shore-power", SHORE_POWER),
                       ("capture", CAPTURE), ("events", EVENTS)):
        load_files(con, kind, [write_csv(folder / f"{kind}.csv", rows)])
    con.close()
    return path


def _export(db, tmp_path, name, **kw):
    con = store.connect(db)
    try:
        outcome = export_carb_visit_report(con, out=tmp_path / name, period="2026-11", **kw)
    finally:
        con.close()
    return outcome


def _rows(path: Path) -> dict[str, dict[str, str]]:
    return {r["visit_id"]: r for r in csv.DictReader(io.StringIO(path.read_text("utf-8")))}


def test_vessel_report_every_column(db, tmp_path):
    outcome = _export(db, tmp_path, "vessel.csv", party="vessel")
    rows = _rows(tmp_path / "vessel.csv")
    assert set(rows) == {"V1", "V1b", "V2", "V3", "V4"} and outcome.rows == 5
    run = outcome.run_id
    assert rows["V1"] == {
        "visit_id": "V1", "fleet": "Line A Fleet", "vessel_name": "LINE A ONE",
        "imo": "9321483", "vessel_type": "container", "nox_tier": "2",
        "vessel_operator_name": "Line A", "vessel_operator_address": "1 Harbor Way, Oakland",
        "vessel_operator_email": "ops@linea.example",
        "vessel_operator_phone": "'+1 510 555 0100",  # a leading + is neutralised too
        "port": "USLAX", "terminal": "T1", "berth": "B1", "time_zone": "America/Los_Angeles",
        "arrival_local": "2026-10-31T08:00:00-07:00",
        "departure_local": "2026-11-01T01:45:00-08:00",  # the second 01:45 (PST)
        "berth_shift_from": "", "berth_shift_to": "T1/B2 (V1b)",
        "caecs_type": "shore power",
        "ready_to_work_local": "2026-10-31T10:00:00-07:00",
        "caecs_begin_local": "2026-10-31T11:00:00-07:00",
        "caecs_end_local": "2026-11-01T01:10:00-08:00",
        "pilot_on_board_local": "2026-11-01T01:30:00-08:00",
        "exceptions_used": "", "exception_references": "", "approval_references": "",
        "claims": "", "verdict": "compliant", "basis": "controlled", "uncontrolled_hours": "0.0000",
        "uncontrolled_minutes": "0.0000",
        "responsible": "", "reason": "", "due_date": "2026-12-01",
        "reported_at_local": "2026-11-20T10:00:00-08:00", "reported_late": "false",
        "record_complete": "true", "missing_fields": "", "pack": RUN, "run_id": run,
        **({"violation_days": rows["V1"]["violation_days"]}
           if "violation_days" in rows["V1"] else {}),
    }
    v1b = rows["V1b"]
    assert v1b["berth_shift_from"] == "T1/B1 (V1)" and v1b["berth_shift_to"] == ""
    assert v1b["verdict"] == "non_compliant" and v1b["caecs_type"] == ""
    # no control: CAECS times are not applicable, so not missing
    assert v1b["record_complete"] == "true" and v1b["missing_fields"] == ""
    assert v1b["due_date"] == "2026-12-02" and v1b["reported_late"] == "true"
    v2 = rows["V2"]
    # local 30 November 20:00 PST is 1 December in UTC: the due date counts from local days
    assert v2["departure_local"] == "2026-11-30T20:00:00-08:00"
    assert v2["due_date"] == "2026-12-30"
    assert v2["vessel_name"] == "'@SUM(1+1)"  # neutralised, not a formula
    assert v2["verdict"] == "insufficient_data" and v2["reported_late"] == ""
    assert v2["caecs_type"] == "capture (EO-1)"
    assert v2["caecs_begin_local"] == "2026-11-29T10:00:00-08:00"
    assert v2["record_complete"] == "false"
    assert v2["missing_fields"] == ("fleet;nox_tier;vessel_operator_name;vessel_operator_address;"
                                    "vessel_operator_email;vessel_operator_phone;"
                                    "ready_to_work_local")
    # bulk: reports its visit; Ready to Work not required (no control duty)
    assert rows["V3"]["verdict"] == "not_applicable" and rows["V3"]["record_complete"] == "true"
    v4 = rows["V4"]
    assert (v4["exceptions_used"], v4["exception_references"], v4["approval_references"]) == (
        "innovative_concept", "IC-2026-7", "CARB-IC-7")
    assert v4["claims"] == "innovative_concept whole visit reference IC-2026-7 approval CARB-IC-7"
    assert v4["verdict"] == "exempt"


def test_vessel_report_sidecar_marks_unconfirmed_fields(db, tmp_path):
    _export(db, tmp_path, "v.csv", party="vessel")
    fields = {r["column"]: r for r in csv.DictReader((tmp_path / "v.fields.csv").open())}
    assert fields["fleet"]["status"] == "confirmed"
    assert fields["fleet"]["source"] == "17 CCR § 93130.7(e)(4) item 1"
    assert fields["caecs_end_local"]["source"] == "17 CCR § 93130.7(e)(4) item 12"
    for name in ("pilot_on_board_local", "exceptions_used", "approval_references"):
        assert fields[name]["status"] == "UNCONFIRMED" and fields[name]["note"]
    assert list(fields)[: 3] == ["visit_id", "fleet", "vessel_name"]


def test_fleet_scope_and_terminal_party(db, tmp_path):
    _export(db, tmp_path, "fleet.csv", party="vessel", fleet="line a FLEET")
    assert set(_rows(tmp_path / "fleet.csv")) == {"V1", "V1b", "V4"}
    _export(db, tmp_path, "t1.csv", party="terminal", terminal="t1")
    rows = _rows(tmp_path / "t1.csv")
    assert set(rows) == {"V1", "V1b", "V4"}
    assert "fleet" not in rows["V1"] and "terminal_operator_name" in rows["V1"]
    # the working list: the vessel report's confirmed items; terminal contacts not required
    assert rows["V1"]["record_complete"] == "true"
    fields = list(csv.DictReader((tmp_path / "t1.fields.csv").open()))
    assert {f["status"] for f in fields if f["source"].startswith("17 CCR")
            and f["column"] != "due_date"} == {"UNCONFIRMED"}


def test_caecs_party_by_provider(db, tmp_path):
    _export(db, tmp_path, "caecs.csv", party="caecs", provider="-acme capture")
    rows = _rows(tmp_path / "caecs.csv")
    assert set(rows) == {"V2"}
    r = rows["V2"]
    assert (r["caecs_system_id"], r["caecs_provider"]) == ("EO-1", "'-Acme Capture")
    assert (r["nox_inlet_ppm"], r["nox_outlet_ppm"]) == ("900.0000", "30.0000")
    assert r["caecs_end_local"] == "2026-11-30T18:00:00-08:00"
    assert r["due_date"] == "2026-12-30"
    # § 93130.12(b)(3)(A)-(G) are required; Ready to Work is not a confirmed CAECS item
    assert r["missing_fields"] == (
        "nox_tier;vessel_operator_name;vessel_operator_address;vessel_operator_email;"
        "vessel_operator_phone;terminal_operator_name;terminal_operator_address;"
        "terminal_operator_email;terminal_operator_phone")


def test_xlsx_notes_unconfirmed_headers_and_writes_text_not_formulas(db, tmp_path):
    _export(db, tmp_path, "v.xlsx", party="vessel")
    with zipfile.ZipFile(tmp_path / "v.xlsx") as z:
        names = z.namelist()
        comments = "".join(z.read(n).decode() for n in names if "comments" in n)
        sheets = "".join(z.read(n).decode() for n in names if n.startswith("xl/worksheets/"))
        strings = z.read("xl/sharedStrings.xml").decode()
    assert "UNCONFIRMED" in comments and "<f>" not in sheets
    assert "&apos;@SUM(1+1)" in strings or "'@SUM(1+1)" in strings
    import polars as pl

    frame = pl.read_excel(tmp_path / "v.xlsx", sheet_name="vessel-visits")
    assert frame.filter(pl.col("visit_id") == "V2")["due_date"].item() == "2026-12-30"


def test_exports_are_byte_identical_from_a_fresh_and_a_stored_run(db, tmp_path):
    first = _export(db, tmp_path / "a", "v.xlsx", party="vessel")
    second = _export(db, tmp_path / "b", "v.xlsx", party="vessel")
    assert second.reused_run  # read back from the runs table
    assert (tmp_path / "a/v.xlsx").read_bytes() == (tmp_path / "b/v.xlsx").read_bytes()
    assert first.export_id == second.export_id


def test_audit_verify_rebuilds_the_exports(db, tmp_path):
    outcome = _export(db, tmp_path, "vessel.csv", party="vessel")
    con = store.connect(db)
    try:
        report = verify(con, outcome.run_id)
        assert report.ok, report.lines()
        assert any("carb-visit-report" in m and "byte-identical" in m for m in report.matched)
        # a file that is not what the export wrote is named
        record = next(r for r in export_records(con) if r.export_id == outcome.export_id)
        record.files["vessel.csv"] = "0" * 64
        store.run(con, "UPDATE exports SET files = ? WHERE export_id = ?",
                  [json.dumps(record.files), outcome.export_id])
        bad = verify(con, outcome.run_id)
        assert not bad.ok and any(m.what == "export" for m in bad.mismatches)
    finally:
        con.close()
    _export(db, tmp_path, "vessel.csv", party="vessel")  # the record is written again


def test_wharfinger_every_column_and_counts_load_back(db, tmp_path):
    con = store.connect(db)
    try:
        outcome = export_wharfinger(con, year="2026", port="uslax", out=tmp_path / "w.csv")
        rows = _rows(tmp_path / "w.csv")
        assert list(rows) == ["V1", "V1b", "V3", "V4", "V2"]  # by arrival
        assert rows["V1"] == {
            "visit_id": "V1", "vessel_name": "LINE A ONE", "vessel_type": "container",
            "vessel_operator_name": "Line A", "vessel_operator_address": "1 Harbor Way, Oakland",
            "vessel_operator_email": "ops@linea.example",
            "vessel_operator_phone": "'+1 510 555 0100", "imo": "9321483", "port": "USLAX",
            "terminal": "T1", "berth": "B1", "time_zone": "America/Los_Angeles",
            "tied_local": "2026-10-31T08:00:00-07:00",
            "released_local": "2026-11-01T01:45:00-08:00", "innovative_concept": "false",
            "due_date": "2027-01-31", "record_complete": "true", "missing_fields": "",
            "pack": RUN, "run_id": outcome.run_id,
        }
        assert rows["V2"]["missing_fields"] == ("vessel_operator_name;vessel_operator_address;"
                                                "vessel_operator_email;vessel_operator_phone")
        assert rows["V4"]["innovative_concept"] == "true"
        counts = list(csv.DictReader((tmp_path / "w-visit_counts.csv").open()))
        assert [(c["holder"], c["vessel_type"], c["visits"], c["innovative_concept_visits"])
                for c in counts] == [("T1", "container", "2", "1"), ("T2", "container", "1", "0"),
                                     ("T3", "bulk", "1", "0")]
        assert {c["source"] for c in counts} == {"wharfinger"}
        report = load_files(con, "visit-counts", [tmp_path / "w-visit_counts.csv"])
        assert sum(f.inserted for f in report.files) == 3
    finally:
        con.close()


def test_wharfinger_export_loads_back_as_wharfinger_data(db, tmp_path):
    # the file a port exports is the § 93130.13(d) layout: `load wharfinger` read none of its
    # time columns (tied_local, released_local) nor its vessel_operator_* contact columns
    con = store.connect(db)
    try:
        export_wharfinger(con, year="2026", port="USLAX", out=tmp_path / "w.csv")
        wanted = store.run(con, (
            "SELECT imo, berth, terminal, operator, arrival, departure FROM visits "
            "WHERE port = 'USLAX' AND year(departure AT TIME ZONE 'America/Los_Angeles') = 2026 "
            "ORDER BY imo, arrival"))
    finally:
        con.close()
    back = store.connect(tmp_path / "back.duckdb")
    try:
        load_adapter(back, "wharfinger", [tmp_path / "w.csv"])
        assert store.run(back, "SELECT imo, berth, terminal, operator, arrival, departure "
                               "FROM visits ORDER BY imo, arrival") == wanted
        extra = json.loads(store.scalar(back, "SELECT extra FROM visits WHERE imo = '9321483' "
                                              "ORDER BY arrival LIMIT 1"))
        assert extra["wharfinger"]["operator_email"] == "ops@linea.example"
    finally:
        back.close()


def test_cli_usage_errors(db, tmp_path, runner):
    def run(*args):
        return runner.invoke(app, ["export", *args, "--db", str(db)])

    r = run("carb-visit-report", "--party", "port", "--period", "2026-11", "--out",
            str(tmp_path / "x.csv"))
    assert r.exit_code == 2 and "--party must be" in r.stderr
    r = run("carb-visit-report", "--party", "vessel", "--period", "2026-11", "--terminal", "T1",
            "--out", str(tmp_path / "x.csv"))
    assert r.exit_code == 2 and "takes --fleet and --operator only" in r.stderr
    r = run("carb-visit-report", "--party", "vessel", "--period", "2026-11", "--fleet",
            "Line B", "--out", str(tmp_path / "x.csv"))
    assert r.exit_code == 2 and "closest known: 'Line A Fleet'" in r.stderr  # as check says it
    r = run("wharfinger", "--year", "26", "--port", "USLAX", "--out", str(tmp_path / "w.csv"))
    assert r.exit_code == 2 and "--year must be YYYY" in r.stderr
    # digits of another script: named as --year's problem, never as a --period the user gave not
    r = run("wharfinger", "--year", "\uff12\uff10\uff12\uff16", "--port", "USLAX", "--out",
            str(tmp_path / "w.csv"))
    assert r.exit_code == 2 and "--year must be YYYY" in r.stderr
    r = run("fueleu-calls", "--period", "2026-11", "--out", str(tmp_path / "x.pdf"))
    assert r.exit_code == 2 and "must be .csv or .xlsx" in r.stderr
    assert not list(tmp_path.glob("x.*"))
    r = run("carb-visit-report", "--party", "vessel", "--period", "2026-11", "--out",
            str(tmp_path / "ok.csv"))
    assert r.exit_code == 0, r.output
    assert "carb-visit-report: 5 rows, 1 incomplete" in r.stdout


def test_same_bytes_in_another_time_zone(db, tmp_path):
    import os
    import subprocess
    import sys

    _export(db, tmp_path, "here.csv", party="vessel")
    env = {**os.environ, "TZ": "Pacific/Auckland"}
    subprocess.run([sys.executable, "-m", "berthcheck", "export", "carb-visit-report",
                    "--party", "vessel", "--period", "2026-11", "--db", str(db),
                    "--out", str(tmp_path / "there.csv")], env=env, check=True,
                   capture_output=True)
    assert (tmp_path / "here.csv").read_bytes() == (tmp_path / "there.csv").read_bytes()


def test_indicator_months_follow_port_local_departure(db, tmp_path):
    from berthcheck.export.indicators import export_indicators

    con = store.connect(db)
    try:
        export_indicators(con, period="2026-11", out=tmp_path / "ind")
    finally:
        con.close()
    rows = list(csv.DictReader((tmp_path / "ind/indicators.csv").open()))
    # V2 leaves at 20:00 PST on 30 November, 04:00 UTC on 1 December: a November visit
    assert [(r["month"], r["vessel_type"], r["visits"], r["regulated_visits"],
             r["insufficient_data_visits"], r["exempt_visits"]) for r in rows] == [
        ("2026-11", "bulk", "1", "0", "0", "0"),
        ("2026-11", "container", "4", "2", "1", "1")]
    container = rows[1]
    assert container["compliance_rate"] == "50.0000"  # V1 compliant, V1b not
    assert container["shore_power_kwh"] == "12000.0000"  # metered
    assert container["shore_power_kwh_metered_share"] == "100.0000"


def test_an_export_onto_a_loaded_file_is_refused(tmp_path, runner):
    from tests.conftest import good_visit

    db = tmp_path / "bc.duckdb"
    visits = write_csv(tmp_path / "visits.csv", [good_visit()])
    content = visits.read_bytes()
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["export", "carb-visit-report", "--party", "vessel", "--period",
                                 "2026-10", "--out", str(visits), "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert "is a file loaded into the database" in result.output
    assert visits.read_bytes() == content
    assert not (tmp_path / "visits.fields.csv").exists()  # nothing of the export is written


@pytest.mark.parametrize(("export", "loaded_name"), [
    (["carb-visit-report", "--party", "vessel", "--period", "2026-10"], "out.fields.csv"),
    (["wharfinger", "--year", "2026", "--port", "USLAX"], "out-visit_counts.csv"),
    (["wharfinger", "--year", "2026", "--port", "USLAX"], "out.fields.csv"),
    (["fueleu-calls", "--period", "2026-10"], "out.fields.csv"),
])
def test_an_export_whose_other_file_is_loaded_stores_no_run(tmp_path, runner, export,
                                                             loaded_name):
    # `--out out.csv` also writes out.fields.csv (and wharfinger's out-visit_counts.csv): that
    # name being a loaded file was refused only after a new run was stored, a usage error that
    # left a run behind
    from tests.conftest import good_visit

    db = tmp_path / "bc.duckdb"
    loaded = write_csv(tmp_path / loaded_name, [good_visit()])
    content = loaded.read_bytes()
    assert runner.invoke(app, ["load", "visits", str(loaded), "--db", str(db)]).exit_code == 0
    result = runner.invoke(app, ["export", *export, "--out", str(tmp_path / "out.csv"),
                                 "--db", str(db)])
    assert result.exit_code == 2, result.output
    assert f"--out {tmp_path / loaded_name}" in result.output
    assert "is a file loaded into the database" in result.output
    assert loaded.read_bytes() == content
    assert not (tmp_path / "out.csv").exists()
    con = store.connect(db)
    try:
        assert store.scalar(con, "SELECT count(*) FROM runs") == 0
    finally:
        con.close()


def test_exports_refuse_a_missing_folder_unless_mkdir(db, tmp_path, runner):
    # every other command refuses a missing output folder unless --mkdir; the exports created
    # it silently
    def run(*args):
        return runner.invoke(app, ["export", *args, "--db", str(db)])

    missing = tmp_path / "no" / "such"
    for args in (("carb-visit-report", "--party", "vessel", "--period", "2026-11", "--out",
                  str(missing / "v.csv")),
                 ("wharfinger", "--year", "2026", "--port", "USLAX", "--out",
                  str(missing / "w.xlsx")),
                 ("fueleu-calls", "--period", "2026-11", "--out", str(missing / "f.csv")),
                 ("indicators", "--period", "2026-11", "--out", str(missing / "ind"))):
        r = run(*args)
        assert r.exit_code == 2, (args, r.output)
        assert "does not exist" in r.stderr and "--mkdir" in r.stderr, r.stderr
    assert not (tmp_path / "no").exists()
    r = run("carb-visit-report", "--party", "vessel", "--period", "2026-11", "--out",
            str(missing / "v.csv"), "--mkdir")
    assert r.exit_code == 0, r.output
    assert (missing / "v.csv").is_file()
    # a folder --out is itself the output: made when its parent exists
    r = run("indicators", "--period", "2026-11", "--out", str(tmp_path / "ind"))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "ind" / "datapackage.json").is_file()


def test_an_export_appears_whole_or_not_at_all(db, tmp_path, runner):
    # a CSV export is several files (v.csv, v.fields.csv): when the later one cannot be
    # written, the earlier one must not replace the old export's file alone
    def exports():
        listed = runner.invoke(app, ["export", "list", "--json", "--db", str(db)])
        assert listed.exit_code == 0, listed.output
        return json.loads(listed.stdout)

    before = exports()
    (tmp_path / "v.csv").write_text("old export\n")
    (tmp_path / "v.fields.csv").mkdir()  # a folder where the sidecar goes
    result = runner.invoke(app, ["export", "carb-visit-report", "--party", "vessel", "--period",
                                 "2026-11", "--out", str(tmp_path / "v.csv"), "--db", str(db)])
    assert result.exit_code != 0, result.output
    assert "v.fields.csv" in result.output and "Traceback" not in result.output
    assert (tmp_path / "v.csv").read_text() == "old export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.csv", "v.fields.csv"]
    assert exports() == before  # a failed export is not recorded


def test_text_that_looks_like_a_time_stays_text_in_an_export_of_a_stored_run(tmp_path):
    """A vessel named "2026-10-01 12:00Z" (an operator spelled as an instant): the export of a
    stored run read every text column whose values all looked like instants back as times, so
    the run it built from was not the run the check gave (and stored, and `audit verify`
    rebuilds from)."""
    from berthcheck.engine import check
    from berthcheck.engine.scope import parse_scope
    from berthcheck.export.source import obtain_run

    visits = [_visit(visit_id="T1", vessel_name="2026-10-01 12:00Z",
                     operator="2026-10-01T12:00:00+00:00", fleet="Timestamp Fleet",
                     nox_tier="2", arrival="2026-11-03 06:00", ready_to_work="2026-11-03 08:00",
                     pilot_on_board="2026-11-04 05:00", departure="2026-11-04 06:00",
                     **CONTACT)]
    db = tmp_path / "t.duckdb"
    con = store.connect(db)
    try:
        load_files(con, "visits", [write_csv(tmp_path / "visits.csv", visits)])
    finally:
        con.close()
    fresh = _export(db, tmp_path / "a", "v.csv", party="vessel", fleet="timestamp fleet")
    stored = _export(db, tmp_path / "b", "v.csv", party="vessel", fleet="timestamp fleet")
    assert not fresh.reused_run and stored.reused_run
    assert (tmp_path / "a/v.csv").read_bytes() == (tmp_path / "b/v.csv").read_bytes()
    assert _rows(tmp_path / "b/v.csv")["T1"]["vessel_name"] == "2026-10-01 12:00Z"
    con = store.connect(db)
    try:
        scope = parse_scope("2026-11", None, None, None, None, "Timestamp Fleet")
        run = obtain_run(con, scope, "carb-at-berth-2020")
        assert run.reused and run.run_id == stored.run_id
        given = check(con, load_pack("carb-at-berth-2020"), scope=scope).results
        assert run.results.schema == given.schema
        assert run.results.row(0, named=True)["vessel_name"] == "2026-10-01 12:00Z"
        assert run.results.row(0, named=True)["operator"] == "2026-10-01T12:00:00+00:00"
        report = verify(con, stored.run_id)
        assert report.ok, report.lines()
        assert any("carb-visit-report" in m and "byte-identical" in m for m in report.matched)
    finally:
        con.close()


@pytest.mark.parametrize(("option", "party", "value", "stored"), [
    ("--fleet", "vessel", "  line a FLEET ", "Line A Fleet"),
    ("--fleet", "vessel", "LINEAFLEET", "Line A Fleet"),
    ("--fleet", "vessel", "Line_A_Fleet", None),  # not a spelling check accepts
    ("--fleet", "vessel", "Line-A Fleet", None),
    ("--terminal", "terminal", " t1 ", "T1"),
    ("--port", "vessel", " uslax", "USLAX"),
    ("--port", "vessel", "US-LAX", None),
])
def test_scope_values_match_as_check_matches_them(db, tmp_path, runner, option, party, value,
                                                  stored):
    """An export's --port/--terminal/--fleet match the loaded values as `check`'s do
    (engine/scope.py `resolve_value`: ignoring case and spaces); the exports also ignored `-`
    and `_`, so a value check refused exported."""
    checked = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-11", option, value,
                                  "--json"])
    exported = runner.invoke(app, ["export", "carb-visit-report", "--party", party, "--period",
                                   "2026-11", option, value, "--out", str(tmp_path / "v.csv"),
                                   "--db", str(db)])
    assert exported.exit_code == checked.exit_code, (checked.output, exported.output)
    if stored is None:
        assert exported.exit_code == 2 and "matches no loaded visit" in exported.stderr
        assert "Traceback" not in exported.output and not list(tmp_path.iterdir())
        return
    assert json.loads(checked.stdout)["scope"][option[2:]] == stored
    con = store.connect(db)
    try:
        (record,) = [r for r in export_records(con) if r.parameters.get("out") == "v.csv"
                     and r.parameters["party"] == party and r.parameters[option[2:]] == stored]
    finally:
        con.close()
    assert record.run_id in exported.stdout


@pytest.mark.parametrize("value", ["-acme capture", "  -ACME CAPTURE "])
def test_provider_matches_ignoring_case_and_spaces(db, tmp_path, value):
    outcome = _export(db, tmp_path, "c.csv", party="caecs", provider=value)
    assert outcome.rows == 1
    assert _rows(tmp_path / "c.csv")["V2"]["caecs_provider"] == "'-Acme Capture"


@pytest.mark.parametrize("option", ["--port", "--fleet", "--provider"])
def test_an_empty_or_unknown_option_value_is_a_usage_error(db, tmp_path, runner, option):
    party = {"--fleet": "vessel", "--provider": "caecs", "--port": "vessel"}[option]
    base = ["export", "carb-visit-report", "--party", party, "--period", "2026-11", "--out",
            str(tmp_path / "v.csv"), "--db", str(db)]
    r = runner.invoke(app, [*base, option, "  "])
    assert r.exit_code == 2 and f"{option} is empty" in r.stderr, r.output
    r = runner.invoke(app, [*base, option, "Acme Captur"])
    assert r.exit_code == 2 and "matches no loaded" in r.stderr, r.output
    assert not list(tmp_path.iterdir())


def test_an_export_of_a_scope_without_visits_warns_as_check_does(db, tmp_path, runner):
    """`check` and `report` warn of a scope with no visit (a mistyped period); the exports
    wrote an empty file and said nothing but "0 rows"."""
    r = runner.invoke(app, ["export", "carb-visit-report", "--party", "vessel", "--period",
                            "2025-01", "--out", str(tmp_path / "v.csv"), "--db", str(db)])
    assert r.exit_code == 0, r.output
    assert "warning: no visit in scope (period 2025-01)" in r.stderr
    assert "carb-visit-report: 0 rows" in r.stdout and "warning" not in r.stdout


def test_json_gives_scripts_the_export_id_run_files_and_their_sha256(db, tmp_path, runner):
    import hashlib

    r = runner.invoke(app, ["export", "carb-visit-report", "--party", "vessel", "--period",
                            "2026-11", "--out", str(tmp_path / "v.csv"), "--db", str(db),
                            "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)  # nothing but the JSON on standard output
    assert got["kind"] == "carb-visit-report" and got["rows"] == 5 and got["incomplete"] == 1
    assert got["visits"] == 5 and got["notes"] == []
    # the run's warnings, as `check` gives them: here only the empty tables the pack reads
    assert got["warnings"] and all(" table: " in line for line in got["warnings"])
    assert got["files"] == {
        str(tmp_path / name): hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
        for name in ("v.csv", "v.fields.csv")}
    listed = json.loads(runner.invoke(app, ["export", "list", "--json", "--db", str(db)]).stdout)
    (record,) = [x for x in listed if x["export_id"] == got["export_id"]]
    assert record["run_id"] == got["run_id"]
    assert sorted(record["files"].values()) == sorted(got["files"].values())
    empty = runner.invoke(app, ["export", "wharfinger", "--year", "2025", "--port", "uslax",
                                "--out", str(tmp_path / "w.csv"), "--db", str(db), "--json"])
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.stdout)["warnings"] == [
        *got["warnings"], "no visit in scope (period 2025, port USLAX)"]


def test_visits_outside_california_are_no_rows_of_the_carb_visit_report(tmp_path, runner):
    """A line's store holds its Los Angeles and its Rotterdam calls: the fleet's CARB visit
    report listed the Rotterdam call too (port_not_covered, due in 30 days), a row to send CARB
    for a visit it does not regulate, and said nothing since another row was judged. Only
    visits to ports flagged carb_at_berth are rows; the others are counted in a note."""
    from tests.conftest import good_visit

    db = tmp_path / "line.duckdb"
    visits = write_csv(tmp_path / "v.csv", [
        good_visit(visit_id="LAX-1", fleet="Pacific Meridian Lines"),
        good_visit(visit_id="RTM-1", imo="9310018", port="NLRTM", terminal="ECT",
                   fleet="Pacific Meridian Lines"),
        good_visit(visit_id="RTM-2", imo="9310032", port="NLRTM", terminal="ECT",
                   fleet="Pacific Meridian Lines", arrival="2026-10-10 06:00",
                   ready_to_work="2026-10-10 08:00", pilot_on_board="2026-10-11 05:00",
                   departure="2026-10-11 06:00")])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(db)]).exit_code == 0
    out = tmp_path / "cvr.csv"
    r = runner.invoke(app, ["export", "carb-visit-report", "--party", "vessel", "--period",
                            "2026-10", "--fleet", "pacific meridian lines", "--db", str(db),
                            "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    assert (got["rows"], got["visits"]) == (1, 3)
    assert got["notes"] == [
        "2 visit(s) in scope at ports CARB At-Berth does not cover left out (NLRTM 2): a CARB "
        "visit report is for visits to California ports (the ports table's carb_at_berth)"]
    with open(out, newline="", encoding="utf-8") as fh:
        assert [row["visit_id"] for row in csv.DictReader(fh)] == ["LAX-1"]


def test_a_report_of_visits_carb_does_not_regulate_is_warned_of(tmp_path, runner):
    """A Rotterdam store's CARB visit report listed every call as not_applicable without a word,
    as if it were a report to send; `fueleu-calls` warns the other way round (r16-EX)."""
    from tests.conftest import good_visit

    db = tmp_path / "rtm.duckdb"
    visits = write_csv(tmp_path / "v.csv", [good_visit(port="NLRTM", terminal="ECT")])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["export", "carb-visit-report", "--party", "vessel", "--period",
                            "2026-10", "--db", str(db), "--out", str(tmp_path / "cvr.csv")])
    assert r.exit_code == 0, r.output
    assert ("warning: every one of the 1 visit(s) in scope is not_applicable under "
            "carb-at-berth-2020" in r.stderr), r.stderr


def test_verify_says_where_an_export_that_rebuilds_otherwise_differs(tmp_path, runner):
    """An auditor's visit-report export recorded before the report held California visits
    only: `audit verify` said only `sha256 ... recorded, ... rebuilt`, as it would of a file
    that was tampered with. When the run's results and findings recompute the same, the
    difference is not in the run: verify says so, what the rebuild now leaves out, and how to
    check the file held; when they do not, that the export was rebuilt from results that
    differ from the run's."""
    from tests.conftest import good_visit

    db = tmp_path / "line.duckdb"
    visits = write_csv(tmp_path / "v.csv", [
        good_visit(visit_id="LAX-1", fleet="Pacific Meridian Lines"),
        good_visit(visit_id="RTM-1", imo="9310018", port="NLRTM", terminal="ECT",
                   fleet="Pacific Meridian Lines")])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(db)]).exit_code == 0
    made = runner.invoke(app, ["export", "carb-visit-report", "--party", "vessel", "--period",
                               "2026-10", "--db", str(db), "--out", str(tmp_path / "cvr.csv"),
                               "--json"])
    assert made.exit_code == 0, made.output
    run_id = json.loads(made.stdout)["run_id"]
    con = store.connect(db)
    try:
        # the file as an earlier berthcheck wrote it (the Rotterdam call a row): another sha256
        store.run(con, "UPDATE exports SET files = replace(files, ?, ?)",
                  [json.loads(made.stdout)["files"][str(tmp_path / "cvr.csv")], "0" * 64])
        report = verify(con, run_id)
    finally:
        con.close()
    (export,) = [m for m in report.mismatches if m.what == "export"]
    assert report.mismatches == [export]  # the run itself verifies
    text = "\n".join(export.details)
    assert "cvr.csv: sha256 0000000000000000... recorded" in text
    assert ("the run's results and findings are recomputed the same: the difference is not "
            "in the run's results") in text
    assert "this berthcheck writes this export otherwise than the one that wrote it" in text
    assert "`sha256sum`" in text and "`berthcheck export list`" in text
    assert ("the rebuild: 1 visit(s) in scope at ports CARB At-Berth does not cover left out "
            "(NLRTM 1)") in text


def test_caecs_operator_is_named_only_where_the_uncontrolled_time_is_its_captures(tmp_path):
    """The CAECS operator's visit report named it responsible for every non-compliant visit with
    a capture session (pack 1.2.7): SP-FIRST's late connection (W 10-01 10:00, shore power from
    12:00, capture taking over from 18:00 to W's end) is shore power's delay, not the capture
    operator's (§ 93130.18 Table 6, § 93130.12(b)(2); docs/regulations-carb.md 11.1).
    CAP-LATE's capture began at 12:00 itself: its operator answers."""
    from tests.conftest import good_visit

    folder = tmp_path
    rows = {
        "berths": [{"port": "USLAX", "terminal": "TRAPAC", "berth": "B136",
                    "shore_power": "yes", "capture_available": "yes"}],
        "caecs": [{"system_id": "EO-1", "name": "Barge", "approved_from": "2024-01-01",
                   "approved_to": ""}],
        "visits": [good_visit(visit_id="SP-FIRST"),
                   good_visit(visit_id="CAP-LATE", imo="9074729")],
        "shore-power": [{"visit_id": "SP-FIRST", "connected": "2026-10-01 12:00",
                         "disconnected": "2026-10-01 18:00"}],
        "capture": [{"visit_id": v, "system_id": "EO-1", "provider": "Acme Capture",
                     "started": start, "ended": "2026-10-03 04:00",
                     "nox_inlet_ppm": "900", "nox_outlet_ppm": "30"}
                    for v, start in (("SP-FIRST", "2026-10-01 18:00"),
                                     ("CAP-LATE", "2026-10-01 12:00"))],
    }
    con = store.connect(folder / "x.duckdb")
    try:
        for kind, kind_rows in rows.items():
            load_files(con, kind, [write_csv(folder / f"{kind}.csv", kind_rows)])
        export_carb_visit_report(con, out=folder / "caecs-visits.csv", period="2026-10",
                                 party="caecs")
    finally:
        con.close()
    got = {v: (r["verdict"], r["uncontrolled_hours"], r["responsible"])
           for v, r in _rows(folder / "caecs-visits.csv").items()}
    assert got == {"SP-FIRST": ("non_compliant", "2.0000", "vessel+terminal"),
                   "CAP-LATE": ("non_compliant", "2.0000", "vessel+terminal+caecs_operator")}


def test_due_dates_follow_the_2023_reporting_extension_as_ab17_does(tmp_path):
    """CARB's 2023 enforcement notices made no visit report due before 1 May 2023 (parameter
    reports_due_not_before, UNCONFIRMED; docs/regulations-carb.md 11.2). EARLY departs
    2023-02-10 (port-local): departure + 30 = 03-12, due 05-01; reported 04-20 -> not late (was
    due 2023-03-12, reported_late true). LATER departs 04-15: + 30 = 05-15 (after 05-01)."""
    from tests.conftest import good_visit

    visits = [good_visit(visit_id="EARLY", arrival="2023-02-09 06:00",
                         ready_to_work="2023-02-09 08:00", pilot_on_board="2023-02-10 18:00",
                         departure="2023-02-10 19:00", reported_at="2023-04-20 10:00"),
              good_visit(visit_id="LATER", imo="9074729", arrival="2023-04-14 06:00",
                         ready_to_work="2023-04-14 08:00", pilot_on_board="2023-04-15 18:00",
                         departure="2023-04-15 19:00", reported_at="2023-05-16 10:00")]
    con = store.connect(tmp_path / "x.duckdb")
    try:
        load_files(con, "visits", [write_csv(tmp_path / "visits.csv", visits)])
        export_carb_visit_report(con, out=tmp_path / "vessel-visits.csv", period="2023",
                                 party="vessel")
    finally:
        con.close()
    got = {v: (r["due_date"], r["reported_late"])
           for v, r in _rows(tmp_path / "vessel-visits.csv").items()}
    assert got == {"EARLY": ("2023-05-01", "false"), "LATER": ("2023-05-15", "true")}


def test_wharfinger_data_of_a_port_carb_does_not_cover_is_refused(tmp_path, runner):
    """Wharfinger data (§ 93130.13(d)) is what a California port sends CARB by 31 January.
    `export wharfinger --port NLRTM` wrote Rotterdam's calls as such a file, each with a CARB
    due date (2027-01-31), exit 0; `export carb-visit-report` leaves those visits out. Now it is
    a usage error naming the port and the ports table's carb_at_berth, and writes nothing."""
    from tests.conftest import good_visit

    db = tmp_path / "rtm.duckdb"
    visits = write_csv(tmp_path / "v.csv", [good_visit(port="NLRTM", terminal="ECT")])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", str(db)]).exit_code == 0
    r = runner.invoke(app, ["export", "wharfinger", "--year", "2026", "--port", "nlrtm",
                            "--db", str(db), "--out", str(tmp_path / "w.csv")])
    assert r.exit_code == 2, r.output
    assert ("--port NLRTM: CARB At-Berth does not cover this port (the ports table's "
            "carb_at_berth is false)") in r.stderr
    assert "Traceback" not in r.output
    assert not list(tmp_path.glob("w*"))
