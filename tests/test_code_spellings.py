"""Terminal, berth and visit codes match letter for letter (they are identifiers); a code
that differs from the visits' only by case or spaces is said, never dropped silently
(docs/contract.md 2, "Codes").

Before: a berths row `uslax,wbct ,b136` for visits at `WBCT` / `B136` loaded without a word and
matched nothing (the visit's berth was "without a berths row", its responsible party
`unknown`); a terminals row likewise; a shore-power row for `v1 ` was refused as "no such
visit" without naming the loaded `V1`."""

from __future__ import annotations

import json

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
    # codes are not folded: the verdicts are those of a berth without a berths row
    assert summary["worst"][0]["responsible"] == "unknown"
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
