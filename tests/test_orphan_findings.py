"""`engine.check._findings_without_results`: the findings whose visit has no result row,
looked up by binary search in the sorted results' ids, are what a hash anti join finds:
orphans before the first id, after the last, between two, a NULL id, no results, no
findings, and many findings of one visit."""

from __future__ import annotations

import polars as pl
import pytest

from berthcheck.engine.check import _findings_without_results


def _findings(ids: list[str | None]) -> pl.DataFrame:
    # sorted as the check fetches them (visit_id, rule_id, finding_id), NULLs last
    frame = pl.DataFrame({"visit_id": ids, "rule_id": [f"R{i % 3}" for i in range(len(ids))],
                          "finding_id": [f"f{i:03d}" for i in range(len(ids))]},
                         schema={"visit_id": pl.String, "rule_id": pl.String,
                                 "finding_id": pl.String})
    return frame.sort(["visit_id", "rule_id", "finding_id"], nulls_last=True)


RESULTS = pl.DataFrame({"visit_id": ["V02", "V04", "V06", "V\u00e9"], "verdict": ["x"] * 4})


@pytest.mark.parametrize("ids", [
    ["V02", "V02", "V04", "V\u00e9"],  # every one has a result row
    ["V01", "V02"],  # before the first id
    ["V06", "V07"],  # after the last (ASCII)
    ["V\u00e9", "V\u00ea"],  # after the last, compared by UTF-8 bytes
    ["V02", "V03", "V04"],  # between two
    ["V02", None],  # a NULL id never has a result
    ["V0", "V020"],  # a prefix of an id and an id extended
    [],
])
def test_orphans_are_what_an_anti_join_finds(ids):
    findings = _findings(ids)
    want = findings.join(RESULTS.select("visit_id"), on="visit_id", how="anti")
    got = _findings_without_results(findings, RESULTS)
    assert got.equals(want)
    assert got.columns == findings.columns


def test_no_results_make_every_finding_an_orphan():
    findings = _findings(["V01", "V02"])
    got = _findings_without_results(findings, RESULTS.clear())
    assert got.equals(findings)
