"""Which scenarios tests/scenario_batches.py lets share a check: only those that nothing but
their prefixed identities tells apart (no check is made here; each batched file's own test
compares its shares with checks made alone)."""

from __future__ import annotations

import polars as pl

from tests.helpers_store import visit
from tests.scenario_batches import Scenario, ScenarioBatch, _findings_share, _together_key


def _key(tables: dict, period: str | None = "2026-10", pack="carb-at-berth-2020", **options):
    return _together_key(Scenario(tables, period, pack, options))


def test_scenarios_differing_only_in_their_own_rows_share_a_key():
    one = {"visits": [visit("V1")], "shore-power": [{"visit_id": "V1", "session_id": "S1"}]}
    other = {"visits": [visit("V1", imo="9074729"), visit("V2")],
             "shore-power": [{"visit_id": "V2", "session_id": "S9"}]}
    assert _key(one) is not None and _key(one) == _key(other)


def test_pack_period_options_kinds_and_port_wide_rows_keep_scenarios_apart():
    base = {"visits": [visit("V1")]}
    assert _key(base) != _key(base, period="2026-11")
    assert _key(base) != _key(base, pack="fueleu-art6")
    assert _key(base) != _key(base, notes=True)
    # a kind given with rows, or not: a pack may read an empty table otherwise
    assert _key(base) != _key({**base, "events": [{"visit_id": "V1", "event_id": "E1"}]})
    assert _key(base) == _key({**base, "events": []})
    # rows about a whole port are not prefixed: only the same rows share a store
    covered = {**base, "coverage": [{"kind": "port", "holder": "USLAX", "year": 2026}]}
    assert _key(covered) != _key(base)
    assert _key(covered) != _key({**base, "coverage": [{"kind": "port", "holder": "USLAX",
                                                        "year": 2025}]})
    # a fleet's coverage row is the scenario's own (its holder is prefixed)
    assert _key({**base, "coverage": [{"kind": "fleet", "holder": "F1", "year": 2026}]}) == _key(
        {**base, "coverage": [{"kind": "fleet", "holder": "F9", "year": 2024}]})


def test_a_scenario_the_prefixes_cannot_keep_apart_is_checked_alone():
    assert _key({"visits": [visit("V1")], "no-such-kind": [{"a": 1}]}) is None
    for column in ("imo", "fleet", "operator"):
        # every scenario's empty value is the same value: one ship, fleet or line
        assert _key({"visits": [visit("V1", **{column: None})]}) is None, column
        assert _key({"visits": [visit("V1", **{column: ""})]}) is None, column


def test_each_scenario_a_test_declares_is_its_own_and_read_in_order():
    batch = ScenarioBatch()
    first = batch.add({"visits": [visit("V1")]})

    @batch.scenarios({"visits": [visit("V2")]}, {"visits": [visit("V3")]}, period="2026-11")
    def test_x():
        pass

    assert first == 0 and test_x.scenario_numbers == (1, 2)
    assert [s.period for s in batch.defined] == ["2026-10", "2026-11", "2026-11"]
    checked = {0: "zero", 1: "one", 2: "two"}
    assert batch.of(test_x, checked) == ("one", "two")


def test_a_share_s_finding_ids_are_those_of_its_own_check():
    """The ids hash the visit id (engine/findings.py `finding_id`): made again without the
    prefix, and the findings in the check's order (visit, rule, id)."""
    from berthcheck.engine.findings import finding_id

    class Outcome:
        class pack:  # noqa: N801 - stands for a Pack
            version = "1.0.0"

        findings = pl.DataFrame({
            "finding_id": ["x", "y", "z"], "rule_id": ["AB09", "AB09", "AB09"],
            "visit_id": ["001~V1", "001~V1", "000~V1"], "severity": ["violation"] * 3,
            "message": ["b", "a", "other"],
            "evidence": ['{"v":"001~V1","n":2}', '{"v":"001~V1","n":1}', "{}"]})

    share = _findings_share(Outcome, 1)
    assert share["visit_id"].to_list() == ["V1", "V1"]
    ids = [finding_id("AB09", "1.0.0", "V1", e) for e in ('{"v":"V1","n":2}', '{"v":"V1","n":1}')]
    assert share["finding_id"].to_list() == sorted(ids)
    assert dict(zip(share["finding_id"], share["message"], strict=True)) == dict(
        zip(ids, ["b", "a"], strict=True))
