"""One parametrised test runs every rule fixture case, sqlfluff style.

The cases are in tests/rules/<RULE_ID>.yml (the built-in packs' fixtures; a pack written
elsewhere carries its own in PACK/tests/). The runner is the library's
(berthcheck/engine/pack_fixtures.py, whose docstring describes the file format), the one
`berthcheck rules test PACK` uses; here every case is also held to its pack's own view of the
basis table (tests/basis_table.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from berthcheck.engine import load_pack
from berthcheck.engine.pack import available_packs
from berthcheck.engine.pack_fixtures import (
    DEFAULT_PACK,
    case_problems,
    load_cases,
    run_case,
)
from tests.basis_table import basis_problems

FIXTURES = Path(__file__).parent / "rules"
PACKS = {pack_id: load_pack(pack_id) for pack_id in available_packs()}
# read once per process: the cases below, tests/test_scope_pushdown.py's and the rule count
CASES = {pack_id: load_cases(pack) for pack_id, pack in PACKS.items()}


def _pack_cases():
    for pack_id, cases in CASES.items():
        for case in cases:
            yield pytest.param(pack_id, case, id=f"{case.rule}:{case.name}")


def _cases():
    """(pack, rule id, case, visit defaults) of every case, for tests/test_scope_pushdown.py."""
    for pack_id, cases in CASES.items():
        for c in cases:
            yield pytest.param(pack_id, c.rule, c.spec, c.visit_defaults, id=f"{c.rule}:{c.name}")


@pytest.mark.parametrize(("pack_id", "case"), list(_pack_cases()))
def test_rule_case(pack_id: str, case, cases_con):
    pack = PACKS[pack_id]
    # the engine validates every invariant (pandera) on the way; the case's rows are rolled
    # back from the worker's one store after the check
    outcome = run_case(case.spec, pack, case.visit_defaults, cases_con)
    rows = outcome.results.select("visit_id", "verdict", "basis").iter_rows()
    # the contract's basis/verdict table holds for every result, not only the expected ones
    assert basis_problems(pack_id, rows) == []
    assert case_problems(pack, case, outcome) == []


def test_every_fixture_file_names_a_known_pack():
    for path in sorted(FIXTURES.glob("*.yml")):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert spec.get("pack", DEFAULT_PACK) in PACKS, f"{path.name}: unknown pack"


@pytest.mark.parametrize("pack_id", available_packs())
def test_every_rule_has_a_fixture_with_cases(pack_id: str):
    pack = PACKS[pack_id]
    cases = CASES[pack_id]
    for rule in pack.rules:
        mine = [c for c in cases if c.rule == rule.id]
        assert mine, f"no fixture for {rule.id}"
        assert len(mine) >= 2, f"{rule.id}: give at least two cases"
