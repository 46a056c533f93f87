"""The report a board reads (issue 17, items 3, 8 and 9): tiles inside the page on every page
size, the cover's ports and scope in words, a report over zero visits, the written summary and
the one compliance rate, the previous period, UNCONFIRMED flags, the glossary and basis codes in
words, charts that agree with the tables, no near-empty pages, and the appendix (readable,
optional, a summary above its threshold).

One sample month is loaded and checked per module; most checks read the HTML or the model, and
the PDF layout is computed once per page size.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from html import unescape
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.demo import SAMPLE_PERIOD
from berthcheck.engine import check
from berthcheck.engine.scope import parse_scope
from berthcheck.report import build_report, charts, data, listing, render
from berthcheck.report import summary as report_summary
from berthcheck.report.words import BASIS_WORDS, VERDICT_OF_BASIS, basis_text
from tests.conftest import copy_store

SVG = "{http://www.w3.org/2000/svg}"
runner = CliRunner()

# one worker runs this file and the other report file: they read one demo run and its PDF
# (conftest's `sample_report`; tests/scheduling.py)
WORK_UNIT = "sample-report"

# Every basis of the data contract's results table (data contract § results, `basis`).
CONTRACT_BASES = {
    "compliant": ("controlled", "short_visit", "vie", "tie", "remediation", "emergency"),
    "exempt": ("commissioning", "research", "innovative_concept", "low_activity_terminal",
               "zero_emission_tech", "unscheduled_call"),
    "not_applicable": ("not_regulated_type", "not_ocean_going_vessel", "before_start_date",
                       "below_gross_tonnage", "port_not_covered", "not_port_of_call"),
    "non_compliant": ("uncontrolled",),
}


def _text(pdf: bytes | object) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    return [p.extract_text() for p in reader.pages]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def month(sample_report):
    """The sample month loaded and checked; the model and HTML of its report: the demo's
    (conftest's `sample_report`, shared with test_report), made by the real functions."""
    run = sample_report["run"]
    return {"folder": sample_report["folder"], "db": sample_report["db"], "run": run,
            "model": sample_report["model"], "html": sample_report["html"],
            "results": run.results}


@pytest.fixture(scope="module")
def letter(sample_report):
    """The report laid out on letter pages (WeasyPrint's boxes), and its PDF read back (each
    page's text and text pieces, read once for both report files: conftest's `pdf_text`)."""
    return {"document": sample_report["document"], "pages": sample_report["pages"],
            "pieces": sample_report["pieces"]}


def _summary_only(html: str) -> str:
    """The cover and the summary page alone (the tiles' page), to lay out quickly."""
    end = html.index("</section>", html.index('id="summary"')) + len("</section>")
    return html[:end] + "</body></html>"


def _boxes(box):
    yield box
    for child in getattr(box, "children", None) or ():
        yield from _boxes(child)


def _classes(box) -> set[str]:
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) is None:
        return set()
    return set((element.get("class") or "").split())


# --- item 8: tiles inside the margins ---------------------------------------------------------


@pytest.mark.parametrize("size", ["letter", "a4", "a5"])
def test_summary_tiles_stay_inside_the_page_margins(month, size):
    """Every summary tile's border box, and every line of text in it, lies inside the page's
    content box (the area within the margins), at each page size."""
    meta = {**month["model"]["meta"], "page_size": size}
    document = render.layout(_summary_only(month["html"]), meta)
    tiles = 0
    for page in document.pages:
        page_box = page._page_box
        left, top = page_box.content_box_x(), page_box.content_box_y()
        right, bottom = left + page_box.width, top + page_box.height
        for box in _boxes(page_box):
            if "tile" not in _classes(box) or type(box).__name__ != "TableCellBox":
                continue
            tiles += 1
            x, y = box.border_box_x(), box.border_box_y()
            assert left - 0.01 <= x and x + box.border_width() <= right + 0.01, (size, x)
            assert top - 0.01 <= y and y + box.border_height() <= bottom + 0.01, (size, y)
            for inner in _boxes(box):
                if type(inner).__name__ == "TextBox":
                    assert x - 0.01 <= inner.position_x
                    assert inner.position_x + inner.width <= x + box.border_width() + 0.01, (
                        size, inner.text)
    assert tiles == 9


# --- item 8: cover, summary, rate, comparison ----------------------------------------------------


def test_cover_names_the_port_and_the_scope_in_words(letter):
    cover = letter["pages"][0]
    assert "Port of Los Angeles (USLAX)" in cover
    assert ("Every visit at the Port of Los Angeles (USLAX) departing in October 2026, all "
            "terminals and fleets.") in cover.replace("\n", " ")


def test_the_written_summary_says_the_figures_of_the_results(month, letter):
    results = month["results"]
    counts = dict(results.group_by("verdict").len().iter_rows())
    compliant, bad = counts.get("compliant", 0), counts.get("non_compliant", 0)
    rate = f"{100 * compliant / (compliant + bad):.1f} %"
    summary = next(p for p in letter["pages"] if p.lstrip().startswith("Summary"))
    flat = " ".join(summary.split())
    assert (f"In October 2026, {results.height} visits departed from the Port of Los Angeles "
            f"(USLAX).") in flat
    assert f"{compliant} compliant and {bad} non-compliant, a compliance rate of {rate}" in flat
    hours = results["uncontrolled_hours"].fill_null(0).sum()
    assert f"Non-compliant visits left {hours:,.1f} hours uncontrolled." in flat


