"""Issue 16, item 4: a scoped check judges one by one only the visits it needs (docs/packs.md,
`judges = "scope_visits"`): the visits in scope and the earlier visits of their years that
carry an event, while counts and commissioning history read every loaded visit
(`history_visits`, `history_events`). Whatever the scope, a visit's row and findings are those
of the unscoped check: every rule fixture of the three packs whose visits span more than one
month is checked month by month against the same store checked whole, and so are the cases
below, built so that a provision reading the wrong visits changes an outcome.

The cases of a pack are checked together (the rule fixtures' way, tests/test_rule_fixtures.py):
one store holding every case's rows, each case's identities under a prefix of its own
(`fixture_batches.cases_rows_together`), checked whole once and month by month once per month;
each test compares its own case's visits in every month they have. A case the prefixes cannot
keep apart is compared in a store of its own, and a case that fails beside the others is
compared alone again, so its failure is its own."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from polars.testing import assert_frame_equal

from berthcheck import store
from berthcheck.engine import check, load_pack
from berthcheck.engine.fixture_store import _PORT_TZ, parse_instant
from berthcheck.engine.pack_fixtures import Case, build_tables, case_rows, case_store
from tests.fixture_batches import case_share, cases_rows_together, together_key
from tests.test_rule_fixtures import _cases


def _local_months(case: dict, defaults: dict) -> set[str]:
    import zoneinfo

    months = set()
    for row in build_tables(case, defaults).get("visits", []):
        zone = _PORT_TZ.get(str(row["port"]))
        instant = parse_instant(row["departure"], zone)
        assert instant is not None
        months.add(instant.astimezone(zoneinfo.ZoneInfo(zone or "UTC")).strftime("%Y-%m"))
    return months


# the fixtures whose visits span months: there a month's scope leaves the other months out of
# the visits judged one by one, so history must come from the whole-store tables
SPANNING = [p for p in _cases() if len(_local_months(p.values[2], p.values[3])) > 1]

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


# the same with 2026 declared complete at the port: the history keys then bound a range (the
# port-year), and V0, outside it, must still come for its vessel (engine/history_keys.py: the
# span's rows and the other keys' rows outside it)
COMMISSIONING_OUTSIDE_THE_COVERED_YEAR = {
    **COMMISSIONING_ACROSS_YEARS, "name": "commissioning_history_outside_the_covered_year",
    "tables": {**COMMISSIONING_ACROSS_YEARS["tables"],
               "coverage": [{"kind": "port", "holder": "USLAX", "year": 2026}]},
}


def _carb_visit(visit_id: str, month: int, **extra) -> dict:
    day = f"2026-{month:02d}"
    return {"visit_id": visit_id, "arrival": f"{day}-03 06:00", "ready_to_work": f"{day}-03 08:00",
            "pilot_on_board": f"{day}-04 18:00", "departure": f"{day}-04 19:00", **extra}


# VIE claims numbered across the months of one year (fleet F1, 1 granted for 2026):
#   V3 (March) claims a VIE but is exempt as the vessel's first commissioning visit, connected
#     to shore power (its session must be seen): its claim does not count;
#   V5 (May) uses the one VIE: compliant, basis vie;
#   V6 (June) is the second claim: not honoured, non_compliant;
#   V8 (August, another vessel) has no claim and no event: a June check never judges it.
# A June check that numbers V6's claim without V5 (or counts V3's) honours it.
CLAIMS_ACROSS_MONTHS = {
    "name": "claims_across_months",
    "tables": {
        "visits": [_carb_visit("V3", 3, imo="9300003"), _carb_visit("V5", 5),
                   _carb_visit("V6", 6), _carb_visit("V8", 8, imo="9300008")],
        "shore-power": [{"visit_id": "V3", "session_id": "S3", "connected": "2026-03-03 10:00",
                         "disconnected": "2026-03-04 17:00"}],
        "events": [{"visit_id": "V3", "event_id": "C3", "kind": "commissioning"},
                   {"visit_id": "V3", "event_id": "E3", "kind": "vie"},
                   {"visit_id": "V5", "event_id": "E5", "kind": "vie"},
                   {"visit_id": "V6", "event_id": "E6", "kind": "vie"}],
        "allowances": [{"year": 2026, "holder_kind": "fleet", "holder": "F1", "granted": 1}],
    },
}

_FE = {"port": "NLRTM", "terminal": "ECT", "berth": "E1", "gross_tonnage": 95000,
       "aux_power_kw": 1000, "ready_to_work": None, "pilot_on_board": None}


def _fe_call(visit_id: str, month: int, **extra) -> dict:
    return {"visit_id": visit_id, "arrival": f"2030-{month:02d}-03 06:00",
            "departure": f"2030-{month:02d}-04 06:00", **extra}


# FuelEU's yearly cap (5 uses per ship) counted over the months of one year: uses in January
# to May, one call fully on OPS with an exception event (not a use, its session must be seen),
# the sixth use in July; the July check must count the earlier months' uses.
CAP_ACROSS_MONTHS = {
    "name": "capped_exception_across_months",
    "tables": {
        "visits": [_fe_call(f"U{m}", m) for m in range(1, 6)]
        + [_fe_call("G6", 6), _fe_call("U7", 7)],
        "shore-power": [{"visit_id": "G6", "session_id": "SG", "connected": "2030-06-03 06:00",
                         "disconnected": "2030-06-04 06:00"}],
        "events": [{"visit_id": v, "event_id": f"E{v}", "kind": "ops_unavailable"}
                   for v in ("U1", "U2", "U3", "U4", "U5", "G6", "U7")],
    },
}


# A port call shifting berth across midnight of 30 June (visits' port_call), both stays with
# an ops_unavailable event: one call, one use (the 4th, after March's), so August's call is the
# 5th use and honoured. The June check must judge the June stay with its July stay (the two-hour
# test, the use), the August check count the call once.
CALL_ACROSS_MONTHS = {
    "name": "port_call_across_months",
    "tables": {
        "visits": [_fe_call(f"U{m}", m) for m in range(1, 4)]
        + [{"visit_id": "P6", "arrival": "2030-06-30 22:30", "departure": "2030-06-30 23:50",
            "port_call": "RTM-P"},
           {"visit_id": "P7", "berth": "E2", "arrival": "2030-07-01 00:20",
            "departure": "2030-07-01 09:00", "port_call": "RTM-P"},
           _fe_call("U8", 8)],
        "events": [{"visit_id": v, "event_id": f"E{v}", "kind": "ops_unavailable"}
                   for v in ("U1", "U2", "U3", "P6", "P7", "U8")],
    },
}


MONTHS_SQL = ("SELECT v.visit_id, strftime(timezone(coalesce(p.timezone, 'UTC'), v.departure), "
              "'%Y-%m') AS month FROM visits v LEFT JOIN ports p ON p.port = v.port")


def _months(con) -> list[str]:
    """The local months of departure of the store's visits."""
    return [r[0] for r in store.run(con, f"SELECT DISTINCT month FROM ({MONTHS_SQL}) ORDER BY 1")]  # noqa: S608


