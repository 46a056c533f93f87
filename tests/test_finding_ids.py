"""docs/contract.md "Finding ids": every finding id of the sample months' stored runs is
recomputed from the documented formula in plain Python (hashlib, json), and the doc's worked
example from its own text, so the description cannot drift from what the check computes
(berthcheck/engine/findings.py, in SQL)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import duckdb
import pytest

from berthcheck import store
from berthcheck.engine import check

from .conftest import copy_store

CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "contract.md"


def documented_id(rule_id: str, pack_version: str, visit_id: str, evidence: str) -> str:
    key = "\x1f".join((rule_id, pack_version, visit_id, evidence))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def canonical(evidence: str) -> str:
    return json.dumps(json.loads(evidence), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def test_the_worked_example_in_the_contract_is_right():
    text = " ".join(CONTRACT.read_text(encoding="utf-8").split())
    found = re.search(r"Worked example: rule `([^`]+)`, pack version `([^`]+)`, visit "
                      r"`([^`]+)`, evidence `([^`]+)` give the id `([0-9a-f]{16})`", text)
    assert found, "docs/contract.md lost its worked finding id example"
    rule, version, visit, evidence, expected = found.groups()
    assert canonical(evidence) == evidence
    assert documented_id(rule, version, visit, evidence) == expected


def _stored_findings(path: Path) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT f.finding_id, f.rule_id, r.pack_version, f.visit_id, f.evidence "
            "FROM run_findings f JOIN runs r USING (run_id) ORDER BY 1").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("sample, pack, period", [
    ("sample_month_checked", None, None),
    ("shanghai_month", "cn-shore-power", "2026-10"),
    ("rotterdam_month", "fueleu-art6", "2030-06"),
], ids=["carb", "cn", "fueleu"])
def test_every_stored_finding_id_is_the_documented_formula(request, tmp_path, sample, pack,
                                                          period):
    source = request.getfixturevalue(sample)
    if pack is None:  # the CARB sample month, checked and stored once per worker
        path = copy_store(source[0], tmp_path / "store.duckdb")
    else:
        path = copy_store(source, tmp_path / "store.duckdb")
        con = store.connect(path)
        try:
            check(con, pack, period=period)
        finally:
            con.close()
    rows = _stored_findings(path)
    assert len(rows) >= 10, rows  # a sample month has findings of several rules
    assert len({r[1] for r in rows}) >= 2
    for finding_id, rule_id, version, visit_id, evidence in rows:
        assert evidence == canonical(evidence), (rule_id, visit_id, evidence)
        assert finding_id == documented_id(rule_id, version, visit_id, evidence), (
            rule_id, visit_id, evidence)
