"""Terminal, berth and visit codes match letter for letter (they are identifiers); a code
that differs from the visits' only by case or spaces is said, never dropped silently
(docs/contract.md 2, "Codes").

Before: a berths row `uslax,wbct ,b136` for visits at `WBCT` / `B136` loaded without a word and
matched nothing (the visit's berth was "without a berths row", its responsible party
`unknown`); a terminals row likewise; a shore-power row for `v1 ` was refused as "no such
visit" without naming the loaded `V1`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from berthcheck.cli import app
from tests.conftest import good_visit, write_csv

BERTHS = ("berths.csv, row 2: berths row at USLAX with column terminal 'wbct', column berth "
          "'b136' matches no loaded visit, but visits there have terminal 'WBCT', berth 'B136' "
          "(1 visit), which differ only by case or spaces: codes match letter for letter, so "
          "those visits get no berths row; load a berths row spelt as they are (`berthcheck "
          "load berths FILE`)")
TERMINALS = ("terminals.csv, row 2: terminals row at USLAX with column terminal 'wbct' "
             "matches no loaded visit, but visits there have terminal 'WBCT' (1 visit), which "
             "differ only by case or spaces: codes match letter for letter, so those visits get "
             "no terminals row; load a terminals row spelt as they are (`berthcheck load "
             "terminals FILE`)")


def _folder(folder, terminal="wbct ", berth="b136"):
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit(terminal="WBCT", berth="B136")])
    write_csv(folder / "berths.csv", [{"port": "uslax", "terminal": terminal, "berth": berth,
                                       "shore_power": "true", "capture_available": "false"}])
    write_csv(folder / "terminals.csv", [{"port": "USLAX", "terminal": f" {terminal}",
                                          "vessel_type": "container", "year": "2026",
                                          "regulated": "true"}])
    return folder


def _warnings(result) -> list[str]:
    return [line.removeprefix("warning: ") for line in result.stderr.splitlines()
            if line.startswith("warning: ")]


def test_a_berths_or_terminals_row_spelt_otherwise_is_said_at_load_dir_and_check(runner,
                                                                                tmp_path):
    db = str(tmp_path / "s.duckdb")
    loaded = runner.invoke(app, ["load-dir", str(_folder(tmp_path / "in")), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    assert BERTHS in _warnings(loaded) and TERMINALS in _warnings(loaded)
    checked = runner.invoke(app, ["check", "--db", db, "--period", "2026-10", "--json"])
    assert checked.exit_code == 0, checked.output
    summary = json.loads(checked.stdout)
    assert BERTHS in summary["warnings"] and TERMINALS in summary["warnings"]
    # codes are not folded: the verdicts are those of a berth without a berths row (its vessel
    # with shore power: Table 7 names the terminal whether the berth has shore power or not)
    assert summary["worst"][0]["responsible"] == "terminal+unknown"
    # a row spelt as the visits are, loaded beside it (nothing is deleted), ends the warning
    write_csv(tmp_path / "fixed.csv", [{"port": "USLAX", "terminal": "WBCT", "berth": "B136",
                                        "shore_power": "true", "capture_available": "false"}])
    assert runner.invoke(app, ["load", "berths", str(tmp_path / "fixed.csv"),
                               "--db", db]).exit_code == 0
    again = runner.invoke(app, ["check", "--db", db, "--period", "2026-10", "--json"])
    assert BERTHS not in json.loads(again.stdout)["warnings"]
    assert TERMINALS in json.loads(again.stdout)["warnings"]


def test_exact_codes_and_other_berths_give_no_warning(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    # the visits' own spelling, and a berth of another number (not a spelling of B136)
    folder = _folder(tmp_path / "in", terminal="WBCT", berth="B137")
    loaded = runner.invoke(app, ["load-dir", str(folder), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    assert not [w for w in _warnings(loaded) if "letter for letter" in w]


def test_a_session_for_a_visit_id_spelt_otherwise_names_the_loaded_one(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    write_csv(tmp_path / "visits.csv", [good_visit(visit_id="V1")])
    assert runner.invoke(app, ["load", "visits", str(tmp_path / "visits.csv"),
                               "--db", db]).exit_code == 0
    write_csv(tmp_path / "sp.csv", [{"visit_id": "v1 ", "connected": "2026-10-01 11:00",
                                     "disconnected": "2026-10-03 04:00"},
                                    {"visit_id": "V9", "connected": "2026-10-01 11:00",
                                     "disconnected": "2026-10-03 04:00"}])
    result = runner.invoke(app, ["load", "shore-power", str(tmp_path / "sp.csv"), "--db", db])
    assert result.exit_code == 1
    assert ("sp.csv, row 2, column visit_id: 'v1': no such visit is loaded; the loaded visits "
            "have 'V1', which differs only by case or spaces (visit ids match letter for "
            "letter)") in result.stderr
    assert ("sp.csv, row 3, column visit_id: 'V9': no such visit is loaded (load the visits "
            "first)") in result.stderr


def test_a_loaded_visit_id_with_blanks_inside_is_named_for_one_spelt_without(runner, tmp_path):
    """The near spellings are found by folding case and the blanks regular expressions call
    `\\s` (space, tab, CR, LF, form feed): a loaded id with blanks inside (`V 12`, `X<tab>3`)
    is folded as a whole, one without blanks only by case (the cheaper fold it takes, the same
    result); a blank of another kind (no-break space) is not folded away."""
    db = str(tmp_path / "s.duckdb")
    write_csv(tmp_path / "visits.csv", [
        good_visit(visit_id=visit_id, arrival=f"2026-10-{day:02d} 06:00",
                   departure=f"2026-10-{day + 1:02d} 06:00", ready_to_work="",
                   pilot_on_board="")
        for visit_id, day in (("V 12", 1), ("W7", 5), ("X\t3", 9), ("Y\u00a04", 13))])
    loaded = runner.invoke(app, ["load", "visits", str(tmp_path / "visits.csv"), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    rows = [{"visit_id": given, "connected": "2026-10-01 11:00",
             "disconnected": "2026-10-01 12:00"} for given in ("v12", "w 7", "x3", "y4")]
    # (every row names no loaded visit: its times are never compared with a stay)
    write_csv(tmp_path / "sp.csv", rows)
    result = runner.invoke(app, ["load", "shore-power", str(tmp_path / "sp.csv"), "--db", db])
    assert result.exit_code == 1
    for row, given, loaded_id in ((2, "v12", "'V 12'"), (3, "w 7", "'W7'"), (4, "x3", "'X\\t3'")):
        assert (f"sp.csv, row {row}, column visit_id: '{given}': no such visit is loaded; the "
                f"loaded visits have {loaded_id}, which differs only by case or spaces") \
            in result.stderr, result.stderr
    assert ("sp.csv, row 5, column visit_id: 'y4': no such visit is loaded (load the visits "
            "first)") in result.stderr


# A TIE allowance or a terminal's visit count spelt otherwise (`wbct` for the visits' `WBCT`)
# granted or counted for no terminal: its TIE claims were AB11/AB10, its status AB03, without
# a word at load-dir or check. Fleets are not in this: the CARB pack matches them folded
# (fleet_key), so `hanse nordic` is the visits' `Hanse Nordic` already.
ALLOWANCES = ("allowances.csv, row 2: allowances row (holder_kind terminal) at USLAX with "
              "column holder 'wbct' matches no loaded visit, but visits there have terminal "
              "'WBCT' (1 visit), which differ only by case or spaces: codes match letter for "
              "letter, so the row grants no TIE to their terminal; load an allowances row "
              "spelt as they are (`berthcheck load allowances FILE`)")
COUNTS = ("visit_counts.csv, row 3: visit_counts row (holder_kind terminal) at USLAX with "
          "column holder 'Wbct' matches no loaded visit, but visits there have terminal 'WBCT' "
          "(1 visit), which differ only by case or spaces: codes match letter for letter, so "
          "the row counts no visit of their terminal; load a visit-counts row spelt as they "
          "are (`berthcheck load visit-counts FILE`)")


def _holders(folder, holder="wbct", counted="Wbct"):
    folder.mkdir()
    write_csv(folder / "visits.csv", [good_visit(terminal="WBCT", shore_power_capable="no")])
    write_csv(folder / "events.csv", [{"event_id": "E1", "visit_id": "V1", "kind": "tie"}])
    write_csv(folder / "allowances.csv", [
        {"year": "2026", "holder_kind": "terminal", "holder": holder, "granted": "5",
         "port": "uslax"},
        # a fleet is matched ignoring case and spaces by the pack: no warning
        {"year": "2026", "holder_kind": "fleet", "holder": "wbct", "granted": "5", "port": ""}])
    write_csv(folder / "visit_counts.csv", [
        # the visits' spelling for 2024: this row is theirs, so it warns of nothing
        {"year": "2024", "holder_kind": "terminal", "holder": "WBCT", "port": "USLAX",
         "vessel_type": "", "visits": "99", "source": "wharfinger"},
        {"year": "2025", "holder_kind": "terminal", "holder": f" {counted} ", "port": "USLAX",
         "vessel_type": "container", "visits": "99", "source": "wharfinger"}])
    return folder


def test_a_terminal_allowance_or_count_spelt_otherwise_is_said(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    loaded = runner.invoke(app, ["load-dir", str(_holders(tmp_path / "in")), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    said = [w for w in _warnings(loaded) if "letter for letter" in w]
    assert said == [ALLOWANCES, COUNTS]
    checked = runner.invoke(app, ["check", "--db", db, "--period", "2026-10", "--json"])
    assert checked.exit_code == 0, checked.output
    summary = json.loads(checked.stdout)
    assert [w for w in summary["warnings"] if "letter for letter" in w] == [ALLOWANCES, COUNTS]
    # codes are not folded: the TIE is still not honoured (no allowance of terminal WBCT)
    assert summary["worst"][0]["visit_id"] == "V1"


def test_terminal_holders_spelt_as_the_visits_are_give_no_warning(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    folder = _holders(tmp_path / "in", holder="WBCT", counted="WBCT")
    loaded = runner.invoke(app, ["load-dir", str(folder), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    assert not [w for w in _warnings(loaded) if "letter for letter" in w]


def test_load_of_one_kind_says_codes_spelt_otherwise_as_load_dir_does(runner, tmp_path):
    # `load berths` of a misspelt row said nothing (only load-dir and check did): a user who
    # loads file by file learnt of it at the first check, if at all
    db = str(tmp_path / "s.duckdb")
    folder = _holders(_folder(tmp_path / "in") / "more")
    visits = runner.invoke(app, ["load", "visits", str(folder / "visits.csv"), "--db", db])
    assert visits.exit_code == 0, visits.output
    assert not [w for w in _warnings(visits) if "letter for letter" in w]  # nothing else yet
    berths = runner.invoke(app, ["load", "berths", str(tmp_path / "in" / "berths.csv"),
                                 "--db", db])
    assert berths.exit_code == 0, berths.output
    assert _warnings(berths) == [BERTHS]
    # --json: the same lines in a `warnings` list beside the files, on valid JSON, nothing
    # on standard error's warning lines twice
    allowances = runner.invoke(app, ["load", "allowances", str(folder / "allowances.csv"),
                                     "--db", db, "--json"])
    assert allowances.exit_code == 0, allowances.output
    out = json.loads(allowances.stdout)
    assert set(out) == {"kind", "files", "quarantined_problems", "warnings", "written_files"}
    # every key is documented where `load --json` is (README, the load command's section)
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### `berthcheck load KIND", 1)[1].split("\n### ", 1)[0]
    assert all(f"`{key}`" in section for key in out)
    assert out["warnings"] == [ALLOWANCES]  # the load's own table only, not the berths again
    # a load of sessions changes no code's match: it repeats nothing
    sp = write_csv(tmp_path / "sp.csv", [{"visit_id": "V1", "connected": "2026-10-01 11:00",
                                          "disconnected": "2026-10-03 04:00"}])
    sessions = runner.invoke(app, ["load", "shore-power", str(sp), "--db", db, "--json"])
    assert sessions.exit_code == 0, sessions.output
    assert json.loads(sessions.stdout)["warnings"] == []
    # visits loaded (again, or new ones) may change every table's match: all are said
    again = runner.invoke(app, ["load", "visits", str(folder / "visits.csv"), "--db", db])
    assert [w for w in _warnings(again) if "letter for letter" in w] == [BERTHS, ALLOWANCES]


def test_a_terminal_allowance_without_port_spelt_otherwise_names_the_loaded_code(runner,
                                                                                 tmp_path):
    # its port is filled in only from a terminal code loaded letter for letter; `wbct` was
    # refused as "no loaded visit, berth or terminals row names this terminal" without naming
    # the visits' `WBCT`
    db = str(tmp_path / "s.duckdb")
    write_csv(tmp_path / "visits.csv", [good_visit(terminal="WBCT")])
    assert runner.invoke(app, ["load", "visits", str(tmp_path / "visits.csv"),
                               "--db", db]).exit_code == 0
    write_csv(tmp_path / "allowances.csv", [{"year": "2026", "holder_kind": "terminal",
                                             "holder": "wbct", "granted": "5", "port": ""}])
    result = runner.invoke(app, ["load", "allowances", str(tmp_path / "allowances.csv"),
                                 "--db", db])
    assert result.exit_code == 1
    assert ("allowances.csv, row 2, column port: '': required for terminal wbct: no loaded "
            "visit, berth or terminals row names this terminal at any port (a TIE belongs to "
            "a terminal at one port); loaded terminal 'WBCT' (at USLAX) differs only by case "
            "or spaces (codes match letter for letter)") in result.stderr


def test_the_lines_do_not_depend_on_the_order_rows_were_loaded_in(tmp_path):
    """Two berths rows with the same file name and row (row 2 of two files both named
    berths.csv) spelling B136 otherwise: the lines were ordered by file, row and the visits'
    spelling only, so their order was the store's (here the load order) and the same rows
    gave other output when loaded the other way round."""
    from contextlib import closing

    from berthcheck import store
    from berthcheck.engine.code_spellings import near_code_warnings
    from berthcheck.ingest.load import load_files

    def lines(first, second):
        db = tmp_path / f"{first}-{second}.duckdb"
        with closing(store.connect(db)) as con:
            write_csv(tmp_path / "visits.csv", [good_visit(terminal="WBCT", berth="B136")])
            load_files(con, "visits", [tmp_path / "visits.csv"])
            for n, berth in enumerate((first, second)):
                folder = tmp_path / f"{first}-{second}-{n}"
                folder.mkdir()
                write_csv(folder / "berths.csv", [{"port": "USLAX", "terminal": "WBCT",
                                                   "berth": berth, "shore_power": "true"}])
                load_files(con, "berths", [folder / "berths.csv"])
            return near_code_warnings(con)

    one, other = lines("b136", "B 136"), lines("B 136", "b136")
    assert len(one) == 2
    assert one == other


CAPTURE = ("capture.csv, row 2: capture row with column system_id 'eo 1' matches no loaded "
           "caecs row, but caecs rows have system_id 'EO1' (1 row), which differ only by case "
           "or spaces: codes match letter for letter, so its system is one not listed in caecs "
           "(CARB AB14: the session's minutes do not count as control); load the session again "
           "with the system spelt as caecs has it (`berthcheck load capture FILE --replace`), "
           "or a caecs row spelt as the session has it (`berthcheck load caecs FILE`)")


@pytest.mark.parametrize("order", [("capture", "caecs"), ("caecs", "capture")])
def test_a_capture_system_spelt_otherwise_than_caecs_is_said(runner, tmp_path, order):
    """Before: the session got AB14 "system eo 1 is not listed in caecs", and nothing named
    caecs' `EO1` at load or check."""
    db = str(tmp_path / "s.duckdb")
    files = {
        "visits": write_csv(tmp_path / "visits.csv", [good_visit()]),
        "capture": write_csv(tmp_path / "capture.csv", [{
            "session_id": "C1", "visit_id": "V1", "system_id": "eo 1",
            "started": "2026-10-01 09:00", "ended": "2026-10-03 04:00"}]),
        "caecs": write_csv(tmp_path / "caecs.csv", [{
            "system_id": "EO1", "name": "Capture One", "approved_from": "2024-01-01"}]),
    }
    assert runner.invoke(app, ["load", "visits", str(files["visits"]), "--db", db]).exit_code == 0
    first = runner.invoke(app, ["load", order[0], str(files[order[0]]), "--db", db])
    assert first.exit_code == 0, first.output
    assert CAPTURE not in _warnings(first)  # one table of the two: nothing to match yet
    second = runner.invoke(app, ["load", order[1], str(files[order[1]]), "--db", db])
    assert second.exit_code == 0, second.output
    assert _warnings(second) == [CAPTURE]
    # a load of neither table does not repeat it
    again = runner.invoke(app, ["load", "visits", str(files["visits"]), "--db", db])
    assert CAPTURE not in _warnings(again)
    # one check: its JSON summary and its findings file (each was a check of its own)
    findings = tmp_path / "findings.csv"
    checked = runner.invoke(app, ["check", "--db", db, "--period", "2026-10", "--json", "--out",
                                  str(tmp_path / "results.csv"), "--findings", str(findings)])
    assert checked.exit_code == 0, checked.output
    assert CAPTURE in json.loads(checked.stdout)["warnings"]
    # codes are not folded: the session is still one of a system not listed in caecs
    assert "system eo 1 is not listed in caecs" in findings.read_text(encoding="utf-8")


