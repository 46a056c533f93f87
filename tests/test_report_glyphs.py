"""The PDF report embeds only the shipped DejaVu fonts: a Chinese, Japanese or Korean name
printed as empty boxes with nothing saying why. The report now names such texts (its
data-quality chapter, each undrawable character as its code point) and `report` warns."""

from __future__ import annotations

import polars as pl
from typer.testing import CliRunner

from berthcheck.cli import app
from berthcheck.report.glyphs import (
    Undrawable,
    code_points,
    drawable,
    undrawable_texts,
    warning,
)
from tests.conftest import good_visit, pdf_chapter_text, write_csv

runner = CliRunner()
SAKURA = "さくら丸"  # hiragana and a kanji: DejaVu has neither


def test_the_shipped_fonts_draw_latin_greek_and_cyrillic_but_not_cjk():
    have = drawable()
    for name in ("SÃO PAULO EXPRESS", "ΑΘΗΝΑ", "МОСКВА", "ÅLESUND – Ø"):
        assert all(ord(c) in have for c in name), name
    assert not any(ord(c) in have for c in SAKURA + "洋山")


def test_undrawable_texts_name_the_results_column_and_first_visit():
    results = pl.DataFrame({
        "visit_id": ["V2", "V1", "V3"],
        "vessel_name": [SAKURA, SAKURA, "EVER GIVEN"],
        "terminal": ["TRAPAC", "TRAPAC", "洋山四期"],
        "uncontrolled_hours": [0.0, 1.5, 2.0],
    })
    model = {
        "visits": [{"vessel_name": v, "line": f"V1  {v}  compliant"} for v in (SAKURA,)],
        "meta": {"title": "At-Berth Compliance Report", "port_name": "名古屋港"},
        "notes": ["ΑΘΗΝΑ is drawn", "\u200b zero-width space is not a glyph"],
    }
    found = undrawable_texts(model, results)
    assert found == [  # the results' columns in their order, then the model's other texts
        Undrawable(SAKURA, "vessel_name", "V1"),  # the first visit by id, once
        Undrawable("洋山四期", "terminal", "V3"),
        Undrawable("名古屋港"),  # not a results value; a line holding SAKURA is not listed again
    ]
    assert code_points("丸 A") == "<U+4E38> A"
    text = warning(found)
    assert text is not None and text.startswith("warning: 3 texts in the PDF hold")
    assert f"vessel_name {SAKURA!r} (visit V1)" in text
    assert warning([]) is None
    latin = pl.DataFrame({"visit_id": ["V1"], "vessel_name": ["ΑΘΗΝΑ"]})
    assert undrawable_texts({"v": ["МОСКВА", "ÅLESUND"]}, latin) == []


def test_report_lists_and_warns_about_what_its_fonts_cannot_draw(tmp_path):
    visits = write_csv(tmp_path / "visits.csv", [
        good_visit(visit_id="V1", vessel_name=SAKURA),
        good_visit(visit_id="V2", imo="9074729", vessel_name="ΑΘΗΝΑ",
                   arrival="2026-10-05 06:00", ready_to_work="2026-10-05 08:00",
                   pilot_on_board="2026-10-06 05:00", departure="2026-10-06 06:00"),
    ])
    db = str(tmp_path / "bc.duckdb")
    loaded = runner.invoke(app, ["--db", db, "load", "visits", str(visits)])
    assert loaded.exit_code == 0, loaded.output
    pdf = tmp_path / "r.pdf"
    made = runner.invoke(app, ["--db", db, "report", "--period", "2026-10", "--out", str(pdf)])
    assert made.exit_code == 0, made.output
    assert f"vessel_name {SAKURA!r} (visit V1)" in made.stderr
    assert "ΑΘΗΝΑ" not in made.stderr  # drawn: not named
    # the data-quality section of that name (its bookmark), read alone: 1 or 2 of 13 pages
    text = pdf_chapter_text(pdf, "Characters this PDF cannot draw").replace("\x00", "")
    assert "Characters this PDF cannot draw" in text
    assert "<U+3055><U+304F><U+3089><U+4E38>" in text
    # a browser draws them from its own fonts: the HTML report neither lists nor warns
    html = tmp_path / "r.html"
    made = runner.invoke(app, ["--db", db, "report", "--period", "2026-10", "--out", str(html)])
    assert made.exit_code == 0 and "cannot draw" not in made.stderr
    assert "Characters this PDF cannot draw" not in html.read_text(encoding="utf-8")


def test_a_visit_id_in_chinese_is_listed_as_itself():
    # A Shanghai data set numbers its calls in Chinese (沪-001): the visit_id column holds
    # undrawable text itself. Grouping visit_id by visit_id made polars refuse the duplicate
    # column name, so `report --out r.pdf` died with "unexpected DuplicateError".
    results = pl.DataFrame({
        "visit_id": ["沪-002", "沪-001", "V3"],
        "vessel_name": ["长江之星", "长江之星", "EVER GIVEN"],
    })
    assert undrawable_texts({}, results) == [
        Undrawable("沪-001", "visit_id", "沪-001"),
        Undrawable("沪-002", "visit_id", "沪-002"),
        Undrawable("长江之星", "vessel_name", "沪-001"),
    ]
    text = warning(undrawable_texts({}, results))
    assert text is not None and "visit_id '沪-001'; visit_id '沪-002'; vessel_name '长江之星'" \
        " (visit 沪-001)" in text