def test_the_written_summary_names_the_port_of_the_worst_terminal_of_several_ports():
    """Two ports with a terminal of the same name: "Terminal WBCT had the most non-compliant
    visits" did not say which."""
    from berthcheck.report.board import written_summary

    meta = {"period_title": "October 2026", "scope_text": "All ports, terminals and fleets",
            "ports": [{"code": "USLAX", "name": "Port of Los Angeles"},
                      {"code": "USOAK", "name": "Port of Oakland"}]}
    s = {"visits": 9, "judged": 9, "rate_text": "55.6 %", "uncontrolled_text": "10.0",
         "counts": {"compliant": 5, "non_compliant": 4, "exempt": 0, "not_applicable": 0,
                    "insufficient_data": 0}}
    terminals = [{"port": "USLAX", "terminal": "WBCT", "non_compliant": 1, "judged": 4},
                 {"port": "USOAK", "terminal": "WBCT", "non_compliant": 3, "judged": 5}]
    text = written_summary(meta, s, terminals, None, {})
    assert "Terminal WBCT at USOAK had the most non-compliant visits (3 of 5 judged)." in text
    one_port = written_summary(meta, s, [{**t, "port": "USLAX"} for t in terminals], None, {})
    assert "Terminal WBCT had the most non-compliant visits (3 of 5 judged)." in one_port


def test_one_compliance_rate_defined_on_the_summary_page(month, letter):
    summary = next(p for p in letter["pages"] if p.lstrip().startswith("Summary"))
    flat = " ".join(summary.split())
    assert "Compliance rate = compliant visits ÷ judged visits" in flat
    # the terminals table's total rate is the summary's rate; each terminal uses the same ratio
    s, rows = month["model"]["summary"], month["model"]["terminals"]["rows"]
    results = month["results"]
    for row in rows:
        mine = results.filter(pl.col("terminal") == row["terminal"])
        c = mine.filter(pl.col("verdict") == "compliant").height
        j = c + mine.filter(pl.col("verdict") == "non_compliant").height
        assert row["rate"] == (f"{100 * c / j:.1f} %" if j else "n/a")
    assert s["rate_text"] in flat
    # the verdict table's shares are labelled as shares of all visits, not as a second rate
    assert "Share of all visits" in flat


@pytest.fixture(scope="module")
def september_after_october(month, tmp_path_factory) -> dict:
    """A copy of the demo's store (October's run stored) in which September is checked, then
    October again, as a user following the report's advice does; the models of October's
    report at each step. Read by the two comparison tests below, where each made these two
    checks itself on its own copy (about 1 CPU s)."""
    import shutil

    db = tmp_path_factory.mktemp("comparison") / "bc.duckdb"
    shutil.copy(month["db"], db)
    con = store.connect(db)
    try:  # October's run is the demo's, stored in its database (`month`)
        reused = data.obtain_run(con, parse_scope(SAMPLE_PERIOD)).reused
        before = data.build_model(con, data.obtain_run(con, parse_scope(SAMPLE_PERIOD)))
        previous = check(con, period="2026-09")  # stored, like `berthcheck check`
        # October's stored run is older than September's: re-rendering it compares with none
        stale = data.build_model(con, data.obtain_run(con, parse_scope(SAMPLE_PERIOD)))
        # a fresh run of October made after it (a report reuses the stored run otherwise)
        check(con, period=SAMPLE_PERIOD)
        again = data.build_model(con, data.obtain_run(con, parse_scope(SAMPLE_PERIOD)))
    finally:
        con.close()
    return {"reused": reused, "before": before, "previous": previous, "stale": stale,
            "again": again}


def test_without_a_comparison_the_report_says_how_to_get_one(september_after_october):
    """October's run stored first, September's after it: the report of October said no run
    existed for September and to run `berthcheck check` for that period, which had just been
    done (the comparison reads runs stored no later than the report's own run)."""
    steps = september_after_october
    assert steps["reused"]
    model = steps["stale"]
    assert model["comparison"] is None  # re-rendering this run gives the same page
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=False)
    assert "No stored run of the same rule pack and scope exists" not in html
    flat = " ".join(html.split())
    assert ("run “berthcheck check” for that period, then for this period again (a report "
            "compares with runs stored before its own)") in flat
    # then October checked again, as the report says
    again = steps["again"]
    assert again["comparison"] is not None and again["comparison"]["period"] == "2026-09"


def test_a_report_over_dates_does_not_ask_for_a_previous_periods_run(month, tmp_path):
    """A run of `check --from --to` has no previous period, yet its report said to run
    `berthcheck check` "for that period"."""
    import shutil

    db = tmp_path / "bc.duckdb"
    shutil.copy(month["db"], db)
    con = store.connect(db)
    try:
        run = data.obtain_run(con, parse_scope(None, "2026-10-05", "2026-10-12"))
        model = data.build_model(con, run, "none")
    finally:
        con.close()
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=False)
    assert model["comparison"] is None and "previous period was stored" not in html
    assert "for that period" not in html


