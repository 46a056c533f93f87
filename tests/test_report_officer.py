"""The monthly report as a port's environmental officer reads it before signing, for each
built-in pack (outside-in QA, r17-RV): Rotterdam's FuelEU month and Shanghai's month must not
speak CARB (VIE / TIE allowances, remediation, Ready to Work), every basis code must be
explained, the summary's totals must say what they leave out, and a penalty cell must not spill
into the next column.

The Rotterdam and Shanghai months are loaded once per worker (conftest) and copied; the
reports here are HTML models, and one table is laid out as the PDF lays it out.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.engine.scope import parse_scope
from berthcheck.report import charts, render, render_run
from berthcheck.report.data import obtain_run
from tests.conftest import copy_store


def _text(html: str) -> str:
    """The HTML's text, one space between words (cells wrap and nest)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _report(db: Path, pack: str, period: str) -> tuple[str, dict]:
    con = store.connect(db)
    try:
        run = obtain_run(con, parse_scope(period, None, None, None, None, None), pack)
        rendered = render_run(con, run, "html")
    finally:
        con.close()
    return rendered.data.decode("utf-8"), rendered.model


@pytest.fixture(scope="module")
def rotterdam(rotterdam_month, tmp_path_factory) -> tuple[str, dict]:
    db = copy_store(rotterdam_month, tmp_path_factory.mktemp("eu-officer") / "db.duckdb")
    return _report(db, "fueleu-art6", "2030-06")


@pytest.fixture(scope="module")
def shanghai(shanghai_month, tmp_path_factory) -> tuple[str, dict]:
    db = copy_store(shanghai_month, tmp_path_factory.mktemp("cn-officer") / "db.duckdb")
    return _report(db, "cn-shore-power", "2026-10")


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start: html.index("</section>", start)]


# --- the connection-delay chart: only where visits have a Ready to Work ----------------------


def test_fueleu_report_does_not_say_its_judged_calls_had_no_control_window(rotterdam):
    # FuelEU judges the stay at berth (arrival to departure); its visits carry no Ready to
    # Work, so a "Ready to Work to first control" chart has nothing to show. It said "for the 0
    # judged visits with a control window; ... the other 118 judged visits had no window
    # (short visits)": every judged call of the month has a window.
    html, model = rotterdam
    assert model["chart_data"]["delays"] is None
    charts = _text(_section(html, "charts"))
    assert "had no window" not in charts
    assert "judged visits with a control window" not in charts
    assert charts.count("Not drawn: no judged visit in scope has a Ready to Work time.") == 1


def test_a_chart_the_pack_cannot_draw_says_why_once(shanghai):
    # the empty chart said "Not available for this rule pack." and its caption said it again
    charts = _text(_section(shanghai[0], "charts"))
    assert charts.count("Not drawn: no judged visit in scope has a Ready to Work time.") == 1
    assert "Not available" not in charts


# --- layout: a penalty cell stays in its column ----------------------------------------------


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def test_the_fueleu_penalty_cell_stays_inside_its_column(rotterdam):
    # "not computed: power demand at berth unknown" was laid out on one line (a numeric cell
    # does not wrap) and printed over the reasons of the next column.
    _, model = rotterdam
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=True)
    start = html.index("<section")
    only = html[:start] + html[html.index('<section class="flow" id="noncompliant"'):]
    only = only[: only.index("</section>", only.index('id="noncompliant"')) + 10]
    document = render.layout(only + "</body></html>", {**model["meta"], "page_size": "letter"})
    checked = 0
    for page in document.pages:
        for box in _boxes(page._page_box):
            if type(box).__name__ != "TableCellBox" or box.element_tag != "td":
                continue
            left, right = box.border_box_x(), box.border_box_x() + box.border_width()
            for inner in _boxes(box):
                if type(inner).__name__ == "TextBox":
                    checked += 1
                    assert left - 0.01 <= inner.position_x, inner.text
                    assert inner.position_x + inner.width <= right + 0.01, inner.text
    assert checked
