"""The results' `pack` label and `findings` column (each visit's distinct rule ids, sorted,
joined by ';') are added to the sorted results frame (`results_query.with_engine_columns`),
no longer made by the results query: the findings list it must be what the query's aggregate gave,
`coalesce(array_to_string(list_sort(list_distinct(list(rule_id))), ';'), '')`."""

from __future__ import annotations

import random

import duckdb
import polars as pl

from berthcheck.engine.output_columns import RESULT_COLUMNS
from berthcheck.engine.results_query import with_engine_columns


def _results(ids: list[str]) -> pl.DataFrame:
    """A results frame without `pack` and `findings`, sorted by visit_id, in the contract's order."""
    columns = {c: ids if c == "visit_id" else ["x"] * len(ids)
               for c in RESULT_COLUMNS if c not in ("pack", "findings")}
    columns["stay_hours"] = [1.0] * len(ids)
    return pl.DataFrame(columns).sort("visit_id")


def test_each_visit_lists_its_distinct_rules_sorted():
    results = _results(["V4", "V1", "V3", "V2"])
    findings = pl.DataFrame({
        "finding_id": ["f1", "f2", "f3", "f4", "f5"],
        "rule_id": ["AB02", "AB02", "AB05", "AB01", "AB10"],
        "visit_id": ["V1", "V1", "V1", "V3", "V3"],
    })  # sorted by visit_id, rule_id, as the check reads them
    out = with_engine_columns(results, findings, "demo@1.0.0")
    assert out.columns == [*RESULT_COLUMNS, "stay_hours"]
    assert out["visit_id"].to_list() == ["V1", "V2", "V3", "V4"]
    assert out["findings"].to_list() == ["AB02;AB05", "", "AB01;AB10", ""]
    assert out["findings"].dtype == pl.String and out["findings"].null_count() == 0
    assert out["pack"].to_list() == ["demo@1.0.0"] * 4 and out["pack"].dtype == pl.String


def test_no_findings_and_no_results():
    none = pl.DataFrame({"finding_id": [], "rule_id": [], "visit_id": []},
                        schema={"finding_id": pl.String, "rule_id": pl.String,
                                "visit_id": pl.String})
    assert with_engine_columns(_results(["V1", "V2"]), none, "p@1")["findings"].to_list() == ["", ""]
    empty = with_engine_columns(_results([]), none, "p@1")
    assert empty.height == 0 and empty.columns == [*RESULT_COLUMNS, "stay_hours"]


def test_the_same_lists_as_the_query_aggregate_gave():
    """Random visits (text that sorts differently by bytes than by letters among them) and
    findings, some repeated: the lists equal DuckDB's aggregate joined to every visit."""
    rng = random.Random(16)
    ids = sorted({f"{rng.choice(['LAX', 'lgb', 'Ö', 'Z'])}-{rng.randrange(10 ** 6):06d}"
                  for _ in range(3000)})
    rules = ["AB01", "AB02", "AB10", "AB2", "ab03", "FE05", "CN01"]
    pairs = [(v, rng.choice(rules)) for v in rng.sample(ids, 900) for _ in range(rng.randrange(1, 5))]
    con = duckdb.connect()
    findings = con.sql(
        "SELECT 'f' || row_number() OVER () AS finding_id, rule_id, visit_id "
        "FROM (SELECT unnest($v) AS visit_id, unnest($r) AS rule_id) "
        "ORDER BY visit_id, rule_id, finding_id",
        params={"v": [v for v, _ in pairs], "r": [r for _, r in pairs]}).pl()
    con.register("_bc_findings", findings.to_arrow())
    want = con.sql(
        "SELECT v.visit_id, coalesce(l.findings, '') AS findings FROM (SELECT unnest($ids) AS visit_id) v "
        "LEFT JOIN (SELECT visit_id, array_to_string(list_sort(list_distinct(list(rule_id))), ';') "
        "AS findings FROM _bc_findings GROUP BY visit_id) l ON l.visit_id = v.visit_id "
        "ORDER BY v.visit_id", params={"ids": ids}).pl()
    got = with_engine_columns(_results(ids), findings, "p@1")
    assert got["visit_id"].to_list() == want["visit_id"].to_list()
    assert got["findings"].to_list() == want["findings"].to_list()
