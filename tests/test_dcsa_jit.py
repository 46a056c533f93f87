"""`berthcheck load dcsa-jit`: JIT 2.0 payloads -> visits and shore-power sessions.

Fixtures: tests/fixtures/dcsa_jit/openapi_example.json is built from the JIT 2.0 OpenAPI
description's own examples (Port Call YM WHOLESOME, the GET /v2/port-call-services example at
CMP Container Terminal Copenhagen, the Facility example CMPDK), with hand-made times;
edge_cases.json holds hand-made cases: corrected ACTs (by reply chain and by file order), a
cancelled service, a berth shift, a stay without Ready-for-cargo, shore power in two sessions.
Every expected value below is read off the fixture by hand.
"""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.cli import app
from berthcheck.errors import InputRejected
from berthcheck.ingest.adapters import load_adapter
from berthcheck.ingest.load import load_files

from .conftest import copy_store, snapshot, write_csv

FIXTURES = Path(__file__).parent / "fixtures" / "dcsa_jit"
EXAMPLE = FIXTURES / "openapi_example.json"
EDGE = FIXTURES / "edge_cases.json"
TC1 = "0342254a-5927-4856-b9c9-aa12e7c00563"
T2 = "c2000000-0000-4000-8000-000000000000"
T3 = "c3000000-0000-4000-8000-000000000000"
UTC_FMT = "%Y-%m-%dT%H:%MZ"


def _ports(con, tmp_path):
    path = write_csv(tmp_path / "ports.csv", [
        {"port": "DKCPH", "name": "Copenhagen", "timezone": "Europe/Copenhagen"}])
    load_files(con, "ports", [path])


def _visits(con) -> dict[str, dict]:
    rows = store.fetch_polars(con, f"""
        SELECT visit_id, imo, vessel_name, vessel_type, port, terminal, berth,
               strftime(arrival, '{UTC_FMT}') AS arrival,
               strftime(ready_to_work, '{UTC_FMT}') AS ready_to_work,
               strftime(pilot_on_board, '{UTC_FMT}') AS pilot_on_board,
               strftime(departure, '{UTC_FMT}') AS departure, _source_path, extra
        FROM visits ORDER BY visit_id""")  # noqa: S608
    return {r["visit_id"]: r for r in rows.iter_rows(named=True)}


def _sessions(con) -> list[tuple]:
    return store.run(con, f"""
        SELECT visit_id, strftime(connected, '{UTC_FMT}'), strftime(disconnected, '{UTC_FMT}')
        FROM shore_power ORDER BY visit_id, connected""")  # noqa: S608


def _write(path: Path, payload) -> Path:
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory):
    """Copenhagen's port row and both payloads loaded once for the module, into a store file
    never opened again, with the load's report (read only): six tests start from it, where
    each loaded it anew before (issue 16)."""
    folder = tmp_path_factory.mktemp("jit-loaded")
    path = folder / "loaded.duckdb"
    con = store.connect(path)
    try:
        _ports(con, folder)
        report = load_adapter(con, "dcsa-jit", [EXAMPLE, EDGE])
    finally:
        con.close()
    return path, report


@pytest.fixture
def loaded(loaded_once, db_path):
    """A private copy of `loaded_once`'s store, open, and that load's report."""
    path, report = loaded_once
    copy_store(path, db_path)
    con = store.connect(db_path)
    yield con, report
    con.close()


