"""The FuelEU findings name the port-local times the ship answers for and the times events
excused, as cn-shore-power's CN06-CN08 do since its 1.1.6 (pack fueleu-art6 1.2.8).

FE05 gave the whole assessed stay's times ("10.00 h ... not excused (2030-06-03 06:00 to
2030-06-04 06:00)") when events excused part of it, so a verifier read 24 h on the clock for
a penalty of 10 h and had to work out from the events which hours were billed. FE06 gave the
minutes of late connection, gaps and early disconnection with no time at all, FE07 the minutes
an event excused with no time. The hand computations are in the fixture cases named below
(tests/rules/FE05.yml, FE06.yml, FE07.yml).
"""

from __future__ import annotations

import pytest

from tests.scenario_batches import CaseBatch, prove_cases

# the fixture cases read below, checked together once (tests/scenario_batches.py), not each in
# a store of its own
CASES = CaseBatch()
for _rule, _name in (("FE05", "events_excuse_the_middle_of_the_stay"),
                     ("FE07", "incompatible_and_emergency_overlap_count_once"),
                     ("FE05", "an_emergency_at_the_first_quay_of_a_berth_shift"),
                     ("FE05", "no_ops_24_hours_given_power"),
                     ("FE06", "stretches_named_with_their_times_and_what_was_excused"),
                     ("FE07", "event_covers_only_part_of_the_gap"),
                     ("FE08", "the_sixth_use_names_the_five_within_the_limit")):
    CASES.add("fueleu-art6", _rule, _name)


@pytest.fixture(scope="module", autouse=True)
def _checked_once():
    CASES.check()


def test_its_cases_checked_together_are_their_own_checks():
    prove_cases(CASES)


def _messages(fixture_rule: str, case_name: str, rule: str) -> dict[str, list[str]]:
    outcome = CASES.outcome("fueleu-art6", fixture_rule, case_name)
    found: dict[str, list[str]] = {}
    for r in outcome.findings.iter_rows(named=True):
        if r["rule_id"] == rule:
            found.setdefault(r["visit_id"], []).append(r["message"])
    return found


def test_fe05_names_the_times_not_excused_and_what_excused_the_rest():
    # no OPS 06:00-06:00; ops_unavailable 10:00-14:00 and emergency 13:00-15:00: the ship
    # answers for 06:00-10:00 and 15:00-06:00 = 19 h (FE05.yml,
    # events_excuse_the_middle_of_the_stay)
    assert _messages("FE05", "events_excuse_the_middle_of_the_stay", "FE05") == {"V1": [
        "no OPS use: 19.00 h at berth not on OPS and not excused (2030-06-03 06:00 to "
        "2030-06-03 10:00 and 2030-06-03 15:00 to 2030-06-04 06:00 Europe/Amsterdam); the "
        "assessed stay 2030-06-03 06:00 to 2030-06-04 06:00 (24.00 h) less 5.00 h excused: "
        "ops_unavailable 2030-06-03 10:00 to 2030-06-03 14:00 (events E1), emergency "
        "2030-06-03 13:00 to 2030-06-03 15:00 (events E2); penalty EUR 28500.00 = "
        "1.5 EUR/kWh x 1000.0 kW (given) x 19.0 h"]}
    # the kinds overlap (FE07.yml): 06:00-18:00 and 12:00-20:00 excused, 20:00-06:00 not
    overlap = _messages("FE07", "incompatible_and_emergency_overlap_count_once", "FE05")
    assert overlap["V1"][0].startswith(
        "no OPS use: 10.00 h at berth not on OPS and not excused (2030-06-03 20:00 to "
        "2030-06-04 06:00 Europe/Amsterdam); the assessed stay 2030-06-03 06:00 to "
        "2030-06-04 06:00 (24.00 h) less 14.00 h excused: ops_incompatible 2030-06-03 06:00 to "
        "2030-06-03 18:00 (events E1), emergency 2030-06-03 12:00 to 2030-06-03 20:00 "
        "(events E2); penalty EUR 15000.00"), overlap


def test_fe05_on_a_berth_shift_names_each_stays_own_times():
    # R1 06:00-12:00 with an emergency 08:00-12:00 answers for 06:00-08:00; R2 for all of
    # its 13:00-21:00 (FE05.yml, an_emergency_at_the_first_quay_of_a_berth_shift)
    messages = _messages("FE05", "an_emergency_at_the_first_quay_of_a_berth_shift", "FE05")
    assert messages == {
        "R1": ["no OPS use: 2.00 h at berth not on OPS and not excused (2030-06-03 06:00 to "
               "2030-06-03 08:00 Europe/Amsterdam); the assessed stay 2030-06-03 06:00 to "
               "2030-06-03 12:00 (6.00 h) less 4.00 h excused: emergency 2030-06-03 08:00 to "
               "2030-06-03 12:00 (events E1); port call C1: penalty on its last stay R2 (FE12)"],
        "R2": ["no OPS use: 8.00 h at berth not on OPS and not excused (2030-06-03 13:00 to "
               "2030-06-03 21:00 Europe/Amsterdam); port call C1: see FE12 for its penalty"]}


