"""A visit corrected with `load visits --replace` clips its stored sessions and events exactly
as a fresh load of the corrected visit would (data contract, section 2: a session up to 15
minutes outside its visit's stay is clipped to it, with a warning).

Each scenario loads the same files two ways, "replace" (the wrong visit, its sessions, then the
corrected visit with --replace) and "fresh" (the corrected visit, then the same sessions), and
compares what the check says about the visit column by column, and the findings.

Hand-computed expectations (port-local times, America/Los_Angeles):

* lengthened: the visit was first loaded arriving 12:00, ready to work 12:30; the shore-power
  file says connected 11:50, which that load clipped to 12:00 (10 minutes before arrival). The
  corrected visit arrives 08:00, ready to work 09:00: W starts at 11:00, the session (11:50) lies
  inside the stay and is not clipped. Late connection 11:00 to 11:50: 50 minutes uncontrolled
  (0.833333 h), not the 60 minutes the old clip would leave.
* shortened (capture): the capture session starts 23:50 on 10-01; the system is approved from
  10-02 00:00. The visit first arrived 23:55 (session clipped to 23:55: 5 unapproved minutes),
  corrected to arrive 00:00: a fresh load clips the session to 00:00, so nothing of it lies
  outside the approval and rule AB14 has nothing to say.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from berthcheck import store
from berthcheck.engine.check import check
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files

from .conftest import copy_store, good_visit, rows_loaded_once, write_csv

BERTHS = [{"port": "USLAX", "terminal": "TRAPAC", "berth": "B136", "shore_power": "true",
           "capture_available": "true"}]
CAECS = ("caecs", [{"system_id": "EO-1", "name": "barge", "approved_from": "2026-10-02",
                    "approved_to": ""}])


def _sp(connected: str, disconnected: str):
    return ("shore-power", [{"session_id": "S1", "visit_id": "V1", "connected": connected,
                             "disconnected": disconnected, "energy_kwh": "5000"}])


@pytest.fixture(scope="module")
def with_berths(tmp_path_factory) -> Path:
    """A store holding the berth (BERTHS) every store below starts from, loaded once for the
    module into a file never opened again: each store is a copy, where each loaded the berth
    anew before (ten loads; issue 16)."""
    return rows_loaded_once(tmp_path_factory, "berths", "berths", BERTHS)


def _both(with_berths: Path, tmp_path, original: dict, corrected: dict, dependents: list):
    """(replace store, fresh store, replace load report) for the same files, each store
    starting from a copy of `with_berths`."""
    out = []
    for path in ("replace", "fresh"):
        folder = tmp_path / path
        folder.mkdir()
        con = store.connect(copy_store(with_berths, folder / "db.duckdb"))
        load_files(con, "visits", [write_csv(folder / "visits.csv",
                                             [original if path == "replace" else corrected])])
        for kind, rows in dependents:
            load_files(con, kind, [write_csv(folder / f"{kind}.csv", rows)])
        report = None
        if path == "replace":
            report = load_files(con, "visits", [write_csv(folder / "fix.csv", [corrected])],
                                replace=True)
        out.append((con, report))
    return out[0][0], out[1][0], out[0][1]


def _results(con) -> tuple[pl.DataFrame, list]:
    result = check(con, period="2026-10", store_run=False)
    findings = sorted(zip(result.findings["rule_id"].to_list(),
                          result.findings["message"].to_list(), strict=True))
    return result.results, findings


def _same_outcome(replaced, fresh) -> pl.DataFrame:
    a, fa = _results(replaced)
    b, fb = _results(fresh)
    assert a.columns == b.columns
    differ = [c for c in a.columns if a[c].to_list() != b[c].to_list()]
    assert differ == [], {c: (a[c].to_list(), b[c].to_list()) for c in differ}
    assert fa == fb
    return a


def _stored(con, table: str, columns: str) -> list[tuple]:
    return store.run(con, f"SELECT {columns} FROM {table} ORDER BY 1")  # noqa: S608


def test_a_lengthened_stay_takes_back_the_clip_a_fresh_load_would_not_make(with_berths, tmp_path):
    replaced, fresh, report = _both(
        with_berths, tmp_path,
        good_visit(arrival="2026-10-01 12:00", ready_to_work="2026-10-01 12:30",
                   pilot_on_board=""),
        good_visit(arrival="2026-10-01 08:00", ready_to_work="2026-10-01 09:00",
                   pilot_on_board=""),
        [_sp("2026-10-01 11:50", "2026-10-03 05:00")],
    )
    results = _same_outcome(replaced, fresh)
    assert results["uncontrolled_hours"].to_list() == [pytest.approx(50 / 60, abs=1e-6)]
    assert _stored(replaced, "shore_power", "session_id, connected, disconnected") == \
        _stored(fresh, "shore_power", "session_id, connected, disconnected")
    assert report.files[0].warnings == []  # the session now lies inside: nothing clipped


def test_a_shortened_stay_clips_a_capture_session_as_a_fresh_load_does(with_berths, tmp_path):
    capture = ("capture", [{"session_id": "C1", "visit_id": "V1", "system_id": "EO-1",
                            "provider": "X", "started": "2026-10-01 23:50",
                            "ended": "2026-10-03 05:00"}])
    replaced, fresh, report = _both(
        with_berths, tmp_path,
        good_visit(arrival="2026-10-01 23:55", ready_to_work="2026-10-02 01:00",
                   shore_power_capable="no"),
        good_visit(arrival="2026-10-02 00:00", ready_to_work="2026-10-02 01:00",
                   shore_power_capable="no"),
        [CAECS, capture],
    )
    results = _same_outcome(replaced, fresh)
    assert "AB14" not in results["findings"][0]
    assert _stored(replaced, "capture", "session_id, started, ended") == \
        _stored(fresh, "capture", "session_id, started, ended")
    # said as a fresh load says it, against the capture file's row, with the file's value as
    # the file wrote it (read back from the first load's warning) and the instant it was read as
    [warning] = report.files[0].warnings
    assert (warning.file, warning.row, warning.column) == ("capture.csv", 2, "started")
    assert warning.value == "2026-10-01 23:50"
    assert warning.reason.startswith("read as 2026-10-02T06:50:00+00:00, before arrival")
    assert "clipped to 2026-10-02T07:00:00+00:00" in warning.reason
    assert "V1" in warning.reason


def test_shore_power_and_events_clipped_at_a_shorter_departure(with_berths, tmp_path):
    events = ("events", [{"event_id": "E1", "visit_id": "V1", "kind": "emergency",
                          "start": "2026-10-03 04:00", "end": "2026-10-03 05:58"}])
    replaced, fresh, report = _both(
        with_berths, tmp_path,
        good_visit(pilot_on_board=""),
        good_visit(pilot_on_board="", departure="2026-10-03 05:50"),
        [_sp("2026-10-01 09:00", "2026-10-03 05:55"), events],
    )
    _same_outcome(replaced, fresh)
    for table, columns in (("shore_power", "session_id, connected, disconnected"),
                           ("events", "event_id, start_time, end_time")):
        assert _stored(replaced, table, columns) == _stored(fresh, table, columns)
    assert sorted((w.file, w.column) for w in report.files[0].warnings) == [
        ("events.csv", "end"), ("shore-power.csv", "disconnected")]
    # the history keeps the session as it was loaded; the batch's warnings are counted
    assert store.scalar(replaced, "SELECT count(*) FROM shore_power_versions") == 2
    from berthcheck.tamper import history_problems

    assert history_problems(replaced) == []
    # the replace's digests, the reclipped sessions' and events' too, were made at load
    from berthcheck.fingerprints import table_pieces

    at_load, fresh = table_pieces(replaced)
    assert fresh == [] and at_load == table_pieces(replaced, stored=False)[0]


def test_reloading_the_session_file_after_the_correction_changes_nothing(with_berths, tmp_path):
    replaced, _fresh, _ = _both(
        with_berths, tmp_path,
        good_visit(arrival="2026-10-01 12:00", ready_to_work="2026-10-01 12:30"),
        good_visit(arrival="2026-10-01 08:00", ready_to_work="2026-10-01 09:00"),
        [_sp("2026-10-01 11:50", "2026-10-03 05:00")],
    )
    report = load_files(replaced, "shore-power", [tmp_path / "replace" / "shore-power.csv"])
    assert (report.files[0].unchanged, report.files[0].inserted) == (1, 0)


def test_the_file_value_not_the_old_clip_decides_whether_a_session_is_outside(with_berths, tmp_path):
    """Clipped at its load from 07:50 to an 08:00 arrival, the session's file value is 20
    minutes before a corrected 08:10 arrival: a fresh load refuses it, and so does the replace
    (the old clip, 08:00, would have been only 10 minutes early)."""
    replaced, _fresh, _ = _both(
        with_berths, tmp_path,
        good_visit(arrival="2026-10-01 08:00", ready_to_work="2026-10-01 08:30"),
        good_visit(arrival="2026-10-01 08:00", ready_to_work="2026-10-01 08:30"),
        [_sp("2026-10-01 07:50", "2026-10-03 05:00")],
    )
    fix = write_csv(tmp_path / "fix2.csv", [good_visit(arrival="2026-10-01 08:10",
                                                       ready_to_work="2026-10-01 08:30")])
    with pytest.raises(InputRejected) as exc:
        load_files(replaced, "visits", [fix], replace=True)
    text = "\n".join(map(str, exc.value.errors))
    assert "fix2.csv, row 2, column arrival" in text
    assert "shore_power 'S1' (shore-power.csv row 2, 2026-10-01T14:50:00+00:00" in text
