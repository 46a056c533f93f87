"""The interim warning for the open CARB "fleet" question (docs/regulations-carb.md § 8.1):
`check` and `report` say when a fleet's VIE allowance is pooled over vessel types. No verdict,
finding or number changes."""

from __future__ import annotations

import json
from contextlib import closing

from berthcheck import store
from berthcheck.cli import app
from berthcheck.engine import check, load_pack
from berthcheck.engine.fixture_store import put_tables, visit
from berthcheck.engine.fleet_pooling import pooled_fleet_warnings

_2025 = {"arrival": "2025-05-03 06:00", "ready_to_work": "2025-05-03 08:00",
         "pilot_on_board": "2025-05-04 18:00", "departure": "2025-05-04 19:00"}
_VIE = [{"visit_id": "V1", "event_id": "E1", "kind": "vie"}]
_WARNING = (
    "warning: fleet F1: its 2026 VIE allowance is pooled over the vessel types of its 2025 "
    "visits (container, roro): berthcheck counts one fleet per name across vessel types and "
    "ports, while a fleet may be one vessel type (an open question, docs/regulations-carb.md "
    "§ 8.1); if CARB's fleets are per type, name them so on the visits or load CARB's grants "
    "as allowances rows"
)


def _tables(*previous: dict, **extra) -> dict:
    """Fleet F1's 2025 visits `previous` and one 2026-10 visit claiming a VIE."""
    return {"visits": [*previous, visit("V1")], "events": _VIE, **extra}


def _store(path, tables):
    with closing(store.connect(path)) as con:
        put_tables(con, tables)
    return path


def _warnings(tables, pack="carb-at-berth-2020") -> list[str]:
    con = store.connect(":memory:")
    try:
        put_tables(con, tables)
        pack_obj = load_pack(pack)
        outcome = check(con, pack_obj, period="2026-10", store_run=False, record=False)
        return pooled_fleet_warnings(con, pack_obj, outcome.results)
    finally:
        con.close()


def test_check_and_report_warn_for_a_fleet_of_container_and_roro_visits(runner, tmp_path):
    db = _store(tmp_path / "s.duckdb", _tables(
        visit("P1", **_2025), visit("P2", vessel_type="roro", imo="9074729", **_2025)))
    result = runner.invoke(app, ["check", "--db", str(db), "--period", "2026-10", "--json"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines().count(_WARNING) == 1
    assert _WARNING.removeprefix("warning: ") in json.loads(result.stdout)["warnings"]
    report = runner.invoke(app, ["report", "--db", str(db), "--period", "2026-10",
                                 "--out", str(tmp_path / "r.html")])
    assert report.exit_code == 0, report.output
    assert report.stderr.splitlines().count(_WARNING) == 1


def test_the_types_of_visit_counts_rows_count_and_a_fleet_is_named_ignoring_case():
    counts = [{"year": 2025, "holder_kind": "fleet", "holder": "f 1", "vessel_type": t,
               "visits": 40} for t in ("container", "roro")]
    assert [f"warning: {line}" for line in _warnings(_tables(**{"visit-counts": counts}))] \
        == [_WARNING]


def test_a_single_type_fleet_does_not_warn():
    # container visits, an articulated tug barge's (not an ocean-going vessel: the pack counts
    # none of its calls, § 93130.2(b)(7)) and another fleet's ro-ro visit
    assert _warnings(_tables(
        visit("P1", **_2025), visit("P2", vessel_type="articulated_tug_barge", **_2025),
        visit("P3", vessel_type="roro", fleet="F2", **_2025))) == []


def test_no_warning_without_a_judged_claim_or_under_another_pack():
    mixed = (visit("P1", **_2025), visit("P2", vessel_type="roro", **_2025))
    no_claim = _tables(*mixed)
    no_claim["events"] = []
    assert _warnings(no_claim) == []
    assert _warnings(_tables(*mixed), pack="fueleu-art6") == []


def test_exports_of_a_carb_run_warn_as_check_does(runner, tmp_path):
    """`export carb-visit-report` (and the other exports of a CARB run) said nothing of a
    fleet's pooled VIE allowance that `check` and `report` warned of for the same run. The
    warning goes where an export's warnings go (standard error, `--json`'s `warnings`), never
    into the regulator's file, whose format has no place for it."""
    db = _store(tmp_path / "s.duckdb", _tables(
        visit("P1", **_2025), visit("P2", vessel_type="roro", imo="9074729", **_2025)))
    out = tmp_path / "v.csv"
    result = runner.invoke(app, ["export", "carb-visit-report", "--db", str(db), "--party",
                                 "vessel", "--period", "2026-10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines().count(_WARNING) == 1
    assert "pooled" not in out.read_text(encoding="utf-8")
    as_json = runner.invoke(app, ["export", "indicators", "--db", str(db), "--period",
                                  "2026-10", "--out", str(tmp_path / "i.zip"), "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert _WARNING.removeprefix("warning: ") in json.loads(as_json.stdout)["warnings"]
    assert as_json.stderr.splitlines().count(_WARNING) == 1
