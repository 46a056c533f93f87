"""An .html report carries the per-visit results as the PDF does.

Before: the HTML report said "Per-visit results: attached to this PDF as
berthcheck-results-<run>.csv", and sent the reader to "the attached results CSV" for every
column and for the non-compliant visits beyond its lists, while there was no PDF and no file:
the results were nowhere but in the store. The HTML now holds them as a link on the cover that
saves that CSV (the PDF attachment's bytes), and says "attached to this report"."""

from __future__ import annotations

import base64
import csv
import io
import re

from berthcheck.engine.pack import load_pack
from tests.conftest import copy_store, html_report


def test_the_html_report_links_the_results_csv_the_pdf_attaches(sample_month_checked,
                                                                 tmp_path):
    db, outcome = sample_month_checked
    html, model = html_report(copy_store(db, tmp_path / "db.duckdb"),
                              load_pack("carb-at-berth-2020"), "2026-10")
    name = model["meta"]["results_name"]
    assert "this PDF" not in html
    assert "attached to this report as <a href=\"data:text/csv;charset=utf-8;base64," in html
    (link,) = re.findall(r'<a href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)" '
                         rf'download="{re.escape(name)}">{re.escape(name)}</a>', html)
    rows = list(csv.DictReader(io.StringIO(base64.b64decode(link).decode("utf-8"))))
    assert len(rows) == outcome.results.height == 200
    assert {r["visit_id"] for r in rows} == set(outcome.results["visit_id"].to_list())
    # once (the cover): the appendix names the file and points there
    assert html.count("data:text/csv") == 1
    assert f"<b>{name}</b> (its link is on the cover)" in html
