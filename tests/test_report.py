"""The PDF / HTML compliance report (issue 5).

The sample month is loaded and reported once per module; the checks read the PDF back with
pypdf (text, fonts, attachments) and compare its figures with the stored run's results.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from berthcheck import store
from berthcheck.cli import app
from berthcheck.demo import SAMPLE_PERIOD, load_sample, sample_source
from berthcheck.engine.export import csv_bytes, write_frame
from berthcheck.engine.runs import load_run
from berthcheck.engine.scope import parse_scope
from berthcheck.report import build_report, charts, render_run
from berthcheck.report.data import obtain_run, restore_types
from berthcheck.report.render import RefusedURL, css_string, make_fetcher, render_pdf
from berthcheck.resources import rules_dir, templates_dir
from tests.conftest import copy_store, write_csv

HOSTILE_NAME = '<img src="file:///etc/passwd"><b>X</b>'
HOSTILE_NOTE = "<link rel=attachment href=file:///etc/passwd>"
ASSETS = (templates_dir() / "fonts").resolve()

runner = CliRunner()

# one worker runs this file and the other report file: they read one demo run and its PDF
# (conftest's `sample_report`; tests/scheduling.py)
WORK_UNIT = "sample-report"


def _squash(text: str) -> str:
    """Text without whitespace: table cells wrap long values over several lines."""
    return re.sub(r"\s+", "", text)


def _pages(pdf: Path | bytes) -> list[str]:
    reader = PdfReader(pdf if isinstance(pdf, Path) else __import__("io").BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def _attachments(path: Path) -> dict[str, list[bytes]]:
    return dict(PdfReader(path).attachments)


def _served_only_assets(urls: list[str]) -> bool:
    from urllib.parse import urlsplit
    from urllib.request import url2pathname

    for url in urls:
        if url.startswith("data:"):
            continue
        if not url.startswith("file:"):
            return False
        if not Path(url2pathname(urlsplit(url).path)).resolve().is_relative_to(ASSETS):
            return False
    return True


@pytest.fixture(scope="module")
def sample(sample_report):
    """The sample month as `berthcheck demo` makes it: loaded, checked (stored run) and
    reported as PDF, in one demo run (conftest's `sample_report`, shared with
    test_report_board) that both the demo's own test and the report's tests read. The demo's
    own `build_report` outcome is kept as it returns (the real function, watched)."""
    outcome, db = sample_report["outcome"], sample_report["db"]
    con = store.connect(db)
    try:
        results, findings = load_run(con, outcome.run_id)
    finally:
        con.close()
    return {"folder": sample_report["folder"], "db": db, "outcome": outcome, "pdf": outcome.path,
            "results": restore_types(results), "findings": findings,
            "pages": sample_report["pages"], "demo": sample_report["demo"]}


# --- figures --------------------------------------------------------------------------------


def test_summary_figures_equal_the_stored_results(sample):
    results = sample["results"]
    counts = dict(results.group_by("verdict").len().iter_rows())
    compliant, non_compliant = counts.get("compliant", 0), counts.get("non_compliant", 0)
    judged = compliant + non_compliant
    expected = {
        "Visits in scope": f"{results.height:,}",
        "Regulated visits judged": f"{judged:,}",
        "Compliance rate": f"{100 * compliant / judged:.1f} %",
        "Non-compliant visits": f"{non_compliant:,}",
        "Uncontrolled hours": f"{results['uncontrolled_hours'].fill_null(0).sum():,.1f}",
        "Insufficient data": f"{counts.get('insufficient_data', 0):,}",
    }
    summary = next(p for p in sample["pages"] if p.lstrip().startswith("Summary"))
    for label, value in expected.items():
        assert re.search(rf"{re.escape(label)}\s*\n\s*{re.escape(value)}\s*\n", summary), (
            label, value)
    # the verdict table adds up to the visits
    for verdict, label in (("compliant", "Compliant"), ("non_compliant", "Non-compliant")):
        assert re.search(rf"^{label} {counts.get(verdict, 0)} ", summary, re.M)


def test_violation_days_total_and_every_rule_described(sample):
    """CARB: the summary gives the total violation days; the methodology describes each rule."""
    results = sample["results"]
    summary = " ".join(next(p for p in sample["pages"] if p.lstrip().startswith("Summary")).split())
    total = results["violation_days"].fill_null(0).sum()
    assert total > 0
    assert f"is a separate violation): {total:,}." in summary
    text = " ".join(" ".join(sample["pages"]).split())
    assert "How each rule decides" in text
    for phrase in ("first commissioning visit", "must plug in", "two consecutive",
                   "same-named terminals", "articulated tug barge"):
        assert phrase in text, phrase


def test_emissions_section_follows_the_results(sample):
    results = sample["results"]
    summary = "\n".join(sample["pages"])  # the Emissions chapter follows the charts
    if "excess_nox_kg" in results.columns:
        from berthcheck.report.fmt import mass_kg

        nox = results["excess_nox_kg"].fill_null(0).sum()
        avoided = results["avoided_nox_kg"].fill_null(0).sum()
        assert re.search(rf"NOx {re.escape(mass_kg(nox))} .* {re.escape(mass_kg(avoided))}",
                         summary)
    else:
        assert "Emissions are not available for this run" in summary


def test_every_page_names_run_pack_scope_and_page_number(sample):
    pages = sample["pages"]
    run_id = sample["outcome"].run_id
    for number, text in enumerate(pages, 1):
        assert f"Run {run_id}" in text
        assert "carb-at-berth-2020@1.2.15" in text
        assert "All ports, terminals and fleets" in text
        assert f"Page {number} / {len(pages)}" in text


def test_every_section_is_there(sample):
    text = "\n".join(sample["pages"])
    for heading in ("Summary", "Charts", "Terminals", "Non-compliant visits",
                    "Exceptions and remediation", "Data quality", "Methodology",
                    "Appendix: every visit"):
        assert heading in text
    for rule_id in (f"AB{i:02d}" for i in range(1, 19)):
        assert rule_id in text  # methodology lists every rule
    # every visit is in the appendix
    squashed = _squash(text)
    assert all(v in squashed for v in sample["results"]["visit_id"].to_list())


def test_non_compliant_visits_show_port_local_evidence(sample):
    results = sample["results"]
    worst = results.filter(pl.col("verdict") == "non_compliant").sort(
        ["uncontrolled_hours", "visit_id"], descending=[True, False]).row(0, named=True)
    text = "\n".join(sample["pages"])
    start = text.index("Non-compliant visits\n")
    chapter = text[start:text.index("Exceptions and remediation\n", start)]
    assert worst["visit_id"] in chapter
    assert f"{60 * worst['uncontrolled_hours']:,.0f}" in chapter
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} P[DS]T", chapter)  # zone abbreviation
    assert "UTC" not in chapter


# --- attachment, fonts, fetching --------------------------------------------------------------


def test_the_only_attachment_is_the_results_csv(sample, tmp_path):
    attachments = _attachments(sample["pdf"])
    assert list(attachments) == [f"berthcheck-results-{sample['outcome'].run_id}.csv"]
    (content,) = attachments[f"berthcheck-results-{sample['outcome'].run_id}.csv"]
    assert content == csv_bytes(sample["results"])
    exported = tmp_path / "results.csv"  # what `berthcheck check --out results.csv` writes
    write_frame(sample["results"], exported)
    assert content == exported.read_bytes()


def _renders_once_per_input(monkeypatch) -> None:
    """`render_pdf` laid out once per distinct (HTML, page metadata, attachment): a second call
    with inputs equal to an earlier one's gets that render's result. Sound because a render is
    a function of those inputs (test_two_renders_in_one_process_are_byte_identical), and
    anything the code under test changes (the attached results above all) is among them, so a
    difference still renders anew."""
    import berthcheck.report.render as render_module

    real, done = render_module.render_pdf, {}

    def render_pdf(html, meta, attachment):
        key = (html, json.dumps(meta, sort_keys=True, default=str), attachment)
        if key not in done:
            done[key] = real(html, meta, attachment)
        return done[key]

    monkeypatch.setattr(render_module, "render_pdf", render_pdf)


def test_names_that_look_like_times_stay_text_in_the_attached_results(tmp_path, monkeypatch):
    """A vessel named "2026-10-01 12:00Z" (and an operator spelled as an instant): a report of
    the stored run attached "2026-10-01T12:00:00Z" where `check --out` wrote the name as
    given, since every text column whose values looked like instants was turned into times.
    The report by scope and by `--run` hand the renderer the same inputs: the PDF is laid out
    once for both (`_renders_once_per_input`; the attachment is one of those inputs)."""
    _renders_once_per_input(monkeypatch)
    src = tmp_path / "src"
    shutil.copytree(sample_source(tmp_path), src)
    with open(src / "visits.csv", newline="", encoding="utf-8") as fh:
        visits = list(csv.DictReader(fh))
    visit = next(v for v in visits if v["departure"].startswith("2026-10-1"))
    visit.update(vessel_name="2026-10-01 12:00Z", operator="2026-10-01T12:00:00+00:00",
                 fleet="Timestamp Fleet")
    write_csv(src / "visits.csv", visits)
    db = tmp_path / "bc.duckdb"
    con = store.connect(db)
    try:
        load_sample(con, src)
    finally:
        con.close()
    scope = ["--period", SAMPLE_PERIOD, "--fleet", "Timestamp Fleet"]
    checked = runner.invoke(app, ["check", "--db", str(db), *scope, "--json",
                                  "--out", str(tmp_path / "results.csv")])
    assert checked.exit_code == 0, checked.output
    given = (tmp_path / "results.csv").read_bytes()
    assert b"2026-10-01 12:00Z" in given
    for how in (scope, ["--run", json.loads(checked.stdout)["run_id"]]):
        out = tmp_path / "r.pdf"
        result = runner.invoke(app, ["report", "--db", str(db), *how, "--out", str(out)])
        assert result.exit_code == 0 and "stored run" in result.stdout, result.output
        ((content,),) = _attachments(out).values()
        assert content == given, how


def test_only_report_assets_were_fetched(sample):
    outcome = sample["outcome"]
    assert outcome.refused == []
    assert outcome.requested, "the fonts come through the fetcher"
    assert _served_only_assets(outcome.requested)


def test_fonts_are_the_shipped_ones(sample):
    reader = PdfReader(sample["pdf"])
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            names.add(str(ref.get_object()["/BaseFont"]))
    assert names
    assert all(re.fullmatch(r"/[A-Z]{6}\+BC-(Sans|Mono).*", n) for n in names), names


# --- determinism ---------------------------------------------------------------------------


def test_two_renders_in_one_process_are_byte_identical(sample):
    con = store.connect(sample["db"])
    try:
        run = obtain_run(con, parse_scope(SAMPLE_PERIOD))
        assert run.reused and run.run_id == sample["outcome"].run_id
        again = render_run(con, run, "pdf").data
    finally:
        con.close()
    assert again == sample["pdf"].read_bytes()


# A render in another process (and another folder and store, loaded by `load-dir`) is the
# demo's PDF byte for byte: tests/test_readme_walkthrough.py runs the README's commands in bash
# and compares their PDF with this module's (one PDF layout fewer than a second process here).


# --- scope ---------------------------------------------------------------------------------


def test_fleet_report_holds_only_that_fleet_on_the_page_size_asked(sample, tmp_path):
    """`report --fleet F --page-size a4` (the CLI, so both options reach the PDF): only that
    fleet's visits, its name in every page's running header, A4 pages."""
    results = sample["results"]
    fleets = (results.filter(pl.col("fleet").is_not_null())
              .group_by("fleet").agg(pl.len().alias("n"),
                                     (pl.col("verdict") == "non_compliant").sum().alias("bad"))
              .sort(["bad", "n", "fleet"], descending=[True, True, False]))
    fleet = fleets["fleet"][0]
    mine = results.filter(pl.col("fleet") == fleet)
    others = results.filter((pl.col("fleet") != fleet) | pl.col("fleet").is_null())
    out = tmp_path / "f.pdf"
    result = runner.invoke(app, ["report", "--db", str(sample["db"]), "--period", SAMPLE_PERIOD,
                                 "--fleet", fleet, "--page-size", "a4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height)))
             for p in reader.pages]
    assert sizes[0] == (595, 842)  # A4 in points
    assert {tuple(sorted(size)) for size in sizes} == {(595, 842)}  # the appendix: landscape A4
    pages = [page.extract_text() for page in reader.pages]
    for text in pages:
        assert f"Fleet: {fleet}" in text  # in the running header of every page
    squashed = _squash("\n".join(pages))
    assert all(v in squashed for v in mine["visit_id"].to_list())
    assert not [v for v in others["visit_id"].to_list() if v in squashed]
    other_names = set(others["vessel_name"].to_list()) - set(mine["vessel_name"].to_list())
    assert not [n for n in other_names if _squash(n) in squashed]
    ((name, (content,)),) = _attachments(out).items()  # the one attachment: the fleet's run
    assert name.startswith("berthcheck-results-") and name != (
        f"berthcheck-results-{sample['outcome'].run_id}.csv")
    attached = pl.read_csv(content, infer_schema_length=0)
    assert set(attached["fleet"].to_list()) == {fleet}
    assert attached.height == mine.height


# --- untrusted text ------------------------------------------------------------------------


UNTRUSTED_FLEET = "Han Ocean Container Fleet"


@pytest.fixture(scope="module")
def untrusted(tmp_path_factory):
    """The sample month with untrusted text in its names, reported for one fleet (PDF and
    HTML, its PDF's pages read back once): a vessel named like markup whose exception event's
    note is a link, and text-direction tricks: a vessel name with an unclosed right-to-left
    override (U+202E), an Arabic vessel name at a terminal named by a number, and a port name
    with an override. One store, check and PDF for the markup and the direction tests, which
    each made their own before (about 4 CPU s: a load, a check, a layout and a read-back)."""
    from berthcheck.ingest.load import load_files

    folder = tmp_path_factory.mktemp("untrusted")
    src = folder / "src"
    shutil.copytree(sample_source(folder), src)
    with open(src / "visits.csv", newline="", encoding="utf-8") as fh:
        visits = list(csv.DictReader(fh))
    mine = [v for v in visits if v["fleet"] == UNTRUSTED_FLEET
            and v["departure"].startswith("2026-10-") and "T" not in v["departure"]]
    with open(src / "events.csv", newline="", encoding="utf-8") as fh:
        events = list(csv.DictReader(fh))
    target = next(e for e in events
                  if e["kind"] == "vie" and e["visit_id"] in {v["visit_id"] for v in mine})
    target["note"] = HOSTILE_NOTE
    write_csv(src / "events.csv", events)
    marked = next(v for v in mine if v["visit_id"] == target["visit_id"])
    marked["vessel_name"] = HOSTILE_NAME
    override, arabic = [v for v in mine if v is not marked][1:3]
    override["vessel_name"] = "\u202eHAN OVERRIDE"
    arabic["vessel_name"] = "\u0633\u0641\u064a\u0646\u0629 \u0627\u0644\u062e\u0644\u064a\u062c"
    arabic["terminal"] = "212"
    write_csv(src / "visits.csv", visits)
    (folder / "ports.csv").write_text(
        "port,name,timezone,country,carb_at_berth\n"
        "USLAX,Port of \u202eLos Angeles,America/Los_Angeles,US,true\n", encoding="utf-8")
    con = store.connect(folder / "bc.duckdb")
    try:
        load_files(con, "ports", [folder / "ports.csv"])
        load_sample(con, src)
        scope = {"period": SAMPLE_PERIOD, "fleet": UNTRUSTED_FLEET}
        pdf = build_report(con, **scope, out=folder / "u.pdf")
        html = build_report(con, **scope, out=folder / "u.html")
    finally:
        con.close()
    assert 0 < pdf.visits < 200 and pdf.pages < 23
    return {"pdf": pdf, "html": html, "pages": _pages(pdf.path), "override": override,
            "arabic": arabic}


def test_hostile_vessel_name_and_note_are_literal_text_in_the_pdf(untrusted):
    outcome = untrusted["pdf"]
    text = _squash("\n".join(untrusted["pages"]))
    assert _squash(HOSTILE_NAME) in text
    assert _squash(HOSTILE_NOTE) in text
    assert outcome.refused == []  # markup never reached WeasyPrint, so nothing was even asked
    assert _served_only_assets(outcome.requested)
    assert list(_attachments(outcome.path)) == [outcome.attachment_name]
    passwd = Path("/etc/passwd")
    if passwd.is_file():
        first_line = passwd.read_text(errors="replace").splitlines()[0]
        assert _squash(first_line) not in text


def test_hostile_vessel_name_is_escaped_in_the_html(untrusted):
    html = untrusted["html"].path.read_text(encoding="utf-8")
    assert HOSTILE_NAME not in html
    assert HOSTILE_NOTE not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;&lt;b&gt;X&lt;/b&gt;" in html
    assert "&lt;link rel=attachment href=file:///etc/passwd&gt;" in html
    assert "<img" not in html and "<link" not in html
    assert untrusted["html"].pages is None and untrusted["html"].requested == []


def test_direction_controls_in_names_cannot_reorder_the_reports_text(untrusted):
    """An override in a port or vessel name printed the rest of its sentence or appendix line
    backwards (`88.83` for 38.88 hours, `201` for 102 judged visits); an Arabic name before a
    numeric terminal moved the departure time. The reader sees every figure in its order."""
    text = _squash("\n".join(untrusted["pages"]))
    assert "(USLAX)" in text and "XALSU" not in text  # cover and summary after the port name
    assert "departedfrom" in text and "morfdetraped" not in text
    for visit in (untrusted["override"], untrusted["arabic"]):  # their appendix lines, in order
        assert _squash(visit["departure"] + " PDT") in text, visit["visit_id"]
    assert "tnailpmoc" not in text
    html = untrusted["html"].path.read_text(encoding="utf-8")
    assert "\u202e" not in html and "HAN OVERRIDE" in html and "Los Angeles" in html


def test_the_fetcher_refuses_everything_but_assets_and_data_urls():
    fetcher = make_fetcher()
    font = (ASSETS / "DejaVuSans.ttf").as_uri()
    assert fetcher.fetch(font).read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain,hello").read() == b"hello"
    refused = [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.png",
        "ftp://example.com/x",
        (ASSETS / ".." / "report.css").as_uri(),  # resolves outside the asset folder
        f"{font}?x=1",
        "file://otherhost/etc/passwd",
        "fonts/DejaVuSans.ttf",
    ]
    for url in refused:
        with pytest.raises(RefusedURL):
            fetcher.fetch(url)
    assert fetcher.refused == refused
    assert fetcher.served == [font, "data:text/plain,hello"]


def test_markup_that_reaches_weasyprint_still_fetches_nothing():
    """Defence in depth: even unescaped markup cannot read a file or attach one."""
    html = (
        "<html><body><p>x</p>"
        '<img src="file:///etc/passwd"><img src="http://169.254.169.254/">'
        '<link rel="attachment" href="file:///etc/passwd">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
        '<div style="background: url(file:///etc/passwd)">y</div>'
        "</body></html>"
    )
    meta = {"title": "T", "period_title": "P", "scope_text": "S", "run_id": "0" * 16,
            "pack_label": "p@1.0.0", "version": "0", "epoch": 1_800_000_000}
    pdf = render_pdf(html, meta, ("results.csv", b"a,b\n1,2\n", "d"))
    assert "file:///etc/passwd" in pdf.refused
    assert "http://169.254.169.254/" in pdf.refused
    assert _served_only_assets(pdf.served)
    import io

    reader = PdfReader(io.BytesIO(pdf.data))
    assert list(reader.attachments) == ["results.csv"]
    assert reader.attachments["results.csv"] == [b"a,b\n1,2\n"]


def test_font_subsetting_reads_no_layout_table_it_drops(monkeypatch):
    """WeasyPrint subsets each embedded font with fontTools and drops its GSUB and GPOS
    tables (the text is already shaped). fontTools 4.68 decompiles both before dropping them
    (`_compact_layout_tables`): half of the subsetting's CPU, about 0.23 of a sample month's
    ~3.4 CPU s, for the same font bytes as 4.67 gives (pyproject.toml holds fontTools below
    4.68 for this; lift the bound when this test passes with a newer one)."""
    from fontTools.ttLib import ttFont
    from weasyprint.text import ffi

    if ffi.harfbuzz_subset:
        pytest.skip("WeasyPrint subsets with HarfBuzz-Subset on this machine, not fontTools")
    read: list[str] = []
    real = ttFont.TTFont._readTable

    def _readTable(self, tag):
        read.append(tag)
        return real(self, tag)

    monkeypatch.setattr(ttFont.TTFont, "_readTable", _readTable)
    html = "<html><body><p>Vessel ÅLESUND – ΑΘΗΝΑ <b>МОСКВА</b></p></body></html>"
    meta = {"title": "T", "period_title": "P", "scope_text": "S", "run_id": "0" * 16,
            "pack_label": "p@1.0.0", "version": "0", "epoch": 1_800_000_000}
    render_pdf(html, meta, ("results.csv", b"a,b\n1,2\n", "d"))
    assert "glyf" in read  # the fonts were subset
    assert "GSUB" not in read and "GPOS" not in read


def test_the_attachment_is_deflated_at_zlibs_default_level():
    """pydyf deflates every stream at level 9; for the attached results CSV (7.5 MB for a
    10 000-visit month, 144 MB for a state-year) that cost 0.63 CPU s against 0.18 at zlib's
    default level 6, for a stream 4 % larger (1.37 against 1.42 MB). The attachment is stored
    at level 6 (the finisher `render.deflate_streams`) and still reads back as the CSV's
    bytes."""
    import io
    import zlib

    from pypdf.generic import NameObject

    payload = b"".join(b"V%06d,EVER %d,TRAPAC,2026-10-01T00:00:00Z,compliant,0.0\n" % (i, i % 97)
                       for i in range(20_000))
    meta = {"title": "T", "period_title": "P", "scope_text": "S", "run_id": "0" * 16,
            "pack_label": "p@1.0.0", "version": "0", "epoch": 1_800_000_000}
    pdf = render_pdf("<html><body><p>x</p></body></html>", meta, ("results.csv", payload, "d"))
    reader = PdfReader(io.BytesIO(pdf.data))
    assert reader.attachments["results.csv"] == [payload]
    names = reader.trailer["/Root"]["/Names"]["/EmbeddedFiles"]["/Names"]
    stream = names[1].get_object()["/EF"]["/F"].get_object()
    assert stream[NameObject("/Filter")] == "/FlateDecode"
    assert stream._data == zlib.compress(payload, 6)


def test_the_pages_and_fonts_are_deflated_at_level_6_from_the_same_bytes(monkeypatch):
    """The pages' content streams (1.2 MB of drawing for the sample month: 92 CPU ms at
    pydyf's level 9, 18 at 6) and the subset fonts are deflated at level 6 by the finisher,
    from the bytes pydyf deflates at 9 without it: every page and font decodes to the same
    bytes (the same drawing and text; the PDF is the same bytes each render:
    test_two_renders_in_one_process_are_byte_identical)."""
    import io
    import zlib

    from berthcheck.report import render

    html = ("<html><body><h1>Title</h1>" + "".join(
        f"<p>Vessel ÅLESUND {i} – ΑΘΗΝΑ <b>МОСКВА</b> {i * 1.25:.2f} h</p>" for i in range(80))
        + "</body></html>")
    meta = {"title": "T", "period_title": "P", "scope_text": "S", "run_id": "0" * 16,
            "pack_label": "p@1.0.0", "version": "0", "epoch": 1_800_000_000}
    attachment = ("results.csv", b"a,b\n1,2\n", "d")
    new = render_pdf(html, meta, attachment).data
    with monkeypatch.context() as patch:
        patch.setattr(render, "deflate_streams", lambda document, pdf: None)
        old = render_pdf(html, meta, attachment).data
    assert new != old

    def streams(data: bytes) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]:
        reader = PdfReader(io.BytesIO(data))
        pages = []
        for page in reader.pages:
            contents = page["/Contents"]
            for ref in (contents if isinstance(contents, list) else [contents]):
                stream = ref.get_object()
                assert stream["/Filter"] == "/FlateDecode"
                pages.append((stream._data, stream.get_data()))
        fonts = []
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                descriptor = font.get_object()["/DescendantFonts"][0].get_object()
                stream = descriptor["/FontDescriptor"]["/FontFile2"].get_object()
                fonts.append((stream._data, stream.get_data()))
        return pages, fonts

    (new_pages, new_fonts), (old_pages, old_fonts) = streams(new), streams(old)
    assert len(new_pages) >= 2 and new_fonts
    assert [plain for _, plain in new_pages] == [plain for _, plain in old_pages]
    assert [plain for _, plain in new_fonts] == [plain for _, plain in old_fonts]
    for deflated, plain in new_pages + new_fonts:
        assert deflated == zlib.compress(plain, 6)
    for deflated, plain in old_pages + old_fonts:
        assert deflated == zlib.compress(plain, 9)
    assert _pages(new) == _pages(old)


def test_css_strings_cannot_escape_their_rule():
    text = 'Fleet "A"; } @import url(file:///etc/passwd); \\ \n'
    literal = css_string(text)
    assert literal.startswith('"') and literal.endswith('"')
    inner = literal[1:-1]
    assert re.fullmatch(r"(?:[A-Za-z0-9]|\\[0-9A-F]{6})*", inner)


def test_chart_text_is_escaped():
    svg = charts.compliance_by_terminal([{
        "terminal": HOSTILE_NAME, "visits": 3, "compliant": 1, "non_compliant": 1,
        "insufficient": 0, "other": 1, "rate": "50.0 %"}])
    root = ET.fromstring(str(svg))  # well-formed: nothing broke out of its element
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert HOSTILE_NAME[:25] + "…" in texts
    assert root.find(".//{http://www.w3.org/2000/svg}img") is None
    assert "<img" not in str(svg)


# --- command line --------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["--period", "2026-13", "--out", "r.pdf"],
    ["--period", "October", "--out", "r.pdf"],
    ["--period", SAMPLE_PERIOD, "--out", "r.txt"],
    ["--period", SAMPLE_PERIOD, "--out", "r.pdf", "--port", "USLAX", "--fleet", "F"],
    ["--period", SAMPLE_PERIOD, "--out", "r.pdf", "--terminal", "T", "--fleet", "F"],
    ["--out", "r.pdf"],
    ["--period", "\uff12\uff10\uff12\uff16-10", "--out", "r.pdf"],  # full-width digits
    ["--period", "\u0662\u0660\u0662\u0666", "--out", "r.pdf"],  # Arabic-Indic digits
    ["--run", "0123456789abcdef", "--pack", "fueleu-art6", "--out", "r.pdf"],  # the run's own
])
def test_report_usage_errors_exit_2(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)  # a report written in spite of the error lands here
    result = runner.invoke(app, ["report", "--db", str(tmp_path / "x.duckdb"), *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.duckdb").exists()  # refused before touching the database
    assert not list(tmp_path.glob("r.*"))


def test_report_of_a_run_whose_pack_files_changed_since_is_refused(sample_month, tmp_path):
    """A run of a pack given by path whose parameter was edited afterwards, version unchanged:
    `report --run` described the edited pack (its methodology's parameter table, "Bars in red
    start after the 3.0-hour limit") for a run that applied 2.0 hours."""
    db = copy_store(sample_month, tmp_path / "bc.duckdb")
    pack = tmp_path / "carb"
    shutil.copytree(rules_dir() / "carb-at-berth-2020", pack)
    toml = pack / "pack.toml"  # a pack of its own (a copy byte for byte the same is the shipped)
    toml.write_text(toml.read_text(encoding="utf-8") + "\n# under review\n", encoding="utf-8")
    checked = runner.invoke(app, ["check", "--db", str(db), "--pack", str(pack),
                                  "--period", SAMPLE_PERIOD, "--json"])
    assert checked.exit_code == 0, checked.output
    run_id = json.loads(checked.stdout)["run_id"]
    toml = pack / "pack.toml"
    text = toml.read_text(encoding="utf-8")
    assert "[parameters.connect_after_ready_to_work_hours]\nvalue = 2.0\n" in text
    toml.write_text(text.replace("hours]\nvalue = 2.0\n", "hours]\nvalue = 3.0\n", 1),
                    encoding="utf-8")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--db", str(db), "--run", run_id, "--out", str(out)])
    assert result.exit_code == 1, result.output
    assert f"run {run_id}" in result.stderr and "changed since" in result.stderr
    assert not out.exists()


def test_report_of_a_stored_run_reads_the_inputs_as_the_run_read_them(sample_month_checked,
                                                                      tmp_path):
    """`report --run` after later loads (a shore power session for a visit the run found
    without any control, an emergency event on another) drew the connection-delay chart from
    the sessions loaded since ("No control session: 19 visits" where the run had 20) and listed
    the new event in the exceptions chapter beside the run's verdict, which never weighed it:
    the chapters that read the input tables now read them as the run did (its newest load
    batch, as its warnings already were), so the same run renders the same report."""
    db = copy_store(sample_month_checked[0], tmp_path / "bc.duckdb")
    run_id = sample_month_checked[1].run_id
    before, after = tmp_path / "before.html", tmp_path / "after.html"
    result = runner.invoke(app, ["report", "--db", str(db), "--run", run_id, "--out", str(before)])
    assert result.exit_code == 0, result.output
    assert "No control session: 20 visits" in before.read_text(encoding="utf-8")
    # LAX-2610-00085 had no control at all; LAX-2610-00075 claimed no exception
    sessions = write_csv(tmp_path / "late_sp.csv", [{
        "session_id": "LATE-SP", "visit_id": "LAX-2610-00085",
        "connected": "2026-10-13 21:00", "disconnected": "2026-10-16 08:00"}])
    events = write_csv(tmp_path / "late_ev.csv", [{
        "event_id": "LATE-EV", "visit_id": "LAX-2610-00075", "kind": "emergency",
        "start": "2026-10-12 00:00", "end": "2026-10-12 06:00", "reference": "EM-LATE"}])
    for kind, path in (("shore-power", sessions), ("events", events)):
        loaded = runner.invoke(app, ["load", kind, str(path), "--db", str(db)])
        assert loaded.exit_code == 0, loaded.output
    result = runner.invoke(app, ["report", "--db", str(db), "--run", run_id, "--out", str(after)])
    assert result.exit_code == 0, result.output
    text = after.read_text(encoding="utf-8")
    assert "EM-LATE" not in text and "No control session: 20 visits" in text
    assert after.read_bytes() == before.read_bytes()


def test_a_report_over_no_visit_warns_as_check_does(sample_month_checked, tmp_path):
    """A mistyped period (2025-10 for 2026-10) wrote an empty report without a word on
    standard error; `check` warns about an empty scope, and the report now does the same.
    (The month's own run is stored already: its report reads it.)"""
    db = copy_store(sample_month_checked[0], tmp_path / "bc.duckdb")
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--db", str(db), "--period", "2025-10",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "warning: no visit in scope (period 2025-10)" in result.stderr
    assert out.is_file()
    again = runner.invoke(app, ["report", "--db", str(db), "--period", SAMPLE_PERIOD,
                                "--out", str(out)])
    # the month's own run: only what `check` says of it (the sample loads no coverage table)
    assert again.exit_code == 0 and "no visit in scope" not in again.stderr
    assert [line for line in again.stderr.splitlines() if line.startswith("warning: ")] == [
        "warning: no coverage table: the loaded visits are not known to be complete for any "
        "port or fleet"]


def test_quarter_and_year_reports_render(sample, tmp_path):
    con = store.connect(sample["db"])
    try:
        quarter = build_report(con, period="2026-Q4", out=tmp_path / "q.html")
        year = build_report(con, period="2026", out=tmp_path / "y.html")
    finally:
        con.close()
    q = quarter.path.read_text(encoding="utf-8")
    assert "Q4 2026" in q and "Uncontrolled hours by week of departure" in q
    assert "Year 2026" in year.path.read_text(encoding="utf-8")
    assert quarter.visits >= sample["results"].height


def test_demo_ends_with_the_sample_months_report(sample):
    demo = sample["demo"]  # `berthcheck demo --out FOLDER`, run by the fixture
    last = demo.output.strip().splitlines()[-1]
    assert last == f"report:   {sample['folder'] / 'demo' / 'report.pdf'}"
    assert sample["pdf"] == sample["folder"] / "demo" / "report.pdf"
    assert sample["outcome"].reused_run  # the demo reports the run it just stored
    assert "October 2026" in sample["pages"][0]


def test_fueleu_report_shows_penalties_in_eur(rotterdam_month_checked, tmp_path):
    """A pack that defines a currency gets its penalties in the report, per visit and in total."""
    # the Rotterdam month's FuelEU run, stored once per worker (conftest) and shared with
    # test_report_board: the report reuses it
    con = store.connect(copy_store(rotterdam_month_checked[0], tmp_path / "eu.duckdb"))
    try:
        out = tmp_path / "eu.html"
        outcome = build_report(con, period="2030-06", out=out, pack="fueleu-art6")
        results, _ = load_run(con, outcome.run_id)
    finally:
        con.close()
    penalties = results["penalty"].drop_nulls()
    assert penalties.len() > 0
    html = _squash(out.read_text(encoding="utf-8"))
    assert _squash(f"EUR {penalties.sum():,.2f}") in html  # the total
    worst = results.sort("penalty", descending=True, nulls_last=True).row(0, named=True)
    assert _squash(f"EUR {worst['penalty']:,.2f}") in html  # a visit's own penalty


def test_the_report_template_is_compiled_once_a_process():
    """Every report and comparison compiled the shipped template anew (a fresh jinja2
    environment per render: about 0.2 CPU s a report, more than the HTML's rendering). One
    environment serves them all: the same template object, whose output is the same text."""
    from berthcheck.export.compare import TEMPLATE as COMPARE_TEMPLATE
    from berthcheck.report.render import TEMPLATE, environment

    assert environment() is environment()
    assert environment().get_template(TEMPLATE) is environment().get_template(TEMPLATE)
    assert (environment().get_template(COMPARE_TEMPLATE)
            is environment().get_template(COMPARE_TEMPLATE))


@pytest.mark.parametrize("text", [
    "EVER GIVEN", "  two\tspaced\nlines  ", "A" * 40, "",
    "\u0633\u0641\u064a\u0646\u0629 ONE", "\u05d0\u05e0\u05d9\u05d4", "caf\u00e9 \u202eevil",
    "\u200fmarked\u200e", "MAERSK \u00c5RHUS",
])
def test_a_fixed_width_cell_is_cut_and_marked_as_every_letter_was_looked_at(text):
    """A listing cell skips the per-letter look for right-to-left letters when the text is
    ASCII (most cells); the line is the same as looking at every letter makes it."""
    import unicodedata

    from berthcheck.report import fmt

    for width in (None, 6, 24):
        clean = " ".join(text.translate(fmt._DIRECTION_CONTROLS)
                         .translate(fmt._DIRECTION_MARKS).split())
        if width is not None and len(clean) > width:
            clean = clean[: width - 1] + "\u2026"
        rtl = any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in clean)
        assert fmt.column_text(text, width) == clean + (fmt.LEFT_TO_RIGHT_MARK if rtl else "")
