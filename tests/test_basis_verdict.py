"""Every basis belongs to exactly one verdict (data contract section 4), over both packs.

The fixture runner checks every rule-fixture case (tests/test_rule_fixtures.py); this module
checks the table itself, the checker, and every pack on every committed sample month."""

from __future__ import annotations

from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.engine import check, load_pack
from tests.basis_table import PACK_BASES, basis_problems
from tests.conftest import copy_store

REPO = Path(__file__).resolve().parent.parent
SAMPLES = {"los-angeles": REPO / "sample_data", "rotterdam": REPO / "sample_data" / "eu-rotterdam-2030-06",
           "shanghai": REPO / "sample_data" / "cn-shanghai-2026-10"}


def test_each_basis_belongs_to_exactly_one_verdict_in_the_table():
    for pack_id, table in PACK_BASES.items():
        seen: dict[str, str] = {}
        for verdict, bases in table.items():
            for basis in bases:
                assert basis not in seen, f"{pack_id}: {basis} in {seen[basis]} and {verdict}"
                seen[basis] = verdict


def test_contract_doc_lists_the_table_and_the_joined_parts():
    # docs/contract.md 4's basis row is what a user's script reads: every basis under its
    # verdict and every part joined to a compliant / non-compliant basis (`uncontrolled+emergency`)
    import re

    from berthcheck.engine.bases import CONTRACT_BASES, JOINED

    text = (REPO / "docs" / "contract.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith("| basis |"))
    for verdict, bases in CONTRACT_BASES.items():
        listed = re.search(rf"\*\*{verdict}\*\*: (.*?)(?:; \*\*|\. |$)", row)
        assert listed, f"contract.md's basis row has no **{verdict}**"
        missing = [b for b in bases if f"`{b}`" not in listed.group(1)]
        assert not missing, f"contract.md: {verdict} lacks {missing}"
    assert "Joined" in row, "contract.md's basis row does not say which parts are joined"
    joined = row[row.index("Joined"):]
    assert not [p for p in JOINED if f"`{p}`" not in joined], "contract.md lacks joined parts"


@pytest.mark.parametrize(("verdict", "basis"), [
    ("compliant", "before_start_date"),  # the pair issue 14 found
    ("compliant", "zero_emission_tech"),  # an exemption passed off as compliance
    ("exempt", "controlled"),
    ("non_compliant", "controlled"),
    ("insufficient_data", "missing_"),
    ("not_applicable", "not_applicable"),
])
def test_checker_refuses_a_pair_outside_the_table(verdict, basis):
    assert basis_problems("fueleu-art6", [("V1", verdict, basis)])


@pytest.mark.parametrize(("pack_id", "verdict", "basis"), [
    ("fueleu-art6", "compliant", "controlled+ops_unavailable+zero_emission_tech"),
    ("fueleu-art6", "non_compliant", "uncontrolled+emergency"),
    ("fueleu-art6", "exempt", "short_visit"),
    ("fueleu-art6", "not_applicable", "not_port_of_call"),
    ("carb-at-berth-2020", "compliant", "remediation"),
    ("carb-at-berth-2020", "compliant", "short_visit"),
    ("carb-at-berth-2020", "not_applicable", "not_ocean_going_vessel"),
    ("carb-at-berth-2020", "insufficient_data", "missing_ready_to_work"),
])
def test_checker_accepts_the_contract_pairs(pack_id, verdict, basis):
    assert basis_problems(pack_id, [("V1", verdict, basis)]) == []


@pytest.fixture(scope="module")
def sample_dbs(sample_month, shanghai_month, rotterdam_month, tmp_path_factory) -> dict[str, Path]:
    """Each sample month loaded (`load_sample`): copies of the worker's loads of them
    (conftest's `sample_month`, `shanghai_month`, `rotterdam_month`: the same loader)."""
    loaded = {"los-angeles": sample_month, "shanghai": shanghai_month,
              "rotterdam": rotterdam_month}
    assert set(loaded) == set(SAMPLES)
    return {name: copy_store(loaded[name], tmp_path_factory.mktemp(name) / "db.duckdb")
            for name in SAMPLES}


@pytest.mark.parametrize("sample", sorted(SAMPLES))
@pytest.mark.parametrize("pack_id", sorted(PACK_BASES))
def test_sample_months_keep_the_table(sample_dbs, sample, pack_id):
    con = store.connect(sample_dbs[sample], read_only=True)
    try:
        outcome = check(con, load_pack(pack_id), store_run=False, record=False)  # results only
    finally:
        con.close()
    rows = outcome.results.select("visit_id", "verdict", "basis").iter_rows()
    assert outcome.results.height > 0
    assert basis_problems(pack_id, rows) == []
