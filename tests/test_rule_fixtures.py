"""One parametrised test runs every rule fixture case, sqlfluff style.

The cases are in tests/rules/<RULE_ID>.yml (the built-in packs' fixtures; a pack written
elsewhere carries its own in PACK/tests/). The runner is the library's
(berthcheck/engine/pack_fixtures.py, whose docstring describes the file format), the one
`berthcheck rules test PACK` uses; here every case is also held to its pack's own view of the
basis table (tests/basis_table.py).

The cases that share a period are checked together, one check per pack and period, in one
store where each case's visits, vessels, fleets, terminals, sessions and holders carry a
prefix of their own (`fixture_batches.run_cases_together`); each test compares its own case's
share. A case the prefixes cannot keep apart (rows through the loader, port-wide coverage or
ports rows) is checked alone, as `berthcheck rules test` checks every case. A case that fails
beside the others is checked alone again, so its failure is its own.
"""

from __future__ import annotations

from collections import defaultdict
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
from tests.fixture_batches import run_cases_together, together_key

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


def _key(pack_id: str, case) -> tuple[str, str, str]:
    return pack_id, case.rule, case.name


@pytest.fixture(scope="module")
def together(cases_con):
    """A case's share of the check of every case of its pack with the same `together_key`,
    made when the first of them asks (None: the case is checked alone). Module scope: the
    file is one unit of work (tests/scheduling.py), so each group is checked once."""
    groups: dict[tuple, list] = defaultdict(list)
    for pack_id, cases in CASES.items():
        for case in cases:
            key = together_key(case)
            if key is not None:
                groups[(pack_id, key)].append(case)
    shares: dict[tuple, object] = {}

    def share(pack_id: str, case):
        group = (pack_id, together_key(case))
        if group[1] is None:
            return None
        if _key(pack_id, case) not in shares:
            cases = groups[group]
            # the engine validates every invariant (pandera) on the way; the rows are rolled
            # back from the worker's one store after the check
            got = run_cases_together(cases, PACKS[pack_id], cases_con)
            shares.update({_key(pack_id, c): got[n] for n, c in enumerate(cases)})
        return shares[_key(pack_id, case)]

    return share


@pytest.mark.parametrize(("pack_id", "case"), list(_pack_cases()))
def test_rule_case(pack_id: str, case, cases_con, together):
    pack = PACKS[pack_id]
    outcome = together(pack_id, case)
    if outcome is None or case_problems(pack, case, outcome):
        alone = run_case(case.spec, pack, case.visit_defaults, cases_con)
        # a case that holds alone but not beside the others: the prefixes miss a key the pack
        # reads across visits (fixture_batches._OWN_IDS)
        assert outcome is None or case_problems(pack, case, alone), (
            f"{case.rule}:{case.name} passes alone but not checked with the other cases: "
            f"{case_problems(pack, case, outcome)}")
        outcome = alone
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
