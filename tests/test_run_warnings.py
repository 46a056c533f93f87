"""The warnings about a run come from one function (berthcheck/run_warnings.py): `check`,
`report`, `report --run`, the exports and `runs export` give the same lines for the same run.

Before, each command assembled its own list: `report` and the exports left out the empty-table
lines `check` gives, and `report --run` and `runs export` gave none at all (not even a CARB
fleet's pooled VIE allowance, docs/regulations-carb.md § 8.1, which the other exports said)."""

from __future__ import annotations

import json
from contextlib import closing

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine.fixture_store import put_tables, visit

_2025 = {"arrival": "2025-05-03 06:00", "ready_to_work": "2025-05-03 08:00",
         "pilot_on_board": "2025-05-04 18:00", "departure": "2025-05-04 19:00"}
POOLED = ("fleet F1: its 2026 VIE allowance is pooled over the vessel types of its 2025 "
          "visits (container, roro)")


def _pooled_store(path):
    """Fleet F1: a container and a ro-ro visit in 2025, and a 2026-10 visit claiming a VIE."""
    with closing(store.connect(path)) as con:
        put_tables(con, {"visits": [visit("P1", **_2025),
                                    visit("P2", vessel_type="roro", imo="9074729", **_2025),
                                    visit("V1")],
                         "events": [{"visit_id": "V1", "event_id": "E1", "kind": "vie"}]})
    return path


def _check(runner, db) -> dict:
    result = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _stderr_warnings(result) -> list[str]:
    return [line.removeprefix("warning: ") for line in result.stderr.splitlines()
            if line.startswith("warning: ")]


def test_every_command_gives_a_run_the_warnings_check_gave(runner, tmp_path):
    db = _pooled_store(tmp_path / "s.duckdb")
    checked = _check(runner, db)
    expected = checked["warnings"]
    # the empty-table lines, then the pooled fleet (the check's order)
    assert expected[0].startswith("no berths table")
    assert expected[-1].startswith(POOLED)
    run_id = checked["run_id"]

    exported = runner.invoke(app, ["runs", "export", run_id, "--db", str(db),
                                   "--out", str(tmp_path / "r.csv")])
    assert exported.exit_code == 0, exported.output
    assert _stderr_warnings(exported) == expected  # was: none
    assert "pooled" not in (tmp_path / "r.csv").read_text(encoding="utf-8")

    stored = runner.invoke(app, ["report", "--run", run_id, "--db", str(db),
                                 "--out", str(tmp_path / "r.html")])
    assert stored.exit_code == 0, stored.output
    assert _stderr_warnings(stored) == expected  # was: none

    fresh = runner.invoke(app, ["report", "--period", "2026-10", "--db", str(db),
                                "--out", str(tmp_path / "p.html")])
    assert fresh.exit_code == 0, fresh.output
    assert _stderr_warnings(fresh) == expected  # was: the pooled line only

    export = runner.invoke(app, ["export", "indicators", "--db", str(db), "--period",
                                 "2026-10", "--out", str(tmp_path / "i.zip"), "--json"])
    assert export.exit_code == 0, export.output
    assert json.loads(export.stdout)["run_id"] == run_id
    assert json.loads(export.stdout)["warnings"] == expected  # was: the pooled line only


def test_a_stored_runs_warnings_are_those_of_the_store_it_read(runner, tmp_path):
    """Loads after the run (a tanker visit of F1 in 2025; every table filled) change what a
    check now would say; `runs export` and `report --run` of the earlier run still say what it
    read (the store as of its newest load batch, as `audit verify` rebuilds it)."""
    db = _pooled_store(tmp_path / "s.duckdb")
    checked = _check(runner, db)
    with closing(store.connect(db)) as con:
        put_tables(con, {"visits": [visit("P3", vessel_type="tanker", imo="9074729", **_2025)],
                         "berths": [{"port": "USLAX", "terminal": "T1", "berth": "B1",
                                     "shore_power": True}]})
    now = _check(runner, db)["warnings"]
    assert now != checked["warnings"]
    assert not any(line.startswith("no berths table") for line in now)
    exported = runner.invoke(app, ["runs", "export", checked["run_id"], "--db", str(db),
                                   "--out", str(tmp_path / "r.csv")])
    assert exported.exit_code == 0, exported.output
    assert _stderr_warnings(exported) == checked["warnings"]
    stored = runner.invoke(app, ["report", "--run", checked["run_id"], "--db", str(db),
                                 "--out", str(tmp_path / "r.html")])
    assert _stderr_warnings(stored) == checked["warnings"]


def test_a_run_whose_pack_changed_since_is_still_exported_and_says_what_is_not_given(
        runner, tmp_path):
    """`runs export` hands on a stored run whatever the pack is now: the warnings that need
    the run's pack are then left out, and a line says so (never a refusal, nor a traceback)."""
    import shutil
    from pathlib import Path

    import berthcheck

    db = _pooled_store(tmp_path / "s.duckdb")
    pack = tmp_path / "pack"
    shutil.copytree(Path(berthcheck.__file__).parents[1] / "rules" / "carb-at-berth-2020", pack)
    rule = pack / "AB02.sql"  # a pack of its own (the built-in's copy would be the built-in)
    rule.write_text(rule.read_text(encoding="utf-8") + "\n-- a copy\n", encoding="utf-8")
    checked = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10", "--pack",
                                  str(pack), "--json"])
    assert checked.exit_code == 0, checked.output
    run_id = json.loads(checked.stdout)["run_id"]
    rule.write_text(rule.read_text(encoding="utf-8") + "\n-- edited after the run\n",
                    encoding="utf-8")
    exported = runner.invoke(app, ["runs", "export", run_id, "--db", str(db),
                                   "--out", str(tmp_path / "r.csv")])
    assert exported.exit_code == 0, exported.output
    lines = _stderr_warnings(exported)
    assert not any(line.startswith(POOLED) for line in lines)
    assert lines[-1].startswith(f"the warnings of run {run_id} that need its pack (the empty "
                                "tables it reads, codes spelt otherwise, pooled fleets) are "
                                f"not given: run {run_id} was made with")
