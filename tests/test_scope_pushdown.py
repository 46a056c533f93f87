"""Issue 16, item 4: the CARB pack judges one by one only the visits of the years the check's
scope touches (rules/carb-at-berth-2020/stages/10_visits.sql), while counts and commissioning
history read every loaded visit. Whatever the scope, a visit's row and findings are those of
the unscoped check: every CARB rule fixture (many load earlier years as history) is checked
for each month it has visits in, against the same store checked whole."""

from __future__ import annotations

import pytest
from polars.testing import assert_frame_equal

from berthcheck import store
from berthcheck.engine import check, load_pack
from berthcheck.engine.pack_fixtures import _load_files, _local_year, build_tables
from tests.helpers_store import put_tables
from tests.test_rule_fixtures import _cases


def _years(case: dict, defaults: dict) -> set[int]:
    return {_local_year(v) for v in build_tables(case, defaults).get("visits", [])}


# the fixtures whose visits span years: there the scope leaves earlier years out of the visits
# judged one by one, so history must come from the year-level tables
CARB_CASES = [p for p in _cases()
              if p.values[0] == "carb-at-berth-2020" and len(_years(p.values[2], p.values[3])) > 1]
# commissioning history across years: V0 (2025) carried a commissioning event, so V1's claim in
# 2026 without written approval is not the vessel's first and does not exempt it
_V0 = {"visit_id": "V0", "arrival": "2025-10-01 06:00", "ready_to_work": "2025-10-01 08:00",
       "pilot_on_board": "2025-10-03 05:00", "departure": "2025-10-03 06:00"}
COMMISSIONING_ACROSS_YEARS = {
    "name": "commissioning_history_across_years", "plug_in_all": True,
    "tables": {"visits": [_V0, {"visit_id": "V1"}],
               "events": [{"visit_id": "V0", "event_id": "E0", "kind": "commissioning"},
                          {"visit_id": "V1", "event_id": "E1", "kind": "commissioning"}]},
}


def _months(con) -> list[str]:
    rows = store.run(
        con, "SELECT DISTINCT strftime(timezone(coalesce(p.timezone, 'UTC'), v.departure), "
        "'%Y-%m') FROM visits v LEFT JOIN ports p ON p.port = v.port ORDER BY 1")
    return [r[0] for r in rows]


def test_the_fixtures_do_span_years():
    assert len(CARB_CASES) >= 10


@pytest.mark.parametrize(("pack_id", "rule_id", "case", "defaults"), [
    *CARB_CASES,
    pytest.param("carb-at-berth-2020", "AB13", COMMISSIONING_ACROSS_YEARS, {},
                 id="AB13:commissioning_history_across_years"),
])
def test_a_scoped_check_gives_each_visit_what_the_whole_check_gives(pack_id, rule_id, case,
                                                                      defaults):
    parts = _compare(pack_id, case, defaults)
    if case is COMMISSIONING_ACROSS_YEARS:  # the 2025 visit was seen from the 2026 month
        month = parts["2026-10"]
        v1 = month.results.filter(month.results["visit_id"] == "V1")
        assert v1["basis"].to_list() != ["commissioning"]
        refused = month.findings.filter((month.findings["visit_id"] == "V1")
                                        & (month.findings["rule_id"] == "AB19"))
        assert '"earlier_commissioning_visit":"V0"' in refused["evidence"][0]


def _compare(pack_id: str, case: dict, defaults: dict) -> dict:
    pack = load_pack(pack_id)
    parts = {}
    con = store.connect(":memory:")
    try:
        _load_files(con, case.get("load") or {})
        put_tables(con, build_tables(case, defaults))
        # results and findings are compared, never a run id: no manifest to build
        whole = check(con, pack, store_run=False, record=False)
        months = _months(con)
        assert months
        for month in months:
            part = parts[month] = check(con, pack, period=month, store_run=False, record=False)
            ids = part.results["visit_id"]
            assert part.results.height > 0, month
            assert_frame_equal(
                part.results,
                whole.results.filter(whole.results["visit_id"].is_in(ids.implode())),
            )
            assert_frame_equal(
                part.findings,
                whole.findings.filter(whole.findings["visit_id"].is_in(ids.implode())),
            )
    finally:
        con.close()
    return parts
