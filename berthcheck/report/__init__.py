"""The compliance report: PDF (WeasyPrint) or HTML from the same jinja2 templates.

Flow, one direction: a run (stored, or checked now) -> `data.build_model` (plain values) ->
`charts.draw_all` (SVG strings) -> `render` (HTML, then PDF with the results CSV attached).
The engine never imports this package.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from berthcheck.errors import UsageError

FORMATS = (".pdf", ".html")
DEFAULT_PACK = "carb-at-berth-2020"
APPENDIX_MODES = ("all", "non-compliant", "none")  # listing.APPENDIX_MODES, without the import
PAGE_SIZES = ("letter", "a4")


@dataclass
class ReportOutcome:
    path: Path
    format: str  # "pdf" | "html"
    run_id: str
    reused_run: bool
    visits: int
    pages: int | None = None
    seconds: float = 0.0
    requested: list[str] = field(default_factory=list)  # every URL WeasyPrint asked for
    refused: list[str] = field(default_factory=list)  # the ones the fetcher refused
    attachment_name: str | None = None
    scope: Any = None  # the run's engine.scope.Scope (its period and scope in words)
    undrawable: list = field(default_factory=list)  # glyphs.Undrawable: texts printed as boxes
    # the run's warnings, as `check` gives them (berthcheck/run_warnings.py); a `--run`
    # report's read over the store as the run read it
    warnings: list[str] = field(default_factory=list)


@dataclass
class Rendered:
    data: bytes
    model: dict
    pages: int | None = None
    requested: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    undrawable: list = field(default_factory=list)  # glyphs.Undrawable (PDF only)


def check_output(out: Path) -> str:
    ext = Path(out).suffix.lower()
    if ext not in FORMATS:
        raise UsageError(
            f"cannot write {Path(out).name}: the report's extension must be .pdf or .html"
        )
    return ext[1:]


def check_layout(appendix: str, page_size: str) -> None:
    if appendix not in APPENDIX_MODES:
        raise UsageError(f"--appendix must be one of {', '.join(APPENDIX_MODES)}, not {appendix!r}")
    if page_size.lower() not in PAGE_SIZES:
        raise UsageError(f"--page-size must be one of {', '.join(PAGE_SIZES)}, not {page_size!r}")


def report_scope(period: str | None, port: str | None = None, terminal: str | None = None,
                 fleet: str | None = None):
    from berthcheck.engine.scope import parse_scope

    if period is None:
        raise UsageError("--period is required: YYYY-MM, YYYY-Qn or YYYY")
    if sum(1 for x in (port, terminal, fleet) if x) > 1:
        raise UsageError("give at most one of --port, --terminal and --fleet")
    return parse_scope(period, None, None, port, terminal, fleet)


def render_run(con, run, fmt: str = "pdf", *, appendix: str = "all",
               page_size: str = "letter") -> Rendered:
    """Render a `run.ReportRun` as PDF or HTML bytes."""
    from berthcheck.engine.export import csv_bytes
    from berthcheck.report import charts, data, glyphs, render

    check_layout(appendix, page_size)
    model = data.build_model(con, run, appendix)
    model["meta"]["page_size"] = page_size.lower()
    # a browser draws any character from its own fonts; the PDF only from the shipped ones
    undrawable = glyphs.undrawable_texts(model, run.results) if fmt == "pdf" else []
    if undrawable:
        model["quality"]["undrawable"] = {"n": len(undrawable),
                                          "rows": glyphs.listing(undrawable)}
    drawn = charts.draw_all(model["chart_data"])
    results_csv = run.results_csv if run.results_csv is not None else csv_bytes(run.results)
    if fmt == "html":
        # the PDF's attachment, as a link that saves it: the page names the file and sends the
        # reader to it for every column and the visits beyond its lists
        import base64

        model["meta"]["results_href"] = ("data:text/csv;charset=utf-8;base64,"
                                         + base64.b64encode(results_csv).decode("ascii"))
        html = render.render_html(model, drawn, for_pdf=False)
        return Rendered(html.encode("utf-8"), model)
    html = render.render_html(model, drawn, for_pdf=True)
    meta = model["meta"]
    pdf = render.render_pdf(
        html, meta,
        (meta["results_name"], results_csv,
         f"Per-visit results of berthcheck run {run.run_id} ({run.pack.label})"),
    )
    return Rendered(pdf.data, model, pdf.pages, pdf.requested, pdf.refused, undrawable)


def build_report(
    con,
    *,
    period: str,
    out: Path,
    port: str | None = None,
    terminal: str | None = None,
    fleet: str | None = None,
    pack: str = DEFAULT_PACK,
    mkdir: bool = False,
    appendix: str = "all",
    page_size: str = "letter",
) -> ReportOutcome:
    """Write the report for a period and at most one of port / terminal / fleet to `out`
    (.pdf or .html), from the stored run for the current inputs or a fresh stored check."""
    from berthcheck import atomic
    from berthcheck.report.run import obtain_run
    from berthcheck.run_warnings import run_warnings

    started = time.perf_counter()
    out = Path(out)
    fmt = check_output(out)
    check_layout(appendix, page_size)
    scope = report_scope(period, port, terminal, fleet)
    atomic.check_parent(out, mkdir=mkdir, what="report")
    run = obtain_run(con, scope, pack)
    rendered = render_run(con, run, fmt, appendix=appendix, page_size=page_size)
    atomic.write_bytes(out, rendered.data, mkdir=mkdir, what="report")
    return ReportOutcome(
        path=out,
        format=fmt,
        run_id=run.run_id,
        reused_run=run.reused,
        visits=run.results.height,
        pages=rendered.pages,
        seconds=time.perf_counter() - started,
        requested=rendered.requested,
        refused=rendered.refused,
        attachment_name=rendered.model["meta"]["results_name"] if fmt == "pdf" else None,
        scope=run.scope,
        undrawable=rendered.undrawable,
        warnings=run_warnings(con, run.pack, run.scope, run.results),
    )


__all__ = ["APPENDIX_MODES", "FORMATS", "PAGE_SIZES", "ReportOutcome", "build_report",
           "check_layout", "check_output", "render_run", "report_scope"]