def test_previous_period_is_compared_when_a_run_for_it_is_stored(month,
                                                                 september_after_october):
    steps = september_after_october
    assert steps["before"]["comparison"] is None
    previous, model = steps["previous"], steps["again"]
    compare = model["comparison"]
    assert compare is not None and compare["run_id"] == previous.run_id
    assert compare["period_title"] == "September 2026"
    rows = {r["label"]: r for r in compare["rows"]}
    assert rows["Visits in scope"]["before"] == f"{previous.results.height:,}"
    assert rows["Visits in scope"]["now"] == f"{month['results'].height:,}"
    delta = month["results"].height - previous.results.height
    assert rows["Visits in scope"]["change"] == f"{delta:+,}"
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=False)
    assert "Compared with September 2026" in html


def test_the_cover_names_every_zone_abbreviation_of_the_period(month, tmp_path):
    """A year's report of Los Angeles said "America/Los_Angeles (PST)", the zone on its first
    and last day, though every time it printed (October's visits) was PDT."""
    import shutil

    db = tmp_path / "bc.duckdb"
    shutil.copy(month["db"], db)
    con = store.connect(db)
    try:
        model = data.build_model(con, data.obtain_run(con, parse_scope("2026")), "none")
    finally:
        con.close()
    assert model["meta"]["zones"] == "America/Los_Angeles (PDT/PST)"
    assert month["model"]["meta"]["zones"] == "America/Los_Angeles (PDT)"  # October alone


# --- item 3: zero visits ---------------------------------------------------------------------


def test_a_report_over_zero_visits_says_so_on_its_cover(month, tmp_path):
    import shutil

    db = tmp_path / "bc.duckdb"
    shutil.copy(month["db"], db)
    con = store.connect(db)
    try:
        outcome = build_report(con, period="2025-03", out=tmp_path / "empty.pdf")
    finally:
        con.close()
    assert outcome.visits == 0
    pages = _text(outcome.path.read_bytes())
    assert "No visits in scope" in pages[0]
    text = "\n".join(pages)
    assert "not available" not in text.lower()
    for chapter in ("Charts", "Non-compliant visits", "Appendix"):
        assert f"\n{chapter}\n" not in text
    assert "No visit in scope departed in March 2025" in " ".join(text.split())


def test_an_empty_reports_cover_names_the_zone_of_the_port_asked_for_never_utc(month, tmp_path):
    """A report over zero visits said "Time zones: UTC" on its cover: a zone no visit and no
    port of the scope has. With --port (or --terminal) the cover names that port's zone from
    the ports table; with neither it says there were no visits to show times of."""
    import shutil

    db = tmp_path / "bc.duckdb"
    shutil.copy(month["db"], db)
    con = store.connect(db)
    try:
        def cover(**scope) -> tuple[str, str]:
            run = data.obtain_run(con, parse_scope("2025-03", **scope))
            assert run.results.height == 0
            model = data.build_model(con, run, "none")
            html = render.render_html(model, charts.draw_all(model["chart_data"]),
                                      for_pdf=False)
            row = re.search(r"<tr><th>Time zones</th><td>(.*?)</td></tr>", html)
            assert row is not None
            return model["meta"]["zones"], row.group(1)

        # March 2025: daylight saving time starts on the 9th in Los Angeles
        zones, row = cover(port="USLAX")
        assert zones == "America/Los_Angeles (PDT/PST)", zones
        assert "no visits in scope" in row and "UTC" not in row, row
        zones, row = cover(terminal="APMT")  # a terminal of the Port of Los Angeles
        assert zones == "America/Los_Angeles (PDT/PST)", zones
        zones, row = cover()
        assert "UTC" not in zones and "UTC" not in row, row
        assert "no visits in scope" in row, row
        # a fleet asks for no port either: its empty cover says what the plain one says
        assert cover(fleet="Hanse Nordic Container Fleet") == (zones, row)
    finally:
        con.close()


# --- item 8: words, glossary, flags ------------------------------------------------------------


def test_every_basis_of_the_contract_has_words():
    for verdict, codes in CONTRACT_BASES.items():
        for code in codes:
            assert code in BASIS_WORDS, code
            assert VERDICT_OF_BASIS[code] == verdict
            assert basis_text(code) != code
    assert basis_text("missing_ready_to_work") == "missing ready to work"
    assert basis_text("controlled+remediation") == (
        "controlled in the window, remediation excused part")


def test_the_report_shows_bases_in_words_and_a_glossary(month, letter):
    results = month["results"]
    codes = {p for b in results["basis"].to_list() for p in b.split("+")}
    text = " ".join("\n".join(letter["pages"]).split())
    assert "Glossary" in text
    for term in ("VIE", "TIE", "CAECS", "Ready to Work", "Pilot on Board", "Compliance rate"):
        assert re.search(rf"\n{re.escape(term)} ", "\n".join(letter["pages"])), term
    for code in codes:
        assert code in BASIS_WORDS or code.startswith("missing_"), code
        assert basis_text(code) in text
    glossary = {b["code"] for b in month["model"]["glossary"]["basis"]}
    assert glossary == codes


