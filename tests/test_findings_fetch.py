"""Issue 16: a check reads its findings unordered and sorts them with polars
(`results_query.fetched_findings`), where DuckDB's ORDER BY carried every message and evidence
text through its sort. The order must be DuckDB's `ORDER BY visit_id, rule_id, finding_id`
exactly (the findings digest and the stored run are over it): text by its UTF-8 bytes, so
upper case before lower and 'Ö' after 'Z', and NULLs last."""

from __future__ import annotations

import random

import duckdb
from polars.testing import assert_frame_equal

from berthcheck.engine.results_query import fetched_findings


def test_findings_come_in_duckdbs_order():
    rng = random.Random(29)
    rows = []
    for i in range(4000):
        visit = f"{rng.choice(['LAX', 'lax', 'Ö', 'Z', 'é', 'V'])}-{rng.randrange(300):03d}"
        rule = rng.choice(["AB01", "AB02", "AB10", "AB2", "ab03", "FE05", None])
        rows.append((f"{rng.getrandbits(64):016x}", rule, visit if i % 97 else None,
                     rng.choice(["violation", "info"]), f"message {i}", "{}"))
    con = duckdb.connect()
    con.execute("CREATE TEMP TABLE _bc_findings (finding_id VARCHAR, rule_id VARCHAR, "
                "visit_id VARCHAR, severity VARCHAR, message VARCHAR, evidence VARCHAR)")
    con.executemany("INSERT INTO _bc_findings VALUES (?, ?, ?, ?, ?, ?)", rows)
    want = con.sql("SELECT * FROM _bc_findings ORDER BY visit_id, rule_id, finding_id").pl()
    got = fetched_findings(con)
    assert_frame_equal(got, want)
    assert got.height == 4000 and got["visit_id"].null_count() > 0
