"""docs/contract.md "Finding ids": every finding id of the sample months' stored runs is
recomputed from the documented formula in plain Python (hashlib, json), and the doc's worked
example from its own text, so the description cannot drift from what the check computes
(berthcheck/engine/findings.py, in SQL)."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from berthcheck import store
from berthcheck.engine import check, load_pack
from berthcheck.engine.pack_text import strip_comments
from berthcheck.resources import rules_dir

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


@pytest.mark.parametrize("sample", ["sample_month_checked", "shanghai_month_checked",
                                    "rotterdam_month_checked"], ids=["carb", "cn", "fueleu"])
def test_every_stored_finding_id_is_the_documented_formula(request, tmp_path, sample):
    # each sample month checked under its pack and stored once per worker (conftest)
    path = copy_store(request.getfixturevalue(sample)[0], tmp_path / "store.duckdb")
    rows = _stored_findings(path)
    assert len(rows) >= 10, rows  # a sample month has findings of several rules
    assert len({r[1] for r in rows}) >= 2
    for finding_id, rule_id, version, visit_id, evidence in rows:
        assert evidence == canonical(evidence), (rule_id, visit_id, evidence)
        assert finding_id == documented_id(rule_id, version, visit_id, evidence), (
            rule_id, visit_id, evidence)


def _doubled(body: str, evidence: str) -> str:
    """A rule's query with each of its findings given twice, the evidence as `evidence` makes
    it from the rule's own (`e.evidence`)."""
    return (f"SELECT e.visit_id, e.message, {evidence} AS evidence, e.minutes "  # noqa: S608
            f"FROM (\n{body}\n) e\n"
            f"UNION ALL\nSELECT * FROM (\n{body}\n)")


@pytest.mark.parametrize("evidence", ["e.evidence", "' ' || e.evidence"],
                         ids=["canonical", "through-python"])
def test_a_finding_a_rule_gives_twice_is_one_finding_with_the_documented_id(
        sample_month, tmp_path, evidence):
    """Identical findings (same rule, visit and canonical evidence: the same id) are kept
    once, whether their evidence is canonical as written (the ids the rules' union computes
    stand) or reaches Python first (a leading space: ids of Python's text), and the ids are
    those of the pack that gives each finding once."""
    folder = tmp_path / "carb"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", folder)
    rule = folder / "AB06.sql"
    text = rule.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("--"))
    rule.write_text(header + _doubled(strip_comments(text).strip(), evidence) + "\n",
                    encoding="utf-8")
    con = store.connect(copy_store(sample_month, tmp_path / "store.duckdb"))
    try:
        shipped = check(con, "carb-at-berth-2020", period="2026-10", store_run=False,
                        record=False).findings
        doubled = check(con, load_pack(str(folder)), period="2026-10", store_run=False,
                        record=False).findings
    finally:
        con.close()
    assert shipped.filter(shipped["rule_id"] == "AB06").height >= 2
    assert doubled.equals(shipped)
    for row in doubled.filter(doubled["rule_id"] == "AB06").iter_rows(named=True):
        assert row["finding_id"] == documented_id(
            "AB06", load_pack("carb-at-berth-2020").version, row["visit_id"], row["evidence"])