def test_the_fixtures_do_span_months_in_every_pack():
    packs = [p.values[0] for p in SPANNING]
    assert packs.count("carb-at-berth-2020") >= 10
    assert packs.count("fueleu-art6") >= 5
    assert packs.count("cn-shore-power") >= 1


def test_the_packs_judge_the_visits_in_scope_only():
    for pack_id in ("carb-at-berth-2020", "fueleu-art6", "cn-shore-power"):
        assert load_pack(pack_id).judges == "scope_visits"


COMPARED = [
    *SPANNING,
    pytest.param("carb-at-berth-2020", "AB13", COMMISSIONING_ACROSS_YEARS, {},
                 id="AB13:commissioning_history_across_years"),
    pytest.param("carb-at-berth-2020", "AB13", COMMISSIONING_OUTSIDE_THE_COVERED_YEAR, {},
                 id="AB13:commissioning_history_outside_the_covered_year"),
    pytest.param("carb-at-berth-2020", "AB10", CLAIMS_ACROSS_MONTHS, {},
                 id="AB10:claims_across_months"),
    pytest.param("fueleu-art6", "FE08", CAP_ACROSS_MONTHS, _FE,
                 id="FE08:capped_exception_across_months"),
    pytest.param("fueleu-art6", "FE12", CALL_ACROSS_MONTHS, _FE,
                 id="FE12:port_call_across_months"),
]