def test_unconfirmed_items_are_flagged_beside_the_fueleu_penalty(rotterdam_month_checked,
                                                                  tmp_path):
    # the Rotterdam month's FuelEU run, stored once per worker (conftest) and shared with
    # test_report: the report reuses it
    con = store.connect(copy_store(rotterdam_month_checked[0], tmp_path / "eu.duckdb"))
    try:
        outcome = build_report(con, period="2030-06", out=tmp_path / "eu.html",
                               pack="fueleu-art6", appendix="none")
    finally:
        con.close()
    html = outcome.path.read_text(encoding="utf-8")
    tile = html[html.index('<span class="label">Penalties</span>'):]
    tile = tile[: tile.index("</td>")]
    assert "UNCONFIRMED" in tile
    summary = html[html.index('id="summary"'): html.index('id="charts"')]
    assert "Penalties: penalty_eur_per_kwh" in " ".join(summary.split())
    written = re.search(r'<p class="written">(.*?)</p>', summary, re.S).group(1)
    assert "UNCONFIRMED rate" in written
    assert "Port of Rotterdam" in html[: html.index('id="summary"')] or "NLRTM" in html


@pytest.fixture(scope="module")
def fueleu_noncompliant_html(rotterdam_month_checked, tmp_path_factory) -> tuple[str, dict]:
    """The Rotterdam month's FuelEU report as handed to WeasyPrint, cut to its cover and its
    non-compliant visits (the chapter with a penalty column), and its model's meta."""
    from berthcheck.engine.scope import parse_scope

    db = copy_store(rotterdam_month_checked[0], tmp_path_factory.mktemp("eu") / "eu.duckdb")
    con = store.connect(db)
    try:
        run = data.obtain_run(con, parse_scope("2030-06", None, None, None, None, None),
                              "fueleu-art6")
        model = data.build_model(con, run, "none")
    finally:
        con.close()
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=True)
    start = html.index('<section class="flow" id="noncompliant">')
    end = html.index("</section>", start) + len("</section>")
    cover_end = html.index("</section>") + len("</section>")
    return html[:cover_end] + html[start:end] + "</body></html>", model["meta"]


@pytest.mark.parametrize("size", ["letter", "a4"])
def test_a_penalty_and_its_flag_stay_inside_their_column(fueleu_noncompliant_html, size):
    """"EUR 193,710.00" ran 3.7 pt past the Penalty column (6.2 on A4) and its UNCONFIRMED
    flag 6.5 (8.9), into the reasons beside them: "EUR 193,710.00FE05 No OPS use"."""
    html, meta = fueleu_noncompliant_html
    document = render.layout(html, {**meta, "page_size": size})
    over, cells = set(), 0
    for page in document.pages:
        for cell in _boxes(page._page_box):
            if type(cell).__name__ != "TableCellBox" or "num" not in _classes(cell):
                continue
            cells += 1
            right = cell.border_box_x() + cell.border_width()
            for inner in _boxes(cell):
                kind = type(inner).__name__
                if kind == "TextBox" and inner.position_x + inner.width > right + 0.01:
                    over.add(inner.text)
                elif kind == "InlineBlockBox" and (
                        inner.border_box_x() + inner.border_width() > right + 0.01):
                    over.add("flag")
    assert cells > 29 and not over, (size, over)


# --- item 8: charts agree with the tables -----------------------------------------------------


def _bars(svg: str, height: float) -> list[tuple[float, float, float]]:
    root = ET.fromstring(svg)
    return [(float(r.get("x")), float(r.get("y")), float(r.get("width")))
            for r in root.iter(f"{SVG}rect") if float(r.get("height")) == height]


def test_terminal_chart_counts_agree_with_the_results(month):
    results = month["results"]
    drawn = str(charts.draw_all(month["model"]["chart_data"])["by_terminal"])
    root = ET.fromstring(drawn)
    names = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    bars = _bars(drawn, 14)
    expected = (results.group_by("terminal").agg(
        (pl.col("verdict") == "compliant").sum().alias("c"),
        (pl.col("verdict") == "non_compliant").sum().alias("n"),
        (pl.col("verdict") == "insufficient_data").sum().alias("i"),
        pl.col("verdict").is_in(["exempt", "not_applicable"]).sum().alias("o"),
    ).sort("terminal"))
    assert names == expected["terminal"].to_list()
    assert len(bars) == 4 * expected.height
    per_visit = None
    for i, row in enumerate(expected.iter_rows()):
        for width, count in zip([b[2] for b in bars[4 * i: 4 * i + 4]], row[1:], strict=True):
            if count:
                per_visit = per_visit or width / count
                assert width == pytest.approx(count * per_visit, abs=0.02)
            else:
                assert width == 0
    # the terminal table's rows are the same counts
    for row, (name, c, n, i, o) in zip(month["model"]["terminals"]["rows"],
                                       expected.iter_rows(), strict=True):
        assert (row["terminal"], row["compliant"], row["non_compliant"], row["insufficient"],
                row["other"]) == (name, c, n, i, o)