def test_a_capture_system_spelt_as_caecs_gives_no_warning(runner, tmp_path):
    db = str(tmp_path / "s.duckdb")
    write_csv(tmp_path / "visits.csv", [good_visit()])
    write_csv(tmp_path / "capture.csv", [{
        "session_id": "C1", "visit_id": "V1", "system_id": "EO1",
        "started": "2026-10-01 09:00", "ended": "2026-10-03 04:00"}])
    write_csv(tmp_path / "caecs.csv", [
        {"system_id": "EO1", "name": "Capture One", "approved_from": "2024-01-01"},
        {"system_id": "eo1", "name": "Another", "approved_from": "2024-01-01"}])
    loaded = runner.invoke(app, ["load-dir", str(tmp_path), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    assert not [w for w in _warnings(loaded) if "letter for letter" in w]


def test_empty_reference_tables_are_not_searched(tmp_path, monkeypatch):
    """A store of visits alone (no berths, terminals, allowances, counts, capture or
    coverage) has no row to warn of: one query finds the tables empty, and none of the ten
    searches runs (they cost about 80 ms a `load`, `check` or `report`). With a berths row
    spelt otherwise loaded, its table is searched and its line said."""
    from berthcheck import store
    from berthcheck.engine import code_spellings
    from berthcheck.ingest.load import load_files

    con = store.connect(tmp_path / "bc.duckdb")
    try:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", [good_visit()])])
        statements: list[str] = []
        real = store.run

        def counted(con, sql, *args, **kwargs):
            statements.append(sql)
            return real(con, sql, *args, **kwargs)

        monkeypatch.setattr(store, "run", counted)
        assert code_spellings.near_code_warnings(con) == []
        assert len(statements) == 1 and "LIMIT 1" in statements[0]
        monkeypatch.setattr(store, "run", real)
        load_files(con, "berths", [write_csv(tmp_path / "b.csv", [
            {"port": "USLAX", "terminal": "trapac", "berth": "B136",
             "shore_power_capable": "yes"}])])
        monkeypatch.setattr(store, "run", counted)
        statements.clear()
        lines = code_spellings.near_code_warnings(con)
        assert len(lines) == 1 and "column terminal 'trapac'" in lines[0], lines
        # which are filled, which hold a row no visit spells letter for letter (berths does),
        # berths' spellings, and whether berths holds a row at a port in no ports table (it
        # does not: its rows are not grouped by file and port)
        assert len(statements) == 4, statements
        assert "NOT EXISTS (SELECT 1 FROM visits e" in statements[1]
        assert "DISTINCT r.k" in statements[3]
    finally:
        con.close()
    # a berth spelt as the visits spell it: no row unmatched, so no search of its spellings
    monkeypatch.setattr(store, "run", real)
    con = store.connect(tmp_path / "exact.duckdb")
    try:
        load_files(con, "visits", [write_csv(tmp_path / "v.csv", [good_visit()])])
        load_files(con, "berths", [write_csv(tmp_path / "b2.csv", [
            {"port": "USLAX", "terminal": "TRAPAC", "berth": "B136",
             "shore_power_capable": "yes"}])])
        monkeypatch.setattr(store, "run", counted)
        statements.clear()
        assert code_spellings.near_code_warnings(con) == []
        assert len(statements) == 3, statements  # filled, unmatched (none), ports
    finally:
        con.close()
