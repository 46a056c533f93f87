"""`runs export` and a report of a stored run read the run through `runs.verified_frames`: the
frames it returns are checked against the hashes the run recorded. A version-3 run's frames are
hashed as read (the digest the check computed over its own frames), not by reading the stored
run a second time in DuckDB: at 200 000 visits that second read was about half the command's
reading (issue 16). A stored value edited after the run still refuses the read."""

from __future__ import annotations

import pytest

from berthcheck import store
from berthcheck.engine import runs
from berthcheck.errors import BerthcheckError
from tests.conftest import copy_store


@pytest.fixture()
def checked(sample_month_checked, tmp_path):
    path, outcome = sample_month_checked
    return copy_store(path, tmp_path / "bc.duckdb"), outcome


def _forbid_a_second_read(monkeypatch) -> None:
    """A version-3 run hashed in DuckDB again (`runs.stored_hashes`) fails the test."""
    def second_read(*_args, **_kwargs):
        raise AssertionError("the stored run was read again to hash it")

    monkeypatch.setattr(runs, "stored_hashes", second_read)


def _edit(path, sql: str) -> None:
    con = store.connect(path)
    try:
        store.run(con, sql)
    finally:
        con.close()


def test_a_version_3_run_is_read_once_and_returned_as_stored(checked, monkeypatch):
    path, outcome = checked

    con = store.connect(path, read_only=True)
    try:
        assert runs.manifest_version(con, outcome.run_id) == 3
        expected = runs.stored_frames(con, outcome.run_id)
        _forbid_a_second_read(monkeypatch)
        results, findings = runs.verified_frames(con, outcome.run_id)
    finally:
        con.close()
    assert results.equals(expected[0]) and findings.equals(expected[1])
    assert results.equals(outcome.results.select(results.columns))
    assert findings.height == outcome.findings.height


@pytest.mark.parametrize(("what", "sql"), [
    # one extra column's value, a millionth of a kilogram off: below every CSV's decimals
    ("results", "UPDATE run_columns_{run} SET at_berth_nox_kg = at_berth_nox_kg + 1e-6 "
                "WHERE result_row = 3"),
    ("results", "UPDATE run_results SET verdict = 'compliant' WHERE run_id = '{run}' "
                "AND verdict <> 'compliant' AND result_row = (SELECT min(result_row) "
                "FROM run_results WHERE run_id = '{run}' AND verdict <> 'compliant')"),
    ("findings", "UPDATE run_findings SET message = message || '.' WHERE run_id = '{run}' "
                 "AND finding_id = (SELECT min(finding_id) FROM run_findings "
                 "WHERE run_id = '{run}')"),
], ids=["extra-column", "contract-column", "finding"])
def test_a_stored_value_edited_after_the_run_refuses_the_read(checked, what, sql):
    path, outcome = checked
    _edit(path, sql.format(run=outcome.run_id))
    con = store.connect(path, read_only=True)
    try:
        with pytest.raises(BerthcheckError) as refused:
            runs.verified_frames(con, outcome.run_id)
    finally:
        con.close()
    message = str(refused.value)
    assert f"run {outcome.run_id}: the stored {what} no longer hash to the run's recorded " \
           "sha256" in message, message
    assert f"berthcheck audit verify {outcome.run_id}" in message


def test_an_intact_run_is_reused_from_one_read(checked, monkeypatch):
    """`export` reuses a stored run of its scope when nothing of it changed (`intact_frames`):
    checked and read in one pass, where it was hashed in DuckDB and then read again."""
    path, outcome = checked

    con = store.connect(path, read_only=True)
    try:
        expected = runs.stored_frames(con, outcome.run_id)
        _forbid_a_second_read(monkeypatch)
        frames = runs.intact_frames(con, outcome.run_id)
    finally:
        con.close()
    assert frames is not None
    assert frames[0].equals(expected[0]) and frames[1].equals(expected[1])


@pytest.mark.parametrize("sql", [
    "UPDATE run_columns_{run} SET at_berth_nox_kg = at_berth_nox_kg + 1e-6 WHERE result_row = 3",
    "UPDATE run_findings SET evidence = evidence || ' ' WHERE run_id = '{run}' "
    "AND finding_id = (SELECT max(finding_id) FROM run_findings WHERE run_id = '{run}')",
    "UPDATE runs SET visits = visits + 1 WHERE run_id = '{run}'",
    "UPDATE runs SET manifest = NULL WHERE run_id = '{run}'",
], ids=["results", "findings", "record", "manifest"])
def test_an_edited_run_is_not_reused(checked, sql):
    path, outcome = checked
    _edit(path, sql.format(run=outcome.run_id))
    con = store.connect(path, read_only=True)
    try:
        assert runs.intact_frames(con, outcome.run_id) is None
        assert runs.tampered_parts(con, outcome.run_id)  # what `export` asked before
    finally:
        con.close()


_EDIT_A_FINDING = ("UPDATE run_findings SET message = message || '.' WHERE run_id = '{run}' "
                   "AND finding_id = (SELECT min(finding_id) FROM run_findings "
                   "WHERE run_id = '{run}')")


def test_the_report_reuses_an_intact_run_from_one_read(checked, monkeypatch):
    """The monthly report made after the month's check (`report --period`) reuses that
    check's stored run (`report.run.obtain_run`), read once, as `export` does; an edited run is
    not reused, so the report is never made from changed rows."""
    from berthcheck.report import run as report_run

    path, outcome = checked

    con = store.connect(path, read_only=True)
    try:
        expected = runs.stored_frames(con, outcome.run_id)
        _forbid_a_second_read(monkeypatch)
        got = report_run.obtain_run(con, outcome.scope, outcome.pack)
    finally:
        con.close()
    assert got.reused and got.run_id == outcome.run_id
    assert got.results.equals(expected[0]) and got.findings.equals(expected[1])
    monkeypatch.undo()
    _edit(path, _EDIT_A_FINDING.format(run=outcome.run_id))
    con = store.connect(path, read_only=True)
    try:
        assert report_run._intact_stored_run(con, outcome.run_id) is None
    finally:
        con.close()
