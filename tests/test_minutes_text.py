"""A finding's sentence writes whole minutes without a decimal in every shipped pack: the
engine's `bc_minutes_text` (berthcheck/engine/pack_macros.py). CARB has said "150 min" since its
1.2.1; FuelEU (before 1.2.1) and the Chinese pack (before 1.1.2) said "150.0 min". The evidence
keeps the minutes as a number. Each case is a rule fixture whose arithmetic is written in its
YAML file (tests/rules/); CARB's is tests/test_carb_history.py's."""

from __future__ import annotations

import json

import pytest

from berthcheck.engine import load_pack
from berthcheck.engine.pack_fixtures import load_cases, run_case

# (pack, fixture rule, case, rule whose message is read, its expected opening, evidence key, value)
CASES = [
    # OPS 08:30 -> 05:00: 150 min late, 60 min early (tests/rules/FE06.yml)
    ("fueleu-art6", "FE06", "late_connection_and_early_disconnection", "FE06",
     "late connection 150 min", "late_connection_minutes", 150),
    # shore power 08:30-00:00 in W = [07:00, 01:00): 90 min late, 60 early (tests/rules/CN08.yml)
    ("cn-shore-power", "CN08", "late_connection_and_early_disconnection", "CN08",
     "late connection 90 min", "late_connection_minutes", 90),
]


@pytest.mark.parametrize(("pack_id", "fixture", "name", "rule", "opening", "key", "minutes"),
                         CASES, ids=[c[0] for c in CASES])
def test_messages_give_whole_minutes_and_evidence_keeps_the_number(pack_id, fixture, name, rule,
                                                                   opening, key, minutes):
    pack = load_pack(pack_id)
    case = next(c for c in load_cases(pack) if c.rule == fixture and c.spec["name"] == name)
    outcome = run_case(case.spec, pack, case.visit_defaults)
    (found,) = [r for r in outcome.findings.iter_rows(named=True) if r["rule_id"] == rule]
    assert opening in found["message"]
    assert ".0 min" not in found["message"]
    assert json.loads(found["evidence"])[key] == minutes
