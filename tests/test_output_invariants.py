"""The engine's output invariants (engine/schemas.py) refuse every broken frame.

A check decides them in one polars query (`holds`) and lets pandera validate only when that
query finds something wrong, so pandera still names the failing check. These tests break each
invariant of a real result frame and require the refusal, naming the check, from
`validate_outputs` and a False from `holds`: the one query may never let through what pandera
refuses.
"""

from __future__ import annotations

import pandera.errors
import polars as pl
import pytest

from berthcheck.engine import load_pack
from berthcheck.engine.pack_fixtures import load_cases, run_case
from berthcheck.engine.schemas import FindingsModel, ResultsModel, holds, validate_outputs


@pytest.fixture(scope="module")
def outcome():
    """A late connection (CARB AB06): one non-compliant visit with a window and findings."""
    pack = load_pack("carb-at-berth-2020")
    (case,) = [c for c in load_cases(pack) if (c.rule, c.name) == ("AB06", "one_minute_late")]
    result = run_case(case.spec, pack, case.visit_defaults)
    assert result.results["verdict"].to_list() == ["non_compliant"]
    assert result.findings.height > 0
    return result


def test_the_real_frames_hold_without_pandera(outcome):
    assert holds(ResultsModel.to_schema(), outcome.results)
    assert holds(FindingsModel.to_schema(), outcome.findings)
    validate_outputs(outcome.results, outcome.findings)


def _set(**columns):
    return lambda frame: frame.with_columns(
        **{k: (v(frame) if callable(v) else pl.lit(v, dtype=frame.schema[k]))
           for k, v in columns.items()})


RESULTS_BROKEN = {
    # column checks: dtype, nulls, uniqueness, each kind of value check
    "dtype('Float64')": lambda f: f.with_columns(pl.col("controlled_hours").cast(pl.Float32)),
    "dtype('Datetime(time_unit='us', time_zone='UTC')')":
        lambda f: f.with_columns(pl.col("window_start").dt.replace_time_zone(None)),
    "not_nullable": _set(verdict=None),
    "field_uniqueness": lambda f: pl.concat([f, f]),
    "greater_than_or_equal_to(0)": _set(penalty=-1.0),
    "greater_than(0)": _set(stay_hours=0.0),
    "less_than_or_equal_to(3)": _set(nox_tier_used=4),
    "isin": _set(verdict="fine"),
    "str_matches": _set(pack="CARB"),
    "str_length": _set(basis=""),
    # NaN counts as null in a column that may not hold nulls
    "not_nullable ": _set(aux_power_kw_used=float("nan")),
    # the frame-wide invariants
    "excess_within_at_berth": _set(excess_nox_kg=lambda f: pl.col("at_berth_nox_kg") + 1),
    "control_hours_within_stay": _set(shore_power_hours=lambda f: pl.col("stay_hours") + 1),
    "hours_add_up_to_window": _set(controlled_hours=lambda f: pl.col("controlled_hours") + 1),
    "window_is_an_interval": _set(window_end=lambda f: pl.col("window_start")),
    "non_compliant_has_a_finding": _set(findings=""),
    "non_compliant_has_uncontrolled_time": _set(uncontrolled_hours=0.0, violation_days=0,
                                               controlled_hours=lambda f: pl.col(
                                                   "controlled_hours") + pl.col(
                                                   "uncontrolled_hours")),
    "violation_days_only_where_uncontrolled": _set(violation_days=0),
    "compliant_has_no_uncontrolled_time": _set(verdict="compliant", violation_days=0),
    "responsible_is_known_parties": _set(responsible="vessel+nobody"),
}


@pytest.mark.parametrize("check", list(RESULTS_BROKEN))
def test_a_broken_result_is_refused_naming_its_check(outcome, check):
    broken = RESULTS_BROKEN[check](outcome.results)
    assert not holds(ResultsModel.to_schema(), broken)
    with pytest.raises(pandera.errors.SchemaErrors) as raised:
        validate_outputs(broken, outcome.findings)
    named = set(raised.value.failure_cases["check"].cast(pl.Utf8).to_list())
    assert any(c.startswith(check.strip()) for c in named), named


FINDINGS_BROKEN = {
    "str_matches": _set(finding_id="not-an-id"),
    "isin": _set(severity="fatal"),
    "str_length": _set(message=""),
    "str_startswith": _set(evidence="[]"),
    "not_nullable": _set(rule_id=None),
    "field_uniqueness": lambda f: pl.concat([f, f]),
}


@pytest.mark.parametrize("check", list(FINDINGS_BROKEN))
def test_a_broken_finding_is_refused_naming_its_check(outcome, check):
    broken = FINDINGS_BROKEN[check](outcome.findings)
    assert not holds(FindingsModel.to_schema(), broken)
    with pytest.raises(pandera.errors.SchemaErrors) as raised:
        validate_outputs(outcome.results, broken)
    named = set(raised.value.failure_cases["check"].cast(pl.Utf8).to_list())
    assert any(c.startswith(check) for c in named), named


def test_a_missing_column_is_refused(outcome):
    broken = outcome.results.drop("basis")
    assert not holds(ResultsModel.to_schema(), broken)
    with pytest.raises(pandera.errors.SchemaErrors):
        validate_outputs(broken, outcome.findings)
