"""The report's model: a plain model (dicts, lists, strings, numbers) built from one run's results
and findings plus the store's own tables. Templates only lay it out; every figure here is
computed from the run's results frame, so the PDF is traceable to the attached results CSV.

`build_model` is the one entry point; each section is computed by the module that owns it:
the run (report.run), its period in words (report.period), the summary, terminals and chart
(report.summary), the visit sections (report.visit_sections), emissions
(report.emissions_section), data quality (report.quality), methodology (report.methodology) and
the over-time and delay series (report.chart_series). This module assembles them with the
cover's facts (`meta`) and the parts a board reads first (report.board).

Text that came from input files (vessel names, fleets, notes, references, quarantined values)
stays plain `str`: the jinja2 environment escapes it, and nothing here turns it into markup or
a URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from berthcheck import __version__, store
from berthcheck.errors import BerthcheckError
from berthcheck.report import board, listing, pack_section
from berthcheck.report.chart_series import delays, over_time
from berthcheck.report.emissions_section import emissions
from berthcheck.report.methodology import inputs_read, methodology
from berthcheck.report.pack_spec import DEFAULT_WINDOW_COLUMNS, ReportSpec, report_spec
from berthcheck.report.period import (
    period_in_words,
    period_range,
    period_title,
    report_epoch,
    scope_label,
    zone_abbreviations,
)
from berthcheck.report.quality import quality
from berthcheck.report.run import ReportRun, obtain_run, restore_types
from berthcheck.report.summary import chart_terminals, chart_unit, summary, terminals
from berthcheck.report.values import parse_evidence
from berthcheck.report.visit_sections import exceptions, noncompliant, other_violations
from berthcheck.report.words import basis_glossary, glossary, regimes_of

# The run's names stay importable from here (tests and callers imported them from data.py before
# the run had its own module).
__all__ = ["ReportRun", "build_model", "obtain_run", "restore_types"]

VISIT_FIELDS = (
    "visit_id", "verdict", "basis", "responsible", "vessel_name", "imo", "fleet", "port",
    "terminal", "berth", "port_timezone", "arrival", "ready_to_work", "pilot_on_board",
    "departure", "window_start", "window_end", "uncontrolled_hours", "excused_hours", "penalty",
    "uncontrolled_minutes",  # a pack's minutes from the seconds (engine.minutes)
    "non_compliant_hours_billed", "power_demand_kw", "operator", "vessel_type",
    "penalty_on",  # a port call's penalty is on one of its stays (engine.output_columns)
)


def build_model(con, run: ReportRun, appendix: str = "all") -> dict:
    """Everything the templates show, computed once. `appendix`: all | non-compliant | none."""
    import polars as pl

    results = run.results
    findings = run.findings
    if "port_timezone" not in results.columns:
        zones = store.fetch_polars(con, "SELECT port, timezone AS port_timezone FROM ports")
        results = results.join(zones, on="port", how="left") if "port" in results.columns \
            else results.with_columns(pl.lit("UTC").alias("port_timezone"))
    for name in ("vessel_name", "imo", "fleet", "terminal", "berth", "port", "vessel_type"):
        if name not in results.columns:
            results = results.with_columns(pl.lit(None, dtype=pl.Utf8).alias(name))
    spec = report_spec(run.pack)
    _check_columns(run, spec, results)
    # The per-visit dicts hold only the columns the report reads (a year of every California
    # port is 200 000 rows of ~70 columns: converting them all is seconds of the render).
    wanted = dict.fromkeys([*VISIT_FIELDS, *pack_section.listing_fields(spec)])
    visits = results.select([c for c in wanted if c in results.columns]).to_dicts()
    by_visit = {v["visit_id"]: v for v in visits}
    rules = {r.id: r for r in run.pack.rules}
    finding_rows = findings.to_dicts()
    for f in finding_rows:
        f["evidence_data"] = parse_evidence(f.get("evidence"))
    scope_kind, scope_text = scope_label(run.scope)

    model: dict[str, Any] = {
        "meta": _meta(con, run, scope_kind, scope_text, results, spec),
        "summary": summary(results, finding_rows, by_visit, run.pack.currency),
        "terminals": terminals(results),
        "noncompliant": noncompliant(visits, finding_rows, rules, run.pack.currency, spec),
        "other_violations": other_violations(by_visit, finding_rows, rules),
        "exceptions": exceptions(con, run, by_visit, finding_rows),
        "emissions": emissions(con, results),
        "quality": quality(con, run, visits, finding_rows, rules, scope_kind),
        "methodology": methodology(run, finding_rows, inputs_read(con, run)),
        "appendix": listing.appendix(results, appendix, _appendix_columns(spec)),
        "pack_chapter": pack_section.chapter(results, finding_rows, rules, by_visit, spec),
    }
    _board(con, run, model, results, spec)
    factors = model["methodology"]["factors"] or {}
    model["emissions"]["unconfirmed_rows"] = sum(t["unconfirmed"] for t in factors.get("tables", []))
    model["emissions"]["unconfirmed_conventions"] = [
        c["name"] for c in factors.get("conventions", []) if not c["confirmed"]]
    model["chart_data"] = {
        "by_terminal": chart_terminals(model["terminals"]),
        "by_terminal_unit": chart_unit(model["terminals"]),
        "over_time": over_time(run.scope, results),
        "delays": delays(con, run, visits),
        # a pack whose window does not start at Ready to Work (FuelEU and cn-shore-power judge
        # the stay from arrival) has no connection delay to chart: its report said "Not drawn:
        # no judged visit in scope has a Ready to Work time", as if that time were missing
        "delays_from_ready": "ready_to_work" in spec.window_columns,
        "avoided": model["emissions"].get("by_control"),
    }
    return model


def _check_columns(run: ReportRun, spec: ReportSpec, results) -> None:
    """The columns the pack's `[report]` names must be in the run's results (the default time
    column, arrival / departure, shows a dash where a pack does not return them)."""
    named = spec.window_columns if spec.window_columns != DEFAULT_WINDOW_COLUMNS else ()
    for name in (*named, *spec.columns):
        if name not in results.columns:
            raise BerthcheckError(
                f"{run.pack.path / 'pack.toml'}: [report] names the result column {name!r}, "
                f"which the results of {run.pack.label} do not have")


def _appendix_columns(spec: ReportSpec) -> tuple:
    """The pack's `[report] columns` as fixed-width appendix columns (title, key, cap, right)."""
    columns = []
    for c in spec.columns:
        label = pack_section.column_label(c, spec)
        numeric = pack_section.numeric_column(c, spec)
        # values are cut at 16 characters, never the header
        columns.append((label, f"pack:{c}", max(16, len(label)), numeric))
    return tuple(columns)