def test_openapi_example_maps_field_by_field(loaded):
    con, _report = loaded
    v = _visits(con)[f"{TC1}/B1"]
    assert (v["imo"], v["vessel_name"], v["vessel_type"], v["port"], v["terminal"], v["berth"]) == (
        "9704611", "YM WHOLESOME", "container", "DKCPH", "CMPDK",
        "CMP Container Terminal Copenhagen")
    # ALL_FAST ARRI (06:05+01:00), not BERTH ARRI (05:40), is the arrival
    assert v["arrival"] == "2026-03-10T05:05Z"
    assert v["ready_to_work"] == "2026-03-10T06:30Z"  # VESSEL_READY_FOR_CARGO_OPERATIONS ARRI
    assert v["pilot_on_board"] == "2026-03-11T17:00Z"  # PILOTAGE STRT OUTB (INBD is not used)
    assert v["departure"] == "2026-03-11T18:45Z"  # BERTH DEPA, given in Z
    paths = json.loads(v["_source_path"])
    assert paths["arrival"] == "openapi_example.json:$.timestamps[3].dateTime"
    assert paths["terminal"] == ("openapi_example.json:$.portCallServices[0]"
                                 ".portCallServiceLocation.facility.facilityCode")
    extra = json.loads(v["extra"])["dcsa_jit"]
    assert (extra["typeCode"], extra["terminalCallReference"]) == ("CONT", "15063401")
    assert (f"{TC1}/B1", "2026-03-10T08:00Z", "2026-03-11T16:00Z") in _sessions(con)


def test_edge_cases_map_field_by_field(loaded):
    con, report = loaded
    visits = _visits(con)
    cruise = visits[f"{T2}/B1"]
    assert cruise["vessel_type"] == "passenger"  # PASS
    assert cruise["arrival"] == "2026-10-05T13:00Z"  # no ALL_FAST: BERTH ARRI
    assert cruise["ready_to_work"] == "2026-10-05T13:40Z"  # two ACTs, no chain: the later sent
    assert cruise["departure"] == "2026-10-06T01:20Z"  # 18:20 replies to 19:00 and wins
    lineage = json.loads(cruise["_source_path"])
    assert lineage["superseded"] == {"departure": ["edge_cases.json:$.timestamps[6]"],
                                     "ready_to_work": ["edge_cases.json:$.timestamps[1]"]}
    # berth shift: two visits of one terminal call
    first, second = visits[f"{T3}/B1"], visits[f"{T3}/B2"]
    assert (first["berth"], first["arrival"], first["departure"]) == (
        "B401", "2026-10-06T15:12Z", "2026-10-07T10:00Z")
    assert (second["berth"], second["arrival"], second["departure"]) == (
        "B402", "2026-10-07T11:30Z", "2026-10-08T04:10Z")
    assert second["ready_to_work"] is None  # no Ready-for-cargo: never guessed
    assert second["pilot_on_board"] == "2026-10-08T03:00Z"
    assert first["pilot_on_board"] is None
    sessions = _sessions(con)
    assert [s for s in sessions if s[0] == f"{T3}/B1"] == [
        (f"{T3}/B1", "2026-10-06T17:30Z", "2026-10-06T23:00Z"),
        (f"{T3}/B1", "2026-10-07T00:00Z", "2026-10-07T09:00Z"),
    ]
    # the cancelled SHORE_POWER STRT (09:00) is skipped and counted, not a session
    assert [s for s in sessions if s[0] == f"{T2}/B1"] == [
        (f"{T2}/B1", "2026-10-05T15:30Z", "2026-10-06T00:30Z")]
    assert report.skipped["cancelled Port Call Services"] == 1
    assert report.skipped["non-ACT timestamps (EST, PLN, REQ)"] == 1
    assert len(visits) == 4 and len(sessions) == 4


def test_reimport_changes_nothing(loaded):
    con, _report = loaded
    before = snapshot(con)
    report = load_adapter(con, "dcsa-jit", [EXAMPLE, EDGE])
    assert snapshot(con) == before
    assert all(f.batch_id is None for f in report.files)


def test_one_object_or_one_file_per_endpoint_give_the_same_rows(con, tmp_path):
    payload = json.loads(EDGE.read_text())
    files = [_write(tmp_path / f"{key}.json", payload[key]) for key in payload]
    load_adapter(con, "dcsa-jit", files)
    per_endpoint = {k: {c: v[c] for c in v if c not in ("_source_path",)}
                    for k, v in _visits(con).items()}
    other = store.connect(tmp_path / "other.duckdb")
    try:
        load_adapter(other, "dcsa-jit", [EDGE])
        combined = {k: {c: v[c] for c in v if c not in ("_source_path",)}
                    for k, v in _visits(other).items()}
    finally:
        other.close()
    assert per_endpoint == combined
    assert json.loads(_visits(con)[f"{T2}/B1"]["_source_path"])["arrival"] == \
        "timestamps.json:$[0].dateTime"