def _as_case(rule_id: str, case: dict, defaults: dict) -> Case:
    return Case(Path(f"{rule_id}.yml"), rule_id, case["name"], case, defaults)


def _group(pack_id: str, rule_id: str, case: dict, defaults: dict) -> tuple | None:
    """The cases compared in one store: a pack's cases that the prefixes keep apart, with the
    same kinds whose emptiness a pack reads (`together_key`; the period is not used here)."""
    key = together_key(_as_case(rule_id, case, defaults))
    return None if key is None else (pack_id, key[1:])


@pytest.fixture(scope="module")
def together(cases_con):
    """A case's share of its group's whole check and of each month's check, made when the
    first case of the group asks (None: compared alone). Module scope: the file is one unit
    of work (tests/scheduling.py), so each group is checked once."""
    groups: dict[tuple, list] = defaultdict(list)
    for param in COMPARED:
        group = _group(*param.values)
        if group is not None:
            groups[group].append(param.values)
    shares: dict[tuple, tuple] = {}

    def share(pack_id: str, rule_id: str, case: dict, defaults: dict):
        group = _group(pack_id, rule_id, case, defaults)
        if group is None:
            return None
        if (rule_id, case["name"]) not in shares:
            members = groups[group]
            pack = load_pack(pack_id)
            with cases_rows_together(cases_con, [_as_case(*m[1:]) for m in members]):
                # results and findings are compared, never a run id: no manifest to build
                whole = check(cases_con, pack, store_run=False, record=False)
                parts = {month: check(cases_con, pack, period=month, store_run=False,
                                      record=False)
                         for month in _months(cases_con)}
                months = store.fetch_polars(cases_con, MONTHS_SQL)
            for n, (_, rule, spec, _) in enumerate(members):
                own_months = sorted(set(case_share(months, n)["month"].to_list()))
                shares[(rule, spec["name"])] = (
                    (case_share(whole.results, n), case_share(whole.findings, n)),
                    {month: (case_share(parts[month].results, n),
                             case_share(parts[month].findings, n)) for month in own_months})
        return shares[(rule_id, case["name"])]

    return share


class _Part:
    """A month's results and findings, as a case reads them from a check."""

    def __init__(self, results, findings) -> None:
        self.results, self.findings = results, findings


@pytest.mark.parametrize(("pack_id", "rule_id", "case", "defaults"), COMPARED)
def test_a_scoped_check_gives_each_visit_what_the_whole_check_gives(pack_id, rule_id, case,
                                                                      defaults, together,
                                                                      cases_con):
    shared = together(pack_id, rule_id, case, defaults)
    if shared is None:
        parts = _compare(cases_con, pack_id, case, defaults)
    else:
        try:
            parts = _same_per_month(*shared)
        except AssertionError as beside:
            _compare(cases_con, pack_id, case, defaults)  # fails on its own: its own message
            raise AssertionError(f"{rule_id}:{case['name']} holds alone but not compared with "
                                 f"the other cases: {beside}") from None
    if case is COMMISSIONING_ACROSS_YEARS or case is COMMISSIONING_OUTSIDE_THE_COVERED_YEAR:
        # the 2025 visit was seen from the 2026 month
        month = parts["2026-10"]
        v1 = month.results.filter(month.results["visit_id"] == "V1")
        assert v1["basis"].to_list() != ["commissioning"]
        refused = month.findings.filter((month.findings["visit_id"] == "V1")
                                        & (month.findings["rule_id"] == "AB19"))
        assert '"earlier_commissioning_visit":"V0"' in refused["evidence"][0]
    if case is CLAIMS_ACROSS_MONTHS:  # the case says what it is built to say
        june = parts["2026-06"].results
        assert june["visit_id"].to_list() == ["V6"]
        assert june["verdict"].to_list() == ["non_compliant"]
        assert parts["2026-05"].results["basis"].to_list() == ["vie"]
        assert parts["2026-03"].results["basis"].to_list() == ["commissioning"]
    if case is CAP_ACROSS_MONTHS:
        july = parts["2030-07"].results
        assert july["capped_exception_use"].to_list() == [6]
        assert july["verdict"].to_list() == ["non_compliant"]


