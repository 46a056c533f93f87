"""Per-visit notes (issue 16, item 7): a pack's note rules (`[pack] notes`) are a results column
by default and findings only with `check --notes`; the option is part of the run."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from berthcheck import audit, store
from berthcheck.cli import app
from berthcheck.engine import check, load_pack
from berthcheck.engine.check import finding_id
from berthcheck.errors import BerthcheckError
from berthcheck.resources import rules_dir
from tests.conftest import copy_store

runner = CliRunner()
PERIOD = "2026-10"
CARB = "carb-at-berth-2020"
# The AB01 findings of the sample month as the code before notes (main f796fec) made them:
# sha256 over the sorted lines visit_id U+001F message U+001F evidence. Their ids are not
# pinned (they carry the pack version, which the integrator bumps); they are finding_id() of
# these, which is how main computed them.
MAIN_AB01 = ("20", "ff4b087c875b1acb11fcd6c336fd07fc467b9885998624e1feb86fe112ef72f4")


def _digest(frame) -> str:
    lines = sorted("\x1f".join(r) for r in frame.select("visit_id", "message", "evidence")
                   .iter_rows())
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


@pytest.fixture(scope="module")
def sample_db(sample_month, tmp_path_factory) -> Path:
    return copy_store(sample_month, tmp_path_factory.mktemp("notes") / "sample.duckdb")


@pytest.fixture(scope="module")
def both(sample_db, sample_month_checked):
    """The sample month checked without and with notes (the one with notes not stored). The
    one without is conftest's `sample_month_checked`, the worker's stored check of the same
    loaded month under CARB's pack (read below by test_notes_are_part_of_the_run_and_verify
    too), where this fixture checked the month once more (issue 16). Read only."""
    con = store.connect(sample_db)
    try:
        return (sample_month_checked[1],
                check(con, CARB, period=PERIOD, store_run=False, notes=True))
    finally:
        con.close()


def test_a_default_check_has_the_reason_column_and_no_note_finding(both):
    plain, _ = both
    assert plain.findings.filter(pl.col("rule_id") == "AB01").height == 0
    assert not plain.results["findings"].str.contains("AB01").any()
    reason = plain.results.select("verdict", "not_applicable_reason")
    # the reason is given exactly for the not-applicable visits
    assert reason.filter(pl.col("verdict") == "not_applicable")["not_applicable_reason"] \
        .null_count() == 0
    assert reason.filter(pl.col("verdict") != "not_applicable")["not_applicable_reason"] \
        .null_count() == reason.filter(pl.col("verdict") != "not_applicable").height
    assert reason["not_applicable_reason"].drop_nulls().len() > 0
    assert plain.notes is False


def test_notes_give_the_findings_of_before_with_their_ids(both):
    plain, noted = both
    ab01 = noted.findings.filter(pl.col("rule_id") == "AB01")
    assert (str(ab01.height), _digest(ab01)) == MAIN_AB01
    pack = noted.pack
    assert ab01["finding_id"].to_list() == [
        finding_id("AB01", pack.version, v, e)
        for v, e in ab01.select("visit_id", "evidence").iter_rows()]
    # every other finding is the default check's, id for id
    others = noted.findings.filter(pl.col("rule_id") != "AB01")
    assert others.equals(plain.findings)
    # the column is the note's message, visit by visit
    by_visit = dict(ab01.select("visit_id", "message").iter_rows())
    column = dict(noted.results.select("visit_id", "not_applicable_reason").iter_rows())
    assert {v: t for v, t in column.items() if t is not None} == by_visit
    # results differ only in the per-visit findings list, which names AB01 again
    assert noted.results.drop("findings").equals(plain.results.drop("findings"))
    listed = noted.results.filter(pl.col("findings").str.contains("AB01"))["visit_id"]
    assert sorted(listed.to_list()) == sorted(by_visit)
    assert noted.notes is True


def _cli(*args):
    return runner.invoke(app, [*map(str, args)], catch_exceptions=False)


def _run_id(output: str) -> str:
    return next(line for line in output.splitlines() if "; run " in line).rsplit(" ", 1)[1]


def test_notes_are_part_of_the_run_and_verify(sample_month_checked, tmp_path):
    # the month's default run is stored already (conftest's `sample_month_checked`, the same
    # `check --period 2026-10`): its manifest is the stored one
    db = copy_store(sample_month_checked[0], tmp_path / "bc.duckdb")
    a = sample_month_checked[1].run_id
    plain = _cli("audit", "manifest", a, "--db", db, "--out", tmp_path / "a.json")
    noted = _cli("check", "--db", db, "--period", PERIOD, "--notes",
                 "--manifest", tmp_path / "b.json")
    assert plain.exit_code == 0 and noted.exit_code == 0, plain.output + noted.output
    b = _run_id(noted.output)
    assert a != b
    ma = json.loads((tmp_path / "a.json").read_text())
    mb = json.loads((tmp_path / "b.json").read_text())
    assert "notes" not in ma and mb["notes"] is True
    assert mb["findings"] - ma["findings"] == int(MAIN_AB01[0])
    con = store.connect(db)
    try:
        # audit verify reruns each with the option it was made with
        for run_id in (a, b):
            report = audit.verify(con, run_id)
            assert report.ok, report.lines()
        stored = {r[0]: r[1] for r in store.run(
            con, "SELECT run_id, count(*) FILTER (WHERE rule_id = 'AB01') FROM run_findings "
                 "GROUP BY run_id")}
        assert stored == {a: 0, b: int(MAIN_AB01[0])}
        change = audit.diff(con, a, b)
        assert any("check --notes off -> on" in c for c in change.manifest_changes)
        assert not change.visits
        # a stored notes run is read back (runs export / report --run) with its findings
        from berthcheck.engine.runs import verified_frames

        results, findings = verified_frames(con, b)
        assert findings.filter(pl.col("rule_id") == "AB01").height == int(MAIN_AB01[0])
        assert results["not_applicable_reason"].drop_nulls().len() == int(MAIN_AB01[0])
    finally:
        con.close()
    # the default run is what the report and the exports find for this scope
    from berthcheck.engine import runs
    from berthcheck.engine.scope import parse_scope

    con = store.connect(db)
    try:
        pack = load_pack(CARB)
        inputs = runs.input_fingerprint(con)
        assert runs.run_id_for(pack, parse_scope(PERIOD), inputs) == a
        assert runs.run_id_for(pack, parse_scope(PERIOD), inputs, notes=True) == b
    finally:
        con.close()


@pytest.fixture()
def carb_copy(tmp_path) -> Path:
    folder = tmp_path / "packs" / CARB
    shutil.copytree(rules_dir() / CARB, folder)
    return folder


def _set_notes(folder: Path, value: str) -> None:
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    old = 'notes = { AB01 = "not_applicable_reason" }'
    assert old in text
    toml.write_text(text.replace(old, value), encoding="utf-8")


@pytest.mark.parametrize(("value", "expect"), [
    ('notes = { AB99 = "not_applicable_reason" }', "[pack] notes: 'AB99' is not a rule"),
    ('notes = { AB06 = "not_applicable_reason" }', "rule AB06 has severity violation"),
    ('notes = { AB01 = "why" }', "AB01 = 'why': the column is not declared"),
    ('notes = { AB01 = "gap_minutes" }', "AB01 = 'gap_minutes': the column is DOUBLE"),
    ('notes = ["AB01"]', "[pack] notes must be a table"),
])
def test_a_bad_note_declaration_is_a_pack_error(carb_copy, sample_db, value, expect):
    _set_notes(carb_copy, value)
    result = _cli("check", "--db", sample_db, "--pack", carb_copy, "--period", PERIOD)
    assert result.exit_code == 2, result.output
    assert expect in result.output
    assert "pack.toml, line " in result.output
    assert "Traceback" not in result.output


def test_a_column_that_differs_from_its_note_is_refused_with_notes(carb_copy, sample_db):
    # the column's text drifts from the rule's message: only a check with notes can see it
    assemble = carb_copy / "assemble.sql"
    text = assemble.read_text(encoding="utf-8")
    old = "        not_applicable_reason(not_applicable_basis,"
    assert text.count(old) == 1
    assemble.write_text(text.replace(old, "'n/a: ' || not_applicable_reason(not_applicable_basis,"),
                        encoding="utf-8")
    pack = load_pack(str(carb_copy))
    con = store.connect(sample_db, read_only=True)
    try:
        assert check(con, pack, period=PERIOD, store_run=False, record=False).results.height
        with pytest.raises(BerthcheckError, match=r"assemble\.sql failed: result column "
                           r"not_applicable_reason is the text of note rule AB01"):
            check(con, pack, period=PERIOD, store_run=False, record=False, notes=True)
    finally:
        con.close()


def test_notes_on_a_pack_without_notes_change_nothing(sample_db):
    pack = load_pack("cn-shore-power")
    assert not pack.notes
    con = store.connect(sample_db, read_only=True)
    try:
        outcome = check(con, pack, period=PERIOD, store_run=False, notes=True)
    finally:
        con.close()
    assert outcome.notes is False
    assert "notes" not in outcome.manifest


def test_the_report_counts_a_note_by_its_column(both):
    from types import SimpleNamespace

    from berthcheck.report.methodology import methodology

    plain, noted = both
    for outcome in (plain, noted):
        run = SimpleNamespace(pack=outcome.pack, results=outcome.results, inputs={})
        rows = {r["id"]: r for r in methodology(run, outcome.findings.to_dicts())["rules"]}
        # the rules table shows the visits with the note either way, never 0 for a note
        assert rows["AB01"]["n"] == int(MAIN_AB01[0])
        assert rows["AB01"]["note"] == ("not_applicable_reason" if outcome is plain else None)
        assert rows["AB06"]["note"] is None


# the note's text for each basis, and NULL when a piece the text uses is NULL: as the macro
# wrote it with || before it became one concat(...) per text (session 26; concat alone would
# skip a NULL piece and write a text with a hole in it)
NOTE_TEXTS = [
    (("port_not_covered", "NLRTM", "container", None, "2026-10-03"),
     "port NLRTM is not covered by the CARB At-Berth regulation"),
    (("not_ocean_going_vessel", "USLAX", "articulated_tug_barge", None, "2026-10-03"),
     "an articulated tug barge is not an ocean-going vessel under the Control Measure "
     "(§ 93130.2(b)(7))"),
    (("not_regulated_type", "USLAX", "bulk", None, "2026-10-03"),
     "vessel type bulk is not regulated for emission control"),
    (("before_start_date", "USOAK", "tanker", "2027-01-01", "2026-10-03"),
     "vessel type tanker is regulated at USOAK from 2027-01-01; arrival was 2026-10-03"),
    (("port_not_covered", None, "container", None, "2026-10-03"), None),
    (("not_ocean_going_vessel", "USLAX", None, None, "2026-10-03"), None),
    (("not_regulated_type", "USLAX", None, None, "2026-10-03"), None),
    (("before_start_date", None, "tanker", "2027-01-01", "2026-10-03"), None),
    (("before_start_date", "USOAK", None, "2027-01-01", "2026-10-03"), None),
    (("before_start_date", "USOAK", "tanker", None, "2026-10-03"), None),
    (("before_start_date", "USOAK", "tanker", "2027-01-01", None), None),
    # an empty piece is a piece: the text keeps its place
    (("port_not_covered", "", "container", None, None),
     "port  is not covered by the CARB At-Berth regulation"),
]


@pytest.mark.parametrize(("args", "expect"), NOTE_TEXTS)
def test_the_note_text_of_each_basis_and_null_pieces(args, expect):
    import duckdb

    con = duckdb.connect()
    try:
        con.execute((rules_dir() / CARB / "stages" / "05_notes.sql").read_text(encoding="utf-8"))
        got = con.execute("SELECT not_applicable_reason(?, ?, ?, CAST(? AS DATE), "
                          "CAST(? AS DATE))", list(args)).fetchone()
    finally:
        con.close()
    assert got == (expect,)