def test_many_terminals_share_one_bar_that_adds_up_to_the_table(month, monkeypatch):
    monkeypatch.setattr(report_summary, "CHART_TERMINALS", 4)
    table = month["model"]["terminals"]
    bars = report_summary.chart_terminals(table)
    assert len(bars) == 5 and bars[-1]["label"] == f"{len(table['rows']) - 4} other terminals"
    biggest = sorted(table["rows"], key=lambda r: (-r["visits"], r["terminal"]))[:4]
    assert [b["terminal"] for b in bars[:4]] == [r["terminal"] for r in biggest]
    for key in ("visits", "compliant", "non_compliant", "insufficient", "other"):
        assert sum(b[key] for b in bars) == sum(r[key] for r in table["rows"])
    svg = str(charts.compliance_by_terminal(bars))
    assert len(_bars(svg, 14)) == 4 * 5


def test_uncontrolled_hours_chart_adds_up_to_the_summary(month):
    results = month["results"]
    per_day: dict[int, float] = {}
    for dep, tz, h in results.select("departure", "port_timezone",
                                     "uncontrolled_hours").iter_rows():
        day = dep.astimezone(ZoneInfo(tz)).date()
        assert day.month == 10
        per_day[day.day] = per_day.get(day.day, 0.0) + (h or 0.0)
    over = month["model"]["chart_data"]["over_time"]
    assert over["labels"] == [str(d) for d in range(1, 32)]
    assert over["values"] == pytest.approx([per_day.get(d, 0.0) for d in range(1, 32)])
    total = results["uncontrolled_hours"].fill_null(0).sum()
    assert f"{sum(over['values']):,.1f}" == month["model"]["summary"]["uncontrolled_text"] == (
        f"{total:,.1f}")
    # and the drawn bars are in proportion to those values
    svg = str(charts.draw_all(month["model"]["chart_data"])["over_time"])
    heights = [float(r.get("height")) for r in ET.fromstring(svg).iter(f"{SVG}rect")]
    biggest = max(over["values"])
    scale = max(heights) / biggest
    assert heights == pytest.approx([v * scale for v in over["values"]], abs=0.02)


def test_the_excused_hours_add_up_to_what_each_figure_says_it_counts(month):
    """The summary and the terminal table said 126.3 excused hours, while the tile beside
    them showed only remediation (2.9) and emergency (2.7) hours: the whole windows of the
    visits excused by a VIE or TIE (under CARB an honoured VIE / TIE excuses the window's
    uncontrolled time, 70_outcome.sql) were in the total and nowhere else. Now the excused
    hours are shown whole and split by what excused them, parts that add up to it.

    By hand, from the sample month's results (excused_hours > 0, six visits):
      VIE: LAX-2610-00015 3.0 + LAX-2610-00018 68.0333 + LAX-2610-00043 2.0833
                                                      -> VIE or TIE 73.1167 h
      remediation: LAX-2610-00066 2.9167              -> 2.9167 h
      emergency: LAX-2610-00064 1.4833 + LAX-2610-00127 1.2167 -> 2.7 h
      total 73.1167 + 2.9167 + 2.7 = 78.7333 h (shown 73.1 + 2.9 + 2.7 = 78.7).
    (Until pack 1.2.12 the TIE on LAX-2610-00135, 47.55 h, was honoured too: 126.3 h. The
    sample is one month of USLAX, not declared complete, so EVERPORT's other TIE claims of
    2026 may not be loaded and the claim is not honoured, AB26.)"""
    s = month["model"]["summary"]
    total = float(month["results"]["excused_hours"].fill_null(0).sum())
    assert total == pytest.approx(78.7333, abs=1e-4)
    parts = {p["key"]: p["hours"] for p in s["excused_parts"]}
    assert parts == pytest.approx({"vie_tie": 73.1167, "remediation": 2.9167,
                                   "emergency": 2.7}, abs=1e-4)
    assert sum(parts.values()) == pytest.approx(total, abs=1e-9)
    assert s["excused_text"] == "78.7"
    html = month["html"]
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())
    # the tile shows the total the table and the summary show, with its parts
    assert "Remediation hours" not in text
    assert ("Excused hours 78.7 VIE or TIE 73.1 · emergency 2.7 · remediation 2.9"
            in text), text[text.find("Excused hours"):][:200]
    # the summary's sentence and the exceptions chapter say what the excused hours count
    assert ("78.7 excused: 73.1 of visits excused by an honoured VIE or TIE (their "
            "window's uncontrolled time), 2.7 covered by emergency events, 2.9 covered "
            "by remediation events.") in text
    assert "Hours excused: 78.7 in all: 73.1 of visits excused by an honoured VIE or TIE" \
        in text
    # and so does the glossary
    terms = {t["term"]: t["meaning"] for t in month["model"]["glossary"]["terms"]}
    assert terms["Excused hours"].endswith(
        "; under CARB also the whole uncontrolled time of the window of a visit excused by an "
        "honoured VIE or TIE.")
    terminals = month["model"]["terminals"]["rows"]
    assert sum(float(r["excused"]) for r in terminals) == pytest.approx(78.7, abs=0.05 * 4)