def test_corrected_act_in_a_later_file_replaces_with_history(loaded, tmp_path):
    con, _report = loaded
    later = json.loads(EDGE.read_text())
    later["timestamps"].append({
        "timestampID": "f2000000-0000-4000-8000-000000000099",
        "replyToTimestampID": "f2000000-0000-4000-8000-000000000008",
        "portCallServiceID": "e2000000-0000-4000-8000-000000000006",
        "classifierCode": "ACT", "dateTime": "2026-10-05T18:05:00-07:00"})
    report = load_adapter(con, "dcsa-jit", [EXAMPLE, _write(tmp_path / "later.json", later)])
    assert report.files[0].replaced == 1  # no --replace needed: JIT issued the correction
    assert _visits(con)[f"{T2}/B1"]["departure"] == "2026-10-06T01:05Z"
    history = store.run(con, "SELECT strftime(departure, '%H:%M'), _replaced_by IS NULL "
                             "FROM visits_versions WHERE visit_id = ? ORDER BY _batch_id",
                        [f"{T2}/B1"])
    assert history == [("01:20", False), ("01:05", True)]


def test_a_change_jit_did_not_issue_needs_replace(loaded, tmp_path):
    con, _report = loaded
    changed = json.loads(EDGE.read_text())
    changed["portCalls"][0]["vessel"]["name"] = "PACIFIC DAWN II"
    path = _write(tmp_path / "renamed.json", changed)
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [path])
    assert "use --replace" in str(exc.value.errors[0])
    load_adapter(con, "dcsa-jit", [path], replace=True)
    assert _visits(con)[f"{T2}/B1"]["vessel_name"] == "PACIFIC DAWN II"


def test_visit_still_at_berth_is_reported_open_not_loaded(con, tmp_path):
    payload = json.loads(EDGE.read_text())
    payload["timestamps"] = [t for t in payload["timestamps"]
                             if t["portCallServiceID"] != "e2000000-0000-4000-8000-000000000006"]
    report = load_adapter(con, "dcsa-jit", [_write(tmp_path / "open.json", payload)])
    assert [v.visit_id for v in report.open_visits] == [f"{T2}/B1"]
    assert f"{T2}/B1" not in _visits(con)
    assert store.scalar(con, "SELECT count(*) FROM shore_power WHERE visit_id = ?",
                        [f"{T2}/B1"]) == 0


def _edge_with(change) -> dict:
    payload = copy.deepcopy(json.loads(EDGE.read_text()))
    change(payload)
    return payload


def _set(path: list, value):
    def change(payload):
        target = payload
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def _drop_service(payload):
    del payload["portCallServices"][5]  # BERTH DEPA of T2: its ACTs now name no service