def _same_per_month(whole: tuple, checked: dict) -> dict:
    """Each month of the case's visits (local departure): the month's check gives its visits
    the rows and findings the whole check gives them."""
    results, findings = whole
    assert checked
    parts = {}
    for month, (part_results, part_findings) in checked.items():
        ids = part_results["visit_id"]
        assert part_results.height > 0, month
        assert_frame_equal(part_results, results.filter(results["visit_id"].is_in(ids.implode())))
        assert_frame_equal(part_findings,
                           findings.filter(findings["visit_id"].is_in(ids.implode())))
        parts[month] = _Part(part_results, part_findings)
    return parts


def test_a_month_judges_its_visits_and_the_earlier_claims_of_its_year_only():
    """The push-down itself: a June check hands the pack June's visits and the visits of the
    year before it that carry an event, never a later month's or an eventless one's."""
    from berthcheck.engine.judged_visits import judged_visits_sql
    from berthcheck.engine.scope import SCOPE_SQL, parse_scope, scope_params

    with case_store(":memory:", CLAIMS_ACROSS_MONTHS) as con:
        pack = load_pack("carb-at-berth-2020")
        con.register("_bc_scope", con.sql(SCOPE_SQL, params=scope_params(parse_scope("2026-06")))
                     .arrow().read_all())
        judged = sorted(r[0] for r in store.run(con, judged_visits_sql(pack, parse_scope("2026-06"))))
    assert judged == ["V3", "V5", "V6"]


def _compare(con, pack_id: str, case: dict, defaults: dict) -> dict:
    """`con`: the worker's empty store (conftest `cases_con`); the case's rows are rolled back
    after the checks."""
    pack = load_pack(pack_id)
    parts = {}
    with case_rows(con, case, defaults):
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
    return parts


def _pack_with(tmp_path, history: str):
    import shutil

    from berthcheck.resources import builtin_rules_dir

    folder = tmp_path / "cn-shore-power"
    shutil.copytree(builtin_rules_dir() / "cn-shore-power", folder)
    toml = folder / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('judges = "scope_visits"\n',
                                 f'judges = "scope_visits"\nhistory = {history}\n', 1),
                    encoding="utf-8")
    return str(folder)


@pytest.mark.parametrize(("history", "says"), [
    ('"visits"', "history must be a list of view names or a table of view = [columns]"),
    ('{ visits = "port" }', "history.visits must be a list of column names"),
])
def test_a_malformed_history_is_refused_when_the_pack_is_loaded(tmp_path, history, says):
    from berthcheck.engine.pack_spec import PackFileError

    with pytest.raises(PackFileError, match=r"pack\.toml: .*" + says.replace("[", r"\[")
                       .replace("]", r"\]")):
        load_pack(_pack_with(tmp_path, history))


@pytest.mark.parametrize(("history", "says"), [
    ('{ visits = ["visit_id", "no_such_column"] }', "no_such_column"),
    ('{ nowhere = ["visit_id"] }', "names nowhere, which the store does not have"),
])
def test_a_history_the_store_cannot_give_is_a_pack_error_naming_pack_toml(tmp_path, history,
                                                                          says):
    from berthcheck.engine.sandbox import PackError

    pack = load_pack(_pack_with(tmp_path, history))
    with case_store(":memory:", CLAIMS_ACROSS_MONTHS) as con, \
            pytest.raises(PackError, match="pack.toml") as raised:
        check(con, pack, period="2026-06", store_run=False)
    assert says in str(raised.value)
    assert raised.value.exit_code == 2