def test_excused_parts_count_each_visits_excused_hours_once():
    """Each visit's excused_hours goes whole into one part, or is shared by its event kinds
    only where their minutes add up to it: overlapping events never count an hour twice."""
    results = pl.DataFrame({
        "visit_id": ["A", "B", "C", "D", "E", "F"],
        "basis": ["vie", "controlled+emergency+remediation", "controlled+emergency+remediation",
                  "controlled", "controlled+remediation", "uncontrolled"],
        "excused_hours": [5.0, 2.0, 1.0, 0.5, 1.5, None],
    })

    def excused(visit: str, kind: str, minutes: float) -> dict:
        return {"visit_id": visit, "evidence_data": {"kind": kind, "excused_minutes": minutes}}

    findings = [
        excused("A", "emergency", 30.0),  # under an honoured VIE: the VIE part has it all
        excused("B", "emergency", 60.0), excused("B", "remediation", 60.0),  # 1 h + 1 h = 2 h
        excused("C", "emergency", 60.0), excused("C", "remediation", 30.0),  # 1.5 h of 1 h
        # D: excused without a finding naming a kind
        excused("E", "remediation", 60.0), excused("E", "remediation", 60.0),  # one kind
        {"visit_id": "F", "evidence_data": {"from": "x", "excused_minutes": 10.0}},  # a stretch
    ]
    parts = report_summary.excused_parts(results, findings)
    # vie_tie 5 (A); emergency 1 (B); remediation 1 (B) + 1.5 (E); several 1 (C); other 0.5 (D)
    assert [(p["key"], p["hours"]) for p in parts] == [
        ("vie_tie", 5.0), ("emergency", 1.0), ("remediation", 2.5), ("several", 1.0),
        ("other", 0.5)]
    assert sum(p["hours"] for p in parts) == 10.0  # = the excused_hours column's sum
    assert [p["kind"] for p in parts] == [False, True, True, False, False]


def test_the_glossary_explains_the_several_kinds_part_only_when_it_occurs(month):
    """The tile, the summary and the exceptions chapter show a part "several kinds" (a visit
    whose excused time overlapping events of more than one kind cover, counted once) that the
    glossary, which explains the VIE or TIE part, did not explain. The sample month has no such
    visit (its parts: VIE or TIE, emergency, remediation): no sentence there."""
    from berthcheck.report.words import glossary

    def excused(parts):
        return {t["term"]: t["meaning"] for t in glossary({"carb"}, parts)}["Excused hours"]

    several = excused(["vie_tie", "emergency", "several"])
    assert ("; several kinds: the excused hours of visits whose excused time is covered by "
            "overlapping events of several kinds, counted once rather than split between "
            "the kinds." in several)
    assert "VIE or TIE" in several  # the other part's note stays
    assert "several kinds" not in excused(["vie_tie", "emergency"])
    assert "several kinds" not in excused([])
    # the report passes its own parts: the sample month's glossary has no such sentence
    terms = {t["term"]: t["meaning"] for t in month["model"]["glossary"]["terms"]}
    assert "several kinds" not in terms["Excused hours"]
    assert "several" not in {p["key"] for p in month["model"]["summary"]["excused_parts"]}


def test_delay_chart_counts_every_judged_visit(month):
    delays = month["model"]["chart_data"]["delays"]
    s = month["model"]["summary"]
    assert sum(delays["counts"]) + delays["never"] == delays["judged"]
    assert delays["judged"] + delays["short"] == s["judged"]
    windowless = month["results"].filter(
        pl.col("verdict").is_in(["compliant", "non_compliant"]) & pl.col("window_start").is_null())
    assert delays["short"] == windowless.height


def test_avoided_emissions_chart_adds_up_to_the_emissions_table(month):
    emissions = month["model"]["emissions"]
    results = month["results"]
    rows = {r["pollutant"]: r for r in emissions["rows"]}
    charted = emissions["by_control"]["pollutants"]
    assert charted
    for p in charted:
        total = results[f"avoided_{p['pollutant']}_kg"].fill_null(0).sum()
        assert sum(p["values"]) == pytest.approx(total, rel=1e-9)
        assert rows[p["pollutant"]]["avoided"] == pytest.approx(total, rel=1e-9)


def test_emission_figures_carry_the_factors_unconfirmed_flag(month):
    factors = month["model"]["methodology"]["factors"]
    if factors is None:
        pytest.skip("no emission factor tables installed")
    open_items = [c["name"] for c in factors["conventions"] if not c["confirmed"]]
    rows = sum(t["unconfirmed"] for t in factors["tables"])
    assert month["model"]["emissions"]["unconfirmed_conventions"] == open_items
    chapter = month["html"][month["html"].index('id="emissions"'):
                            month["html"].index('id="terminals"')]
    if open_items or rows:
        assert '<span class="flag">UNCONFIRMED</span> These figures use' in chapter
        assert all(name in chapter for name in open_items)


# --- item 8: pages -------------------------------------------------------------------------