BAD = {
    "timestamp without offset": (
        _set(["timestamps", 0, "dateTime"], "2026-10-05T06:00:00"),
        "$.timestamps[0].dateTime", "2026-10-05T06:00:00", "no UTC offset"),
    "unknown classifier code": (
        _set(["timestamps", 0, "classifierCode"], "ACTUAL"),
        "$.timestamps[0].classifierCode", "ACTUAL", "unknown code"),
    "unknown service type": (
        _set(["portCallServices", 1, "portCallServiceType"], "READY"),
        "$.portCallServices[1].portCallServiceType", "READY", "unknown code"),
    "unknown vessel type code": (
        _set(["portCalls", 0, "vessel", "typeCode"], "YACH"),
        "$.portCalls[0].vessel.typeCode", "YACH", "unknown JIT typeCode"),
    "DEPA before ARRI": (
        _set(["timestamps", 7, "dateTime"], "2026-10-05T05:00:00-07:00"),
        "$.timestamps[7].dateTime", "2026-10-05T05:00:00-07:00", "BERTH DEPA at or before"),
    "ACT for an unknown service": (
        _drop_service, "$.timestamps[6].portCallServiceID",
        "e2000000-0000-4000-8000-000000000006", "not in the files"),
    # a code of another JSON type: a list or object cannot be looked up among the codes
    # (it failed with "unexpected TypeError: unhashable type", as a bug in berthcheck)
    "classifier code a list": (
        _set(["timestamps", 0, "classifierCode"], ["ACT"]),
        "$.timestamps[0].classifierCode", '["ACT"]', "must be a string"),
    "service type an object": (
        _set(["portCallServices", 1, "portCallServiceType"], {"code": "BERTH"}),
        "$.portCallServices[1].portCallServiceType", '{"code": "BERTH"}', "must be a string"),
    "event code a list": (
        _set(["portCallServices", 1, "portCallServiceEventTypeCode"], ["ARRI"]),
        "$.portCallServices[1].portCallServiceEventTypeCode", '["ARRI"]', "must be a string"),
    "phase code an object": (
        _set(["portCallServices", 1, "portCallPhaseTypeCode"], {}),
        "$.portCallServices[1].portCallPhaseTypeCode", "{}", "must be a string"),
    # a Port Call value of another JSON type was dropped: 'field port: '': is required but
    # empty' named neither the value nor what was wrong with it
    "port a number": (
        _set(["portCalls", 0, "UNLocationCode"], 5),
        "$.portCalls[0].UNLocationCode", "5", "must be a string"),
    "vessel name a number": (
        _set(["portCalls", 0, "vessel", "name"], 9321483),
        "$.portCalls[0].vessel.name", "9321483", "must be a string"),
    "vessel type code a list": (
        _set(["portCalls", 0, "vessel", "typeCode"], ["CONT"]),
        "$.portCalls[0].vessel.typeCode", '["CONT"]', "must be a string"),
    "vessel a string": (
        _set(["portCalls", 0, "vessel"], "YM WHOLESOME"),
        "$.portCalls[0].vessel", "YM WHOLESOME", "must be an object"),
    # an item that is no object beside a problem of a call (here: the BERTH ARRI its timestamp
    # gave is gone, so the DEPA has none): it failed with "unexpected ValueError: zip()
    # argument 2 is shorter than argument 1", the call's problem tied to no visit
    "timestamp not an object": (
        _set(["timestamps", 0], ["ACT"]), "$.timestamps[0]", "['ACT']", "must be an object"),
    # a control character (JSON's \u0000, or a C1 control as itself) was stored as it is,
    # invisible in every output: refused at its JSON path, shown escaped
    "vessel name holding a NUL": (
        _set(["portCalls", 0, "vessel", "name"], "PACIFIC\x00DAWN"),
        "$.portCalls[0].vessel.name", "PACIFIC\\x00DAWN", "control character U+0000 (NUL)"),
    "berth holding a C1 control": (  # at the BERTH ARRI and DEPA of T2 alike
        lambda p: [_set(["portCallServices", i, "portCallServiceLocation", "locationName"],
                        "B1\x8536")(p) for i in (0, 5)],
        "$.portCallServices[0].portCallServiceLocation.locationName", "B1\\x8536",
        "control character U+0085"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_names_file_path_field_and_value(con, tmp_path, case):
    change, path, value, words = BAD[case]
    bad = _write(tmp_path / "bad.json", _edge_with(change))
    before = snapshot(con)
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [bad])
    hits = [e for e in exc.value.errors if e.path == path]
    assert hits, [str(e) for e in exc.value.errors]
    assert hits[0].file == "bad.json" and hits[0].value == value and words in hits[0].reason
    assert snapshot(con) == before  # all or nothing


def test_quarantine_keeps_the_bad_visit_and_loads_the_rest(con, tmp_path):
    bad = _write(tmp_path / "bad.json", _edge_with(
        _set(["timestamps", 9, "dateTime"], "2026-10-06T08:12:00")))  # T3's ALL_FAST, naive
    report = load_adapter(con, "dcsa-jit", [bad], quarantine=True)
    # the bad timestamp's terminal call (both stays of the shift) is kept out, not loaded
    # from what is left of its events; the other call loads
    assert set(_visits(con)) == {f"{T2}/B1"}
    assert {r[0] for r in _sessions(con)} == {f"{T2}/B1"}
    reasons = [r[0] for r in store.run(con, "SELECT reason FROM quarantine")]
    assert any("no UTC offset" in r and "$.timestamps[9].dateTime" in r for r in reasons)
    assert report.errors


def test_a_control_character_in_a_field_kept_only_in_extra_is_refused(con, tmp_path):
    """JIT fields kept only in `extra` (terminalCallReference) are stored too: checked."""
    bad = _write(tmp_path / "bad.json", _edge_with(
        _set(["terminalCalls", 0, "terminalCallReference"], "REF\x07")))
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [bad])
    assert [(e.column, e.value) for e in exc.value.errors] == [
        ("dcsa_jit.terminalCallReference", "REF\\x07")]
    assert "U+0007 (BEL)" in exc.value.errors[0].reason


