"""Issue 15, item 3: `load visits --replace` re-checks the sessions and events of the visits
it replaces, as a fresh load would."""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.errors import InputRejected
from berthcheck.ingest.load import load_files

from .conftest import good_visit, snapshot, write_csv


@pytest.fixture
def loaded(con, tmp_path):
    load_files(con, "visits", [write_csv(tmp_path / "visits.csv", [good_visit()])])
    load_files(con, "shore-power", [write_csv(tmp_path / "sp.csv", [
        {"session_id": "S1", "visit_id": "V1", "connected": "2026-10-01 09:00",
         "disconnected": "2026-10-03 05:00"}])])
    load_files(con, "events", [write_csv(tmp_path / "ev.csv", [
        {"event_id": "E1", "visit_id": "V1", "kind": "emergency", "start": "2026-10-01 10:00",
         "end": "2026-10-01 11:00"}])])
    return con


def _moved(tmp_path):
    # the visit now arrives a day later: both the session and the event start before it
    return write_csv(tmp_path / "fix.csv", [good_visit(
        arrival="2026-10-02 06:00", ready_to_work="2026-10-02 08:00")])


def test_a_replacement_that_orphans_sessions_is_rejected_whole(loaded, tmp_path):
    before = snapshot(loaded)
    with pytest.raises(InputRejected) as exc:
        load_files(loaded, "visits", [_moved(tmp_path)], replace=True)
    assert snapshot(loaded) == before
    text = "\n".join(map(str, exc.value.errors))
    assert "fix.csv, row 2, column arrival" in text
    assert "shore_power 'S1' (sp.csv row 2" in text and "events 'E1' (ev.csv row 2" in text


def test_with_quarantine_the_orphans_move_to_quarantine(loaded, tmp_path):
    report = load_files(loaded, "visits", [_moved(tmp_path)], replace=True, quarantine=True)
    assert report.files[0].replaced == 1 and report.files[0].quarantined == 2
    assert store.scalar(loaded, "SELECT count(*) FROM shore_power") == 0
    assert store.scalar(loaded, "SELECT count(*) FROM events") == 0
    rows = store.run(loaded, "SELECT kind, source_file, source_row, reason FROM quarantine "
                             "ORDER BY kind")
    assert [(k, f, r) for k, f, r, _ in rows] == [("events", "ev.csv", 2),
                                                  ("shore-power", "sp.csv", 2)]
    assert all("outside its visit V1" in reason for *_, reason in rows)
    # the history keeps the retired rows
    assert store.scalar(loaded, "SELECT count(*) FROM shore_power_versions") == 1



def test_with_quarantine_each_orphan_is_reported_and_named_on_its_visit(loaded, tmp_path):
    """The rows `--quarantine` retires from the current data are said, as every quarantined
    row is (the CLI prints the report's errors, `--errors` writes them): a session no longer
    counting towards its visit's control is never news only the quarantine table holds. Its
    quarantine entry names the column it is kept for, visit_id, with the visit's id."""
    errors_out = tmp_path / "errors.csv"
    report = load_files(loaded, "visits", [_moved(tmp_path)], replace=True, quarantine=True,
                        errors_out=errors_out)
    text = "\n".join(map(str, report.errors))
    assert "shore_power 'S1' (sp.csv row 2" in text and "events 'E1' (ev.csv row 2" in text
    assert "kept in quarantine" in text and "or use --quarantine" not in text
    assert "shore_power 'S1'" in errors_out.read_text(encoding="utf-8")
    rows = store.run(loaded, "SELECT kind, column_name, value FROM quarantine ORDER BY kind")
    assert rows == [("events", "visit_id", "V1"), ("shore-power", "visit_id", "V1")]

def test_a_replacement_that_keeps_sessions_inside_loads(loaded, tmp_path):
    fix = write_csv(tmp_path / "fix.csv", [good_visit(departure="2026-10-03 07:00")])
    report = load_files(loaded, "visits", [fix], replace=True)
    assert report.files[0].replaced == 1
    assert store.scalar(loaded, "SELECT count(*) FROM shore_power") == 1