def test_no_page_is_nearly_empty(letter):
    """Chapters flow: apart from the cover, the one-page summary, the last page before the
    appendix and the last page, every page is at least a third full."""
    pages = letter["document"].pages
    fill = []
    for page in pages:
        page_box = page._page_box
        top, height = page_box.content_box_y(), page_box.height
        lowest = top
        for box in _boxes(page_box):
            if type(box).__name__ in ("TextBox", "LineBox") and not _in_margin(box, page_box):
                lowest = max(lowest, box.position_y + box.height)
        fill.append((lowest - top) / height)
    appendix_first = next(i for i, p in enumerate(pages) if p.width > p.height)
    exempt = {0, 1, appendix_first - 1, len(pages) - 1}
    short = [(i + 1, round(f, 2)) for i, f in enumerate(fill) if i not in exempt and f < 1 / 3]
    assert not short, short


def test_every_table_heading_fits_its_column(letter):
    """A header cell's longest word is no wider than the cell's content box: "Responsible"
    (the non-compliant visits) ran 4.8 px past its 9 % column and into "Reasons and evidence",
    "Compliant" (terminals) 2 px past its 8 % (both wider still on A4)."""
    over = set()
    for page in letter["document"].pages:
        for cell in _boxes(page._page_box):
            if type(cell).__name__ != "TableCellBox" or cell.element_tag != "th":
                continue
            for inner in _boxes(cell):
                if type(inner).__name__ == "TextBox" and inner.width > cell.width + 0.5:
                    over.add((inner.text, round(inner.width - cell.width, 1)))
    assert not over, over


def _in_margin(box, page_box) -> bool:
    y = box.position_y
    return y < page_box.content_box_y() or y >= page_box.content_box_y() + page_box.height


# --- item 8: the appendix --------------------------------------------------------------------


def test_appendix_text_is_at_least_7_5_pt(month, letter):
    first = next(i for i, p in enumerate(letter["pages"]) if "Appendix: every visit" in p)
    visit = re.compile(r"LAX-\d{4}-\d{5}")
    sizes = []
    for pieces in letter["pieces"][first:]:  # (text, cm, tm, size) as pypdf's visitor saw them
        for text, cm, tm, size in pieces:
            if visit.search(text or ""):
                scale = (tm[0] ** 2 + tm[1] ** 2) ** 0.5 * (cm[0] ** 2 + cm[1] ** 2) ** 0.5
                sizes.append(size * scale)
    assert sizes and min(sizes) >= 7.5 - 1e-6, min(sizes or [0])
    listed = set(visit.findall("\n".join(letter["pages"][first:])))
    assert listed == set(month["results"]["visit_id"].to_list())


@pytest.mark.parametrize("mode", ["all", "non-compliant", "none"])
def test_appendix_option(month, mode):
    con = store.connect(month["db"])
    try:
        run = data.obtain_run(con, parse_scope(SAMPLE_PERIOD))
        model = data.build_model(con, run, appendix=mode)
    finally:
        con.close()
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=True)
    results = month["results"]
    appendix = html[html.index('id="appendix"'):] if 'id="appendix"' in html else ""
    if mode == "none":
        assert appendix == ""
        return
    wanted = results if mode == "all" else results.filter(pl.col("verdict") == "non_compliant")
    listed = set(re.findall(r"LAX-\d{4}-\d{5}", appendix))
    assert listed == set(wanted["visit_id"].to_list())


def test_above_the_threshold_the_appendix_is_a_summary(month, monkeypatch):
    monkeypatch.setattr(listing, "APPENDIX_MAX_VISITS", 50)
    monkeypatch.setattr(listing, "NONCOMPLIANT_DETAIL_MAX", 5)
    monkeypatch.setattr(listing, "NONCOMPLIANT_LIST_MAX", 20)
    con = store.connect(month["db"])
    try:
        model = data.build_model(con, data.obtain_run(con, parse_scope(SAMPLE_PERIOD)))
    finally:
        con.close()
    results = month["results"]
    ap = model["appendix"]
    assert ap["kind"] == "summary" and ap["listed"] == 0
    assert sum(r["n"] for r in ap["summary"]) == results.height
    for r in ap["summary"]:
        assert r["n"] == results.filter((pl.col("verdict") == r["verdict_key"])
                                        & (pl.col("basis") == r["basis"])).height
    nc = model["noncompliant"]
    bad = results.filter(pl.col("verdict") == "non_compliant").sort(
        ["uncontrolled_hours", "visit_id"], descending=[True, False])
    assert [v["visit_id"] for v in nc["detailed"]] == bad["visit_id"].to_list()[:5]
    assert len(nc["lines"]["rows"]) == 15
    assert all(line["line"].startswith(v) for line, v in zip(
        nc["lines"]["rows"], bad["visit_id"].to_list()[5:20], strict=True))
    assert nc["more"] == bad.height - 20
    html = render.render_html(model, charts.draw_all(model["chart_data"]), for_pdf=True)
    assert "Appendix: visits by verdict and basis" in html
    assert f"The other {bad.height - 20} non-compliant visits are in the attached results CSV" in (
        " ".join(html.split()))