def test_malformed_json_names_line_and_column(con, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"timestamps": [ {"timestampID": "x",, } ]}', encoding="utf-8")
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [path])
    assert "broken.json: malformed JSON at line 1, column" in exc.value.headline


def test_a_100_mb_payload_is_refused_with_a_clear_message(con, tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: the size is checked before any read
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [path])
    assert "huge.json: 100.0 MB is above the 64 MB limit" in exc.value.headline
    assert "split the export" in exc.value.headline


def test_details_and_terminal_aliases_override_inferences(con, tmp_path):
    details = write_csv(tmp_path / "details.csv", [
        {"visit_id": f"{T3}/B1", "vessel_type": "reefer", "fleet": "Hanse Fleet",
         "shore_power_capable": "yes", "ready_to_work": ""},
    ])
    aliases = write_csv(tmp_path / "aliases.csv", [
        {"port": "USLAX", "facility_code": "TRPAC", "terminal": "TRAPAC"}])
    load_adapter(con, "dcsa-jit", [EDGE], details=details, aliases=aliases)
    visits = _visits(con)
    assert visits[f"{T2}/B1"]["terminal"] == "TRAPAC"
    first = visits[f"{T3}/B1"]
    assert first["vessel_type"] == "reefer"  # JIT has no reefer code
    assert first["ready_to_work"] == "2026-10-06T16:00Z"  # an empty cell overrides nothing
    assert json.loads(first["_source_path"])["vessel_type"] == "details.csv:row 2"
    assert store.scalar(con, "SELECT fleet FROM visits WHERE visit_id = ?",
                        [f"{T3}/B1"]) == "Hanse Fleet"


def test_details_for_an_unknown_visit_is_an_error(con, tmp_path):
    details = write_csv(tmp_path / "details.csv", [{"visit_id": "nope/B1", "fleet": "X"}])
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [EDGE], details=details)
    assert "details.csv, row 2, column visit_id: 'nope/B1'" in str(exc.value.errors[0])