def _board(con, run: ReportRun, model: dict, results, spec: ReportSpec) -> None:
    """The parts a board reads first (berthcheck.report.board): ports by name, the scope in
    words, the written summary, the previous period, the UNCONFIRMED flags, the glossary."""
    meta, s = model["meta"], model["summary"]
    meta["ports"] = board.port_names(con, results, run.scope)
    meta["ports_text"] = board.ports_in_words(meta["ports"])
    meta["scope_sentence"] = board.scope_in_words(run.scope, meta["ports"])
    s["rate_definition"] = board.RATE_DEFINITION
    s["flags"] = board.flags(run.pack)
    current = {"visits": s["visits"], "judged": s["judged"],
               "compliant": s["counts"]["compliant"],
               "non_compliant": s["counts"]["non_compliant"],
               "insufficient": s["counts"]["insufficient_data"],
               "uncontrolled": s["uncontrolled"],
               "rate": (100.0 * s["counts"]["compliant"] / s["judged"]) if s["judged"] else None}
    model["comparison"] = board.comparison(con, run, current)
    s["written"] = board.written_summary(meta, s, model["terminals"]["rows"],
                                         model["comparison"], s["flags"],
                                         model["quality"]["quarantined_kinds"])
    codes = sorted({p for b in results["basis"].unique().to_list() for p in (b or "").split("+")
                    if p}) if results.height else []
    regimes = regimes_of(run.pack.title, run.pack.regulation)
    model["glossary"] = {
        # an event kind may be named like a part ("several"): parts only
        "terms": glossary(regimes, [p["key"] for p in s["excused_parts"] if not p["kind"]]),
        "basis": basis_glossary(codes, {b.name: b.description for b in spec.bases.values()},
                                regimes),
    }


def _meta(con, run: ReportRun, scope_kind: str, scope_text: str, results,
          spec: ReportSpec) -> dict:
    # the zones of the visits' ports; with no visit, of the port asked for (never a made-up
    # UTC: the cover then says there were no visits)
    zones = sorted({z for z in results["port_timezone"].drop_nulls().unique().to_list()}) \
        if results.height else board.asked_zones(con, run.scope)
    abbreviations = [f"{name} ({'/'.join(zone_abbreviations(run.scope, name))})"
                     for name in zones] if run.scope.start is not None else []
    epoch = report_epoch(run.scope, results)
    return {
        "title": "At-Berth Compliance Report",
        "pack_id": run.pack.id,
        # the pack keeps VIE / TIE allowances (their holders are parameters): the summary
        # shows their use where other packs show excused hours, penalties and violations
        "allowances": bool({"vie_holder_kind", "tie_holder_kind"} & set(run.pack.parameters)),
        "window_label": spec.window_label,
        "window_note": spec.window_note,
        "summary": spec.summary,
        "columns": [{"name": c, "label": pack_section.column_label(c, spec),
                     "numeric": pack_section.numeric_column(c, spec)}
                    for c in spec.columns],
        # a pack not shipped with berthcheck is never shown under the built-in's name alone
        "pack_label": run.pack.label + (" (custom pack)" if run.pack.custom else ""),
        "pack_title": run.pack.title,
        "regulation": run.pack.regulation,
        "citation": run.pack.citation,
        "pack_hash": run.pack.hash[:16],
        "run_id": run.run_id,
        "period": run.scope.period or "all",
        "period_title": period_title(run.scope),
        "period_words": period_in_words(run.scope),  # in a sentence: "departing in 2026"
        # a month, quarter or year has one to compare with; a --from/--to range has none
        "previous_period": board.previous_period(run.scope.period),
        "period_range": period_range(run.scope),
        "scope_kind": scope_kind,
        "scope_text": scope_text,
        "scope_value": run.scope.fleet or run.scope.terminal or run.scope.port,
        "zones": ", ".join(abbreviations or zones),
        "version": __version__,
        "epoch": epoch,
        "date_iso": dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "results_name": f"berthcheck-results-{run.run_id}.csv",
        "currency": run.pack.currency,
        "visits": results.height,
    }