def test_report_appendix_and_page_size_options(month, tmp_path):
    import shutil

    db = tmp_path / "bc.duckdb"
    shutil.copy(month["db"], db)
    # --page-size a4 reaching the PDF is test_report's fleet report (one PDF layout for both);
    # here --appendix none reaches the report (HTML: the same model and markup)
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--db", str(db), "--period", SAMPLE_PERIOD,
                                 "--out", str(out), "--appendix", "none", "--page-size", "a4"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    assert "Methodology" in html and "Appendix" not in html
    for bad in (["--appendix", "some"], ["--page-size", "tabloid"]):
        result = runner.invoke(app, ["report", "--db", str(db), "--period", SAMPLE_PERIOD,
                                     "--out", str(out), *bad])
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output


def test_period_helpers():
    from berthcheck.report.board import previous_period

    assert previous_period("2026-01") == "2025-12"
    assert previous_period("2026-10") == "2026-09"
    assert previous_period("2026-Q1") == "2025-Q4"
    assert previous_period("2026") == "2025"
    assert previous_period("2026-10-01..2026-10-15") is None


def test_scope_in_words_names_fleet_terminal_and_port():
    from berthcheck.report.board import ports_in_words, scope_in_words

    lax = [{"code": "USLAX", "name": "Port of Los Angeles"}]
    assert scope_in_words(parse_scope("2026-10", fleet="F1"), lax) == (
        "The visits of fleet F1 at the Port of Los Angeles (USLAX) departing in October 2026; "
        "no other fleet's visits.")
    assert scope_in_words(parse_scope("2026-10", terminal="TRAPAC"), lax) == (
        "The visits at terminal TRAPAC of the Port of Los Angeles (USLAX) departing in "
        "October 2026.")
    assert scope_in_words(parse_scope("2026-10", port="USLAX"), lax) == (
        "Every visit at the Port of Los Angeles (USLAX) departing in October 2026.")
    # a fleet or terminal with no visit in the period: the empty report's cover said "The
    # visits of fleet F1 at no port departing in ...", as if the scope excluded every port
    assert scope_in_words(parse_scope("2026-10", fleet="F1"), []) == (
        "The visits of fleet F1, at any port, departing in October 2026; no other fleet's "
        "visits.")
    assert scope_in_words(parse_scope("2026-10", terminal="TRAPAC"), []) == (
        "The visits at terminal TRAPAC departing in October 2026.")
    many = [{"code": f"P{i}", "name": f"P{i}"} for i in range(6)]
    assert ports_in_words(many) == "6 ports: P0, P1, P2, P3 and 2 more"


def test_the_glossary_explains_the_other_part_when_it_occurs():
    """The tile, the summary and the exceptions chapter can show a part "other" (a visit's
    excused hours that no finding names an event kind for, test_excused_parts_count_each_
    visits_excused_hours_once, visit D), which the glossary did not explain, unlike "several
    kinds": it does, only where the part is shown."""
    from berthcheck.report.words import glossary

    def excused(parts):
        return {t["term"]: t["meaning"] for t in glossary({"carb"}, parts)}["Excused hours"]

    assert ("; other: the excused hours of visits whose findings name no event kind for them "
            "(the pack reported excused time without the events' kind and minutes)."
            in excused(["vie_tie", "other"]))
    assert "other:" not in excused(["vie_tie", "emergency", "several"])


def test_a_totals_row_is_printed_once_under_the_last_row(month):
    """The terminals table over two pages (A5, starting low on the first) ends with its "All" row once: it was
    repeated at the foot of every page, so an A4 page holding the heading and APMT alone read
    "APMT 25 … All 200" as a table of one terminal."""
    html = month["html"]
    start = html.index('<section class="flow" id="terminals">')
    end = html.index("</section>", start) + len("</section>")
    cover_end = html.index("</section>") + len("</section>")
    low = '<div style="height: 120mm"></div>'  # the table starts low on its first page
    # as a table of more than 30 terminals, not kept on one page
    section = html[start:end].replace('class="data cond keep"', 'class="data cond"')
    document = render.layout(html[:cover_end] + low + section + "</body></html>",
                             {**month["model"]["meta"], "page_size": "a5"})
    pages_with_terminal_rows, totals = 0, []
    for n, page in enumerate(document.pages[1:], start=1):
        texts = [box.text for box in _boxes(page._page_box) if type(box).__name__ == "TextBox"]
        pages_with_terminal_rows += "EVERPORT" in texts or "YTI" in texts
        totals += [n] * texts.count("All")
    assert pages_with_terminal_rows >= 2
    assert totals == [len(document.pages) - 1], totals


def test_a_short_terminals_table_is_not_split_after_its_first_row(month):
    """The A4 Los Angeles month ended page 4 with the Terminals heading and APMT's row, the
    other 14 terminals on page 5: a table of up to 30 terminals is kept on one page."""
    html = month["html"]
    start = html.index('<section class="flow" id="terminals">')
    end = html.index("</section>", start) + len("</section>")
    cover_end = html.index("</section>") + len("</section>")
    low = '<div style="height: 130mm"></div>'  # room for the heading and a row or two
    document = render.layout(html[:cover_end] + low + html[start:end] + "</body></html>",
                             {**month["model"]["meta"], "page_size": "a5"})
    pages = [[box.text for box in _boxes(page._page_box) if type(box).__name__ == "TextBox"]
             for page in document.pages]
    (heading,) = [texts for texts in pages if "Terminals" in texts]
    assert "APMT" in heading and "YTI" in heading  # the first and the last terminal