def test_fe05_without_events_reads_as_before():
    messages = _messages("FE05", "no_ops_24_hours_given_power", "FE05")
    assert messages == {"V1": [
        "no OPS use: 24.00 h at berth not on OPS and not excused (2030-06-03 06:00 to "
        "2030-06-04 06:00 Europe/Amsterdam); penalty EUR 36000.00 = 1.5 EUR/kWh x 1000.0 kW "
        "(given) x 24.0 h"]}


def test_fe06_names_each_stretch_with_its_times_and_what_was_excused():
    # FE06.yml, stretches_named_with_their_times_and_what_was_excused
    messages = _messages(
        "FE06", "stretches_named_with_their_times_and_what_was_excused", "FE06")
    assert messages == {"V1": [
        "partial OPS use: 18.50 of 24.00 h on OPS in the assessed stay 2030-06-03 06:00 to "
        "2030-06-04 06:00 Europe/Amsterdam; 5.00 h non-compliant (late connection 120 min: "
        "2030-06-03 06:00 to 2030-06-03 08:00; gap 60 min: 2030-06-03 12:00 to 2030-06-03 "
        "13:30 less 30 min excused, non-compliant 2030-06-03 12:00 to 2030-06-03 12:30 and "
        "2030-06-03 13:00 to 2030-06-03 13:30; early disconnection 120 min: 2030-06-04 04:00 "
        "to 2030-06-04 06:00); penalty EUR 7500.00 = 1.5 EUR/kWh x 1000.0 kW (given) x 5.0 h"]}


def test_fe07_names_the_times_each_kind_excused():
    messages = _messages("FE07", "event_covers_only_part_of_the_gap", "FE07")
    assert messages == {"V1": [
        "ops_unavailable excused 180 min at berth not on OPS: 2030-06-03 06:00 to "
        "2030-06-03 09:00 Europe/Amsterdam (events E1)"]}


def test_fe05_and_fe06_evidence_give_the_excused_minutes_the_report_shows():
    """The report's non-compliant listing shows a finding's interval (evidence from, to) and
    after it the parts its evidence names (docs/packs.md 5): FE05 gave the whole stay with
    nothing to say 300 of its minutes were excused, so "1,140 min" stood beside 24 h. The
    evidence gives excused_minutes, the events' part (FE05.yml
    events_excuse_the_middle_of_the_stay: 10:00-15:00; FE06.yml: 12:30-13:00)."""
    import json

    def evidence(fixture_rule: str, case_name: str, rule: str) -> dict:
        outcome = CASES.outcome("fueleu-art6", fixture_rule, case_name)
        (found,) = [json.loads(r["evidence"]) for r in outcome.findings.iter_rows(named=True)
                    if r["rule_id"] == rule]
        return found

    fe05 = evidence("FE05", "events_excuse_the_middle_of_the_stay", "FE05")
    assert (fe05["excused_minutes"], fe05["non_compliant_hours"]) == (300.0, 19.0)
    # the times the ship answers for, which the listing shows beside the stay's interval
    # (06:00-10:00 and 15:00-06:00 Europe/Amsterdam, CEST)
    assert fe05["not_excused"] == [
        {"from": "2030-06-03T04:00:00Z", "to": "2030-06-03T08:00:00Z"},
        {"from": "2030-06-03T13:00:00Z", "to": "2030-06-04T04:00:00Z"}]
    fe06 = evidence("FE06", "stretches_named_with_their_times_and_what_was_excused", "FE06")
    assert (fe06["excused_minutes"], fe06["gap_minutes"]) == (30.0, 60.0)
    plain = evidence("FE05", "no_ops_24_hours_given_power", "FE05")
    assert plain["excused_minutes"] == 0.0 and plain["not_excused"] is None


def test_fe08_names_the_uses_within_the_limit():
    """FE08 said "use 6 ... exceeds the limit of 5" without naming the five: a verifier
    checking the refused claim had to find the year's earlier calls, some in periods not
    checked. It names them by first claiming stay and port-local arrival date (FE08.yml,
    the_sixth_use_names_the_five_within_the_limit)."""
    messages = _messages("FE08", "the_sixth_use_names_the_five_within_the_limit", "FE08")
    assert messages == {"U9": [
        "ops_unavailable use 6 of ship 9321483 in 2030 exceeds the limit of 5 per reporting "
        "period; not honoured (events E9); the uses within the limit: U1 2030-01-03, "
        "U2 2030-02-03, U3 2030-03-03, P6 (port call RTM-P) 2030-06-30, U8 2030-08-03"]}