def test_cli_load_dcsa_jit(runner, db_path, tmp_path):
    result = runner.invoke(app, ["load", "dcsa-jit", str(EDGE), "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert "edge_cases.json [visits]: 3 rows -> 3 new" in result.output
    assert "skipped: 1 cancelled Port Call Services" in result.output
    bad = _write(tmp_path / "bad.json", _edge_with(
        _set(["timestamps", 0, "dateTime"], "2026-10-05T06:00:00")))
    result = runner.invoke(app, ["load", "dcsa-jit", str(bad), "--db", str(db_path)])
    assert result.exit_code == 1
    assert "bad.json, $.timestamps[0].dateTime, field dateTime: '2026-10-05T06:00:00'" in \
        result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["load", "visits", str(EDGE), "--details", str(EDGE),
                                 "--db", str(db_path)])
    assert result.exit_code == 2


def test_every_json_file_of_a_load_is_kept_from_the_outputs(runner, db_path, tmp_path):
    # a load's batches name its first JSON file only: `check --out` given the second one
    # replaced that payload with the results, exit 0
    import shutil

    first, second = tmp_path / "a.json", tmp_path / "b.json"
    shutil.copy(EXAMPLE, first)
    shutil.copy(EDGE, second)
    ports = write_csv(tmp_path / "ports.csv", [
        {"port": "DKCPH", "name": "Copenhagen", "timezone": "Europe/Copenhagen"}])
    assert runner.invoke(app, ["load", "ports", str(ports), "--db", str(db_path)]).exit_code == 0
    result = runner.invoke(app, ["load", "dcsa-jit", str(first), str(second),
                                 "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["check", "--period", "2026-10", "--out", str(second),
                                 "--db", str(db_path)])
    assert result.exit_code == 2, result.output
    assert f"--out {second} is a file loaded into the database" in result.output
    assert second.read_bytes() == EDGE.read_bytes()


def test_audit_diff_points_at_the_jit_timestamp_that_changed(loaded, tmp_path):
    from berthcheck import audit
    from berthcheck.engine import check

    con, _report = loaded
    before = check(con, period="2026-10").run_id
    later = json.loads(EDGE.read_text())
    later["timestamps"].append({
        "timestampID": "f2000000-0000-4000-8000-000000000098",
        "replyToTimestampID": "f2000000-0000-4000-8000-000000000008",
        "portCallServiceID": "e2000000-0000-4000-8000-000000000006",
        "classifierCode": "ACT", "dateTime": "2026-10-05T21:05:00-07:00"})
    load_adapter(con, "dcsa-jit", [_write(tmp_path / "later.json", later)])
    after = check(con, period="2026-10").run_id
    text = "\n".join(audit.diff(con, before, after).lines())
    assert "departure: later.json:$.timestamps[19].dateTime" in text, text
    assert "departure: edge_cases.json:$.timestamps[7].dateTime" in text, text
    # the run made before the correction still verifies against the history
    assert audit.verify(con, before).ok


def test_errors_file_has_the_json_path(runner, db_path, tmp_path):
    bad = _write(tmp_path / "bad.json", _edge_with(
        _set(["portCallServices", 1, "portCallServiceType"], "READY")))
    errors = tmp_path / "errors.csv"
    result = runner.invoke(app, ["load", "dcsa-jit", str(bad), "--errors", str(errors),
                                 "--db", str(db_path)])
    assert result.exit_code == 1
    lines = errors.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "file,row,column,value,reason,path"
    assert any(line.endswith(",$.portCallServices[1].portCallServiceType") for line in lines)


def test_omitted_calls_and_declined_services_are_skipped_and_counted(con, tmp_path):
    def change(payload):
        payload["terminalCalls"][0]["omitted"] = True  # T2: the cruise call
        payload["portCallServices"][15]["declined"] = True  # T3's outbound PILOTAGE at B402

    report = load_adapter(con, "dcsa-jit", [_write(tmp_path / "o.json", _edge_with(change))])
    visits = _visits(con)
    assert set(visits) == {f"{T3}/B1", f"{T3}/B2"}
    assert visits[f"{T3}/B2"]["pilot_on_board"] is None
    assert report.skipped["omitted Terminal Calls"] == 1
    assert report.skipped["declined Port Call Services"] == 1

    def omit_port_call(payload):
        payload["portCalls"][1]["omitted"] = True  # T3's port call: both stays go

    other = store.connect(tmp_path / "other.duckdb")
    try:
        report = load_adapter(other, "dcsa-jit", [_write(tmp_path / "p.json",
                                                          _edge_with(omit_port_call))])
        assert set(_visits(other)) == {f"{T2}/B1"}
        assert report.skipped["omitted Port Calls"] == 1
    finally:
        other.close()


def test_errors_file_is_written_when_the_whole_file_or_an_option_file_is_refused(
        runner, db_path, tmp_path):
    # as `load visits --errors`: every run writes the file, so a script never reads an earlier
    # run's problems as this run's
    errors = tmp_path / "errors.csv"
    errors.write_text("stale,from,an,earlier,run\n")
    broken = tmp_path / "broken.json"
    broken.write_text('{"terminalCalls": [', encoding="utf-8")
    result = runner.invoke(app, ["load", "dcsa-jit", str(broken), "--errors", str(errors),
                                 "--db", str(db_path)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    rows = list(csv.DictReader(errors.open(encoding="utf-8-sig")))
    assert [r["file"] for r in rows] == ["broken.json"] and rows[0]["path"] == "$", rows
    details = write_csv(tmp_path / "details.csv", [{"visit_id": "nope/B1", "fleet": "X"}])
    result = runner.invoke(app, ["load", "dcsa-jit", str(EDGE), "--details", str(details),
                                 "--errors", str(errors), "--db", str(db_path)])
    assert result.exit_code == 1, result.output
    rows = list(csv.DictReader(errors.open(encoding="utf-8-sig")))
    assert [(r["file"], r["row"], r["column"], r["value"]) for r in rows] == [
        ("details.csv", "2", "visit_id", "nope/B1")]
    # and a missing folder for it is refused before anything is read, as for other kinds
    result = runner.invoke(app, ["load", "dcsa-jit", str(EDGE), "--errors",
                                 str(tmp_path / "no" / "errors.csv"), "--db", str(db_path)])
    assert result.exit_code == 2 and "--mkdir" in result.output, result.output


def test_a_bad_details_row_does_not_hide_the_json_files_own_problems(con, tmp_path):
    # both are reported in one round: fixing the details file first only to learn of the
    # JSON's problems on the next try is a round trip the user should not need
    bad = _write(tmp_path / "bad.json", _edge_with(
        _set(["timestamps", 0, "dateTime"], "2026-10-05T06:00:00")))
    details = write_csv(tmp_path / "details.csv", [{"visit_id": "nope/B1", "fleet": "X"}])
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [bad], details=details)
    places = {(e.file, e.path or e.column) for e in exc.value.errors}
    assert ("details.csv", "visit_id") in places
    assert ("bad.json", "$.timestamps[0].dateTime") in places
    assert "nothing was loaded" in exc.value.headline


def test_details_and_alias_headers_are_matched_as_load_matches_them(con, tmp_path):
    """`load` reads a header by its letters and digits (`read.header_token`): units in
    brackets, a question mark, a dot, a non-breaking hyphen (U+2011, pasted from a web page or
    Word) are ignored. The --details and --terminal-aliases files were matched by
    `kinds.normalise_token`, which keeps them: "Aux power (kW)" was refused as "not a visits
    column" and "Facility\u2011Code" made the alias file "required column is missing"."""
    headers = ["Visit ID", "Aux power (kW)", "Shore power capable?", "Fleet\u00a0name"]
    details = write_csv(tmp_path / "details.csv", [dict(zip(headers, [
        f"{T3}/B1", "1850", "yes", "Hanse Fleet"], strict=True))])
    aliases = write_csv(tmp_path / "aliases.csv", [
        {"Port": "USLAX", "Facility\u2011Code": "TRPAC", "Terminal.": "TRAPAC"}])
    load_adapter(con, "dcsa-jit", [EDGE], details=details, aliases=aliases)
    assert _visits(con)[f"{T2}/B1"]["terminal"] == "TRAPAC"
    assert store.run(con, "SELECT aux_power_kw, shore_power_capable, fleet FROM visits "
                          "WHERE visit_id = ?", [f"{T3}/B1"]) == [(1850.0, True, "Hanse Fleet")]


@pytest.mark.parametrize(("option", "header", "twice", "reason"), [
    # two spellings of one header: the alias table silently took the last one's codes
    ("aliases", ["port", "facility_code", "Facility Code", "terminal"], "Facility Code",
     "header appears twice (as 'facility_code' too); keep one"),
    # the very same header twice: the second was read as another column and ignored
    ("aliases", ["port", "facility_code", "terminal", "terminal"], "terminal",
     "header appears twice (as 'terminal' too); keep one"),
    ("details", ["visit_id", "fleet", "FLEET"], "FLEET",
     "header appears twice (as 'fleet' too); keep one"),
    # a column and its alias (fleet_name): load's words, not the adapter's own
    ("details", ["visit_id", "fleet", "fleet_name"], "fleet_name",
     "maps to column 'fleet' like header 'fleet'; keep one"),
])
def test_two_headers_for_one_column_are_refused_as_load_refuses_them(con, tmp_path, option,
                                                                     header, twice, reason):
    values = {"aliases": ["USLAX", "TRPAC", "OTHER", "TRAPAC"],
              "details": [f"{T3}/B1", "Hanse Fleet", "Other Fleet"]}[option]
    path = tmp_path / f"{option}.csv"
    path.write_text(",".join(header) + "\n" + ",".join(values[:len(header)]) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputRejected) as exc:
        load_adapter(con, "dcsa-jit", [EDGE], **{option: path})
    assert [(e.file, e.row, e.column, e.reason) for e in exc.value.errors] == [
        (path.name, 1, twice, reason)]
    # `load visits` refuses the same header line in the same words
    from berthcheck.ingest.kinds import VISITS
    from berthcheck.ingest.read import read_table

    with pytest.raises(InputRejected) as by_load:
        read_table(path, VISITS)
    assert (1, twice, reason) in {(e.row, e.column, e.reason) for e in by_load.value.errors}


def test_encoding_applies_to_the_details_file_and_is_refused_without_one(runner, db_path,
                                                                          tmp_path):
    """The details file is read as `load` reads a file, which names the encoding to give for
    one that is not UTF-8; `load dcsa-jit --encoding` must then read it so. JSON is UTF-8:
    without a --details or --terminal-aliases file the option has nothing to apply to."""
    details = tmp_path / "details.csv"
    details.write_bytes(f"visit_id,fleet\n{T3}/B1,Compañía Naviera\n".encode("latin-1"))
    plain = runner.invoke(app, ["load", "dcsa-jit", str(EDGE), "--details", str(details),
                                "--db", str(db_path)])
    assert plain.exit_code == 1 and "give --encoding latin-1" in plain.output, plain.output
    told = runner.invoke(app, ["load", "dcsa-jit", str(EDGE), "--details", str(details),
                               "--encoding", "latin-1", "--db", str(db_path)])
    assert told.exit_code == 0, told.output
    con = store.connect(db_path)
    try:
        assert store.run(con, "SELECT fleet FROM visits WHERE visit_id = ?",
                         [f"{T3}/B1"]) == [("Compañía Naviera",)]
    finally:
        con.close()
    alone = runner.invoke(app, ["load", "dcsa-jit", str(EDGE), "--delimiter", ";",
                                "--db", str(db_path)])
    assert alone.exit_code == 2, alone.output
    assert ("--delimiter applies to the --details and --terminal-aliases files of dcsa-jit"
            in alone.output)


def test_a_payload_with_a_utf8_bom_loads_as_without(con, tmp_path):
    """Before: an extract saved by Notepad or PowerShell 5 (a UTF-8 BOM first) was refused as
    "malformed JSON at line 1, column 1: Unexpected UTF-8 BOM"; the BOM is no content (RFC 8259
    8.1 lets a reader ignore it), as in a CSV."""
    bom = tmp_path / "edge.json"
    bom.write_bytes(b"\xef\xbb\xbf" + EDGE.read_bytes())
    load_adapter(con, "dcsa-jit", [bom])
    with_bom = {k: {c: v[c] for c in v if c != "_source_path"} for k, v in _visits(con).items()}
    other = store.connect(tmp_path / "other.duckdb")
    try:
        load_adapter(other, "dcsa-jit", [EDGE])
        plain = {k: {c: v[c] for c in v if c != "_source_path"}
                 for k, v in _visits(other).items()}
    finally:
        other.close()
    assert with_bom == plain and with_bom
