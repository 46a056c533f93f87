"""The report's data: a plain model (dicts, lists, strings, numbers) built from one run's results
and findings plus the store's own tables. Templates only lay it out; every figure here is
computed from the run's results frame, so the PDF is traceable to the attached results CSV.

Text that came from input files (vessel names, fleets, notes, references, quarantined values)
stays plain `str`: the jinja2 environment escapes it, and nothing here turns it into markup or
a URL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from berthcheck import __version__, store
from berthcheck.engine.output_columns import RESULT_COLUMNS, VERDICTS
from berthcheck.engine.pack import Pack, load_pack
from berthcheck.engine.scope import Scope
from berthcheck.errors import BerthcheckError
from berthcheck.report import board, fmt, listing, pack_section
from berthcheck.report.pack_spec import DEFAULT_WINDOW_COLUMNS, ReportSpec, report_spec
from berthcheck.report.words import (
    VERDICT_LABELS,
    basis_glossary,
    basis_text,
    glossary,
    regimes_of,
)

POLLUTANT_ORDER = ("nox", "pm25", "rog", "co2")
POLLUTANT_LABELS = {"nox": "NOx", "pm25": "PM2.5", "rog": "ROG", "co2": "CO₂", "sox": "SOx",
                    "pm10": "PM10", "co": "CO", "ch4": "CH₄", "n2o": "N₂O", "dpm": "DPM"}
EMISSION_COLUMN = re.compile(r"^(excess|at_berth|avoided)_([a-z0-9]+)_kg$")
_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
PARTY_LABELS = {"vessel": "vessel", "terminal": "terminal", "port": "port",
                "caecs_operator": "CAECS operator", "unknown": "unknown"}
CONTROL_TYPES = ("shore power", "capture", "shore power + capture", "none")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
VISIT_FIELDS = (
    "visit_id", "verdict", "basis", "responsible", "vessel_name", "imo", "fleet", "port",
    "terminal", "berth", "port_timezone", "arrival", "ready_to_work", "pilot_on_board",
    "departure", "window_start", "window_end", "uncontrolled_hours", "excused_hours", "penalty",
    "non_compliant_hours_billed", "power_demand_kw", "operator", "vessel_type",
)
LIST_LIMIT = 60  # rows of quarantine / warnings listed in an unscoped report
TABLE_LIMIT = 100  # rows of other violations, events and insufficient-data visits listed


@dataclass
class ReportRun:
    """The run a report is made from."""

    pack: Pack
    scope: Scope
    run_id: str
    results: object  # pl.DataFrame
    findings: object  # pl.DataFrame
    inputs: dict = field(default_factory=dict)
    reused: bool = False  # True: read back from the runs table; False: checked now
    results_csv: bytes | None = None  # the results as `check --out` writes them, once computed


# --- the run ---------------------------------------------------------------------------------


def restore_types(results):
    """Stored runs keep pack-specific columns as JSON; bring instants back to UTC datetimes so
    the frame (and its CSV export) is the one the check produced."""
    import polars as pl

    exprs = []
    for name, dtype in results.schema.items():
        if name in RESULT_COLUMNS or dtype != pl.Utf8:
            continue
        values = results[name].drop_nulls()
        if values.len() and values.str.contains(_ISO_INSTANT.pattern).all():
            exprs.append(pl.col(name).str.to_datetime(time_unit="us", time_zone="UTC"))
    return results.with_columns(exprs) if exprs else results


def obtain_run(con, scope: Scope, pack: str | Pack = "carb-at-berth-2020") -> ReportRun:
    """The stored run for this pack, scope and the current inputs, else a fresh stored check.

    Run ids are deterministic over pack, parameters, scope and an input fingerprint, so a stored
    run with the id the current inputs give is the latest run covering that scope; one made on
    other inputs is never reused. A stored run whose results no longer hash to its recorded
    results hash is not trusted either: the check is run again. A fresh check is stored, which
    also records its manifest (berthcheck.audit) for `audit verify`.
    """
    from berthcheck.engine import check, runs

    pack_obj = pack if isinstance(pack, Pack) else load_pack(pack)
    inputs = runs.input_fingerprint(con)
    run_id = runs.run_id_for(pack_obj, scope, inputs)
    stored = store.run(con, "SELECT count(*) FROM runs WHERE run_id = ?", [run_id])[0][0]
    # the stored rows hashed in DuckDB by the run's own definition (typed rows, manifest v2)
    if stored and not runs.tampered_parts(con, run_id):
        results, findings = runs.load_run(con, run_id)
        return ReportRun(pack_obj, scope, run_id, restore_types(results), findings, inputs,
                         reused=True)
    outcome = check(con, pack_obj, scope=scope, store_run=True)  # recorded with its manifest
    return ReportRun(pack_obj, scope, outcome.run_id, outcome.results, outcome.findings,
                     outcome.inputs, reused=False)


# --- small helpers ---------------------------------------------------------------------------


def period_title(scope: Scope) -> str:
    label = scope.period or ""
    if m := re.fullmatch(r"(\d{4})-(\d{2})", label):
        return f"{MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    if m := re.fullmatch(r"(\d{4})-Q([1-4])", label):
        q = int(m.group(2))
        return f"Q{q} {m.group(1)} ({MONTHS[3 * q - 3]} {fmt.DASH} {MONTHS[3 * q - 1]})"
    if re.fullmatch(r"\d{4}", label):
        return f"Year {label}"
    if ".." in label:
        a, b = label.split("..", 1)
        return f"{a} to {b}"
    return "All loaded visits"


def period_range(scope: Scope) -> str:
    if scope.start is None or scope.end is None:
        return "all loaded visits"
    last = (scope.end - dt.timedelta(days=1)).date()
    return f"{scope.start.date().isoformat()} to {last.isoformat()}"


def scope_label(scope: Scope) -> tuple[str, str]:
    """(kind, text): what part of the period's visits the report covers."""
    if scope.fleet:
        return "fleet", f"Fleet: {scope.fleet}"
    if scope.terminal:
        return "terminal", f"Terminal: {scope.terminal}"
    if scope.port:
        return "port", f"Port: {scope.port}"
    return "all", "All ports, terminals and fleets"


def report_epoch(scope: Scope, results=None) -> int:
    """The report's date (PDF metadata, SOURCE_DATE_EPOCH): the end of the reporting period,
    midnight UTC. Derived from the run's scope, never from the clock."""
    if scope.end is not None:
        return int(scope.end.replace(tzinfo=dt.UTC).timestamp())
    if results is not None and "departure" in results.columns and results.height:
        last = fmt.as_utc(results["departure"].max())
        if last is not None:
            return int(last.timestamp())
    return 315532800  # 1980-01-01: the earliest date every PDF and font tool accepts


def _evidence(text: str | None) -> dict:
    try:
        value = json.loads(text or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _split(text: str | None) -> list[str]:
    return [p for p in (text or "").split("+") if p]


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def _fetch_for_visits(con, sql: str, visit_ids):
    """Run `sql`, which reads a relation `_bc_report_visits(visit_id)`, for these visits."""
    import polars as pl

    frame = pl.DataFrame({"visit_id": list(visit_ids)}, schema={"visit_id": pl.Utf8})
    store.register(con, "_bc_report_visits", frame)
    try:
        return store.fetch_polars(con, sql)
    finally:
        con.unregister("_bc_report_visits")


# --- the model -------------------------------------------------------------------------------


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
        f["evidence_data"] = _evidence(f.get("evidence"))
    scope_kind, scope_text = scope_label(run.scope)

    model = {
        "meta": _meta(run, scope_kind, scope_text, results, spec),
        "summary": _summary(results, finding_rows, by_visit, run.pack.currency),
        "terminals": _terminals(results),
        "noncompliant": _noncompliant(visits, finding_rows, rules, run.pack.currency, spec),
        "other_violations": _other_violations(by_visit, finding_rows, rules),
        "exceptions": _exceptions(con, run, by_visit, finding_rows),
        "emissions": _emissions(con, results),
        "quality": _quality(con, run, visits, finding_rows, rules, scope_kind),
        "methodology": _methodology(run, finding_rows),
        "appendix": listing.appendix(results, appendix, _appendix_columns(spec)),
        "pack_chapter": pack_section.chapter(results, finding_rows, rules, by_visit, spec),
    }
    _board(con, run, model, results, spec)
    factors = model["methodology"]["factors"] or {}
    model["emissions"]["unconfirmed_rows"] = sum(t["unconfirmed"] for t in factors.get("tables", []))
    model["emissions"]["unconfirmed_conventions"] = [
        c["name"] for c in factors.get("conventions", []) if not c["confirmed"]]
    model["chart_data"] = {
        "by_terminal": _chart_terminals(model["terminals"]),
        "by_terminal_unit": _chart_unit(model["terminals"]),
        "over_time": _over_time(run.scope, results),
        "delays": _delays(con, run, visits),
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
        declared = spec.result_columns.get(c)
        numeric = declared is not None and declared.type in ("BIGINT", "DOUBLE")
        # values are cut at 16 characters, never the header
        columns.append((label, f"pack:{c}", max(16, len(label)), numeric))
    return tuple(columns)


def _board(con, run: ReportRun, model: dict, results, spec: ReportSpec) -> None:
    """The parts a board reads first (berthcheck.report.board): ports by name, the scope in
    words, the written summary, the previous period, the UNCONFIRMED flags, the glossary."""
    meta, s = model["meta"], model["summary"]
    meta["ports"] = board.port_names(con, results, run.scope)
    meta["ports_text"] = board.ports_in_words(meta["ports"])
    meta["scope_sentence"] = board.scope_in_words(run.scope, meta["ports"], meta["period_title"])
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
                                         model["comparison"], s["flags"])
    codes = sorted({p for b in results["basis"].unique().to_list() for p in (b or "").split("+")
                    if p}) if results.height else []
    model["glossary"] = {
        "terms": glossary(regimes_of(run.pack.title, run.pack.regulation)),
        "basis": basis_glossary(codes, {b.name: b.description for b in spec.bases.values()}),
    }


def _meta(run: ReportRun, scope_kind: str, scope_text: str, results, spec: ReportSpec) -> dict:
    zones = sorted({z for z in results["port_timezone"].drop_nulls().unique().to_list()}) \
        if results.height else []
    abbreviations = []
    if run.scope.start is not None:
        for name in zones:
            tz = fmt.zone(name)
            seen = {run.scope.start.replace(tzinfo=tz).strftime("%Z"),
                    (run.scope.end - dt.timedelta(minutes=1)).replace(tzinfo=tz).strftime("%Z")}
            abbreviations.append(f"{name} ({'/'.join(sorted(seen))})")
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
        "columns": [{"name": c, "label": pack_section.column_label(c, spec)}
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
        "period_range": period_range(run.scope),
        "scope_kind": scope_kind,
        "scope_text": scope_text,
        "scope_value": run.scope.fleet or run.scope.terminal or run.scope.port,
        "zones": ", ".join(abbreviations or zones) or "UTC",
        "version": __version__,
        "epoch": epoch,
        "date_iso": dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "results_name": f"berthcheck-results-{run.run_id}.csv",
        "currency": run.pack.currency,
        "visits": results.height,
    }


def _money(value, currency: str | None) -> str:
    """A penalty as the pack states it (e.g. "EUR 36,000.00"); a dash where none was computed."""
    if value is None:
        return fmt.DASH
    return f"{currency + ' ' if currency else ''}{_num(value):,.2f}"


def _summary(results, finding_rows: list[dict], by_visit: dict, currency: str | None) -> dict:
    counts = dict.fromkeys(VERDICTS, 0)
    for verdict, n in results.group_by("verdict").len().sort("verdict").iter_rows():
        counts[verdict] = n
    judged = counts["compliant"] + counts["non_compliant"]
    basis_count: dict[str, int] = {}
    for v in by_visit.values():
        for part in _split(v.get("basis")):
            basis_count[part] = basis_count.get(part, 0) + 1
    excused_by_kind: dict[str, float] = {}
    for f in finding_rows:
        ev = f["evidence_data"]
        if "excused_minutes" in ev and isinstance(ev.get("kind"), str) and "from" not in ev:
            excused_by_kind[ev["kind"]] = excused_by_kind.get(ev["kind"], 0.0) + _num(
                ev["excused_minutes"]) / 60.0
    uncontrolled = results["uncontrolled_hours"].fill_null(0).sum() if results.height else 0.0
    controlled = results["controlled_hours"].fill_null(0).sum() if results.height else 0.0
    excused = results["excused_hours"].fill_null(0).sum() if results.height else 0.0
    penalties = results["penalty"].drop_nulls() if results.height else None
    penalty_text = (_money(penalties.sum(), currency)
                    if penalties is not None and penalties.len() else None)
    # CARB: each port-local calendar day with uncontrolled time is a separate violation
    days = results["violation_days"].drop_nulls() if "violation_days" in results.columns else None
    violation_days_text = fmt.integer(days.sum()) if days is not None and days.len() else None
    severities = {s: 0 for s in ("violation", "warning", "info")}
    for f in finding_rows:
        severities[f["severity"]] = severities.get(f["severity"], 0) + 1
    return {
        "counts": counts,
        "count_rows": [
            {"verdict": VERDICT_LABELS[v], "key": v, "n": counts[v],
             "share": fmt.percent(counts[v], results.height)}
            for v in VERDICTS
        ],
        "visits": results.height,
        "visits_text": fmt.integer(results.height),
        "judged": judged,
        "judged_text": fmt.integer(judged),
        "compliant_text": fmt.integer(counts["compliant"]),
        "noncompliant_text": fmt.integer(counts["non_compliant"]),
        "insufficient_text": fmt.integer(counts["insufficient_data"]),
        "rate_text": fmt.percent(counts["compliant"], judged),
        "uncontrolled": float(uncontrolled or 0.0),
        "uncontrolled_text": fmt.hours(uncontrolled),
        "controlled_text": fmt.hours(controlled),
        "excused_text": fmt.hours(excused),
        "remediation_text": fmt.hours(excused_by_kind.get("remediation", 0.0)),
        "emergency_text": fmt.hours(excused_by_kind.get("emergency", 0.0)),
        "vie_used": basis_count.get("vie", 0),
        "tie_used": basis_count.get("tie", 0),
        "findings": len(finding_rows),
        "severities": severities,
        "penalty_text": penalty_text,
        "violation_days_text": violation_days_text,
    }


def _terminals(results) -> dict:
    import polars as pl

    if not results.height:
        return {"rows": [], "multi_port": False}
    per = (
        results.group_by("port", "terminal")
        .agg(
            pl.len().alias("visits"),
            (pl.col("verdict") == "compliant").sum().alias("compliant"),
            (pl.col("verdict") == "non_compliant").sum().alias("non_compliant"),
            (pl.col("verdict") == "insufficient_data").sum().alias("insufficient"),
            pl.col("verdict").is_in(["exempt", "not_applicable"]).sum().alias("other"),
            pl.col("uncontrolled_hours").fill_null(0).sum().alias("uncontrolled"),
            pl.col("excused_hours").fill_null(0).sum().alias("excused"),
            pl.col("basis").str.split("+").list.contains("vie").sum().alias("vie"),
            pl.col("basis").str.split("+").list.contains("tie").sum().alias("tie"),
        )
        .sort("port", "terminal", nulls_last=True)
    )
    rows = []
    for r in per.iter_rows(named=True):
        judged = r["compliant"] + r["non_compliant"]
        rows.append({
            "port": r["port"] or fmt.DASH,
            "terminal": r["terminal"] or fmt.DASH,
            "visits": r["visits"],
            "compliant": r["compliant"],
            "non_compliant": r["non_compliant"],
            "insufficient": r["insufficient"],
            "other": r["other"],
            "judged": judged,
            "rate": fmt.percent(r["compliant"], judged),
            "uncontrolled": fmt.hours(r["uncontrolled"]),
            "excused": fmt.hours(r["excused"]),
            "vie": r["vie"],
            "tie": r["tie"],
        })
    return {"rows": rows, "multi_port": per["port"].n_unique() > 1}


CHART_TERMINALS = 24  # bars in the terminal chart; the rest share one bar
_COUNT_KEYS = ("visits", "compliant", "non_compliant", "insufficient", "other", "judged")


def _chart_unit(terminals: dict) -> str:
    """A report over several ports charts each port; one port, each terminal."""
    return "port" if terminals["multi_port"] else "terminal"


def _chart_terminals(terminals: dict) -> list[dict]:
    """The compliance chart's bars, adding up to the terminal table: one per terminal, or one
    per port when the report covers several; beyond `CHART_TERMINALS` bars, the busiest ones
    and a last bar for all the others, so the chart fits its page."""
    if terminals["multi_port"]:
        per_port: dict[str, dict] = {}
        for r in terminals["rows"]:
            p = per_port.setdefault(r["port"], {**dict.fromkeys(_COUNT_KEYS, 0), "label": r["port"],
                                                "terminal": r["port"]})
            for k in _COUNT_KEYS:
                p[k] += r[k]
        rows = [{**p, "rate": fmt.percent(p["compliant"], p["judged"])}
                for _, p in sorted(per_port.items())]
    else:
        rows = [{**r, "label": r["terminal"]} for r in terminals["rows"]]
    if len(rows) <= CHART_TERMINALS + 1:
        return rows
    ranked = sorted(rows, key=lambda r: (-r["visits"], r["label"]))
    shown, rest = ranked[:CHART_TERMINALS], ranked[CHART_TERMINALS:]
    other = {k: sum(r[k] for r in rest) for k in _COUNT_KEYS}
    other["label"] = other["terminal"] = f"{len(rest)} other {_chart_unit(terminals)}s"
    other["rate"] = fmt.percent(other["compliant"], other["judged"])
    return [*shown, other]


def _visit_head(v: dict) -> dict:
    tz = v.get("port_timezone")
    return {
        "visit_id": v["visit_id"],
        "vessel": v.get("vessel_name") or fmt.DASH,
        "imo": v.get("imo") or fmt.DASH,
        "fleet": v.get("fleet") or "",
        "terminal": v.get("terminal") or fmt.DASH,
        "berth": v.get("berth") or fmt.DASH,
        "port": v.get("port") or fmt.DASH,
        "ready_to_work": fmt.local_time(v.get("ready_to_work"), tz),
        "pilot_on_board": fmt.local_time(v.get("pilot_on_board"), tz),
        "arrival": fmt.local_time(v.get("arrival"), tz),
        "departure": fmt.local_time(v.get("departure"), tz),
        "verdict": VERDICT_LABELS.get(v["verdict"], v["verdict"]),
        "verdict_key": v["verdict"],
        "basis": basis_text(v.get("basis")),
        "responsible": ", ".join(PARTY_LABELS.get(p, p) for p in _split(v.get("responsible")))
        or fmt.DASH,
        "uncontrolled_min": fmt.minutes(60 * _num(v.get("uncontrolled_hours"))),
        "uncontrolled_h": fmt.hours(v.get("uncontrolled_hours"), 2)
        if v.get("uncontrolled_hours") is not None else fmt.DASH,
        "excused_h": fmt.hours(v.get("excused_hours"), 2)
        if v.get("excused_hours") is not None else fmt.DASH,
        "window": fmt.local_interval(v.get("window_start"), v.get("window_end"), tz),
    }


def _finding_line(f: dict, rules: dict, tz: str | None) -> dict:
    ev = f["evidence_data"]
    rule = rules.get(f["rule_id"])
    title = rule.title if rule else f["rule_id"]
    when = None
    if "from" in ev and "to" in ev:
        when = fmt.local_interval(ev["from"], ev["to"], tz)
    minutes = f.get("minutes")
    detail = None
    if when is None:
        detail = f["message"]
    return {
        "rule_id": f["rule_id"],
        "title": title,
        "minutes": fmt.minutes(minutes) if minutes is not None else None,
        "when": when,
        "detail": detail,
        "severity": f["severity"],
    }


def _noncompliant(
    visits: list[dict], finding_rows: list[dict], rules: dict, currency: str | None,
    spec: ReportSpec,
) -> dict:
    """The non-compliant visits, most uncontrolled time first: the first
    `listing.NONCOMPLIANT_DETAIL_MAX` with their reasons and evidence, the next ones as one
    line each, up to `listing.NONCOMPLIANT_LIST_MAX` in all; the rest are counted (the attached
    results CSV has every one)."""
    bad = [v for v in visits if v["verdict"] == "non_compliant"]
    bad.sort(key=lambda v: (-_num(v.get("uncontrolled_hours")), v["visit_id"]))
    detailed = bad[: listing.NONCOMPLIANT_DETAIL_MAX]
    lined = bad[len(detailed): listing.NONCOMPLIANT_LIST_MAX]
    wanted = {v["visit_id"] for v in detailed}
    per_visit: dict[str, list[dict]] = {}
    for f in finding_rows:
        if f["severity"] == "violation" and f["visit_id"] in wanted:
            per_visit.setdefault(f["visit_id"], []).append(f)
    rows = []
    for v in detailed:
        head = _visit_head(v)
        tz = v.get("port_timezone")
        reasons = [_finding_line(f, rules, tz)
                   for f in sorted(per_visit.get(v["visit_id"], []),
                                   key=lambda f: (f["rule_id"], f["finding_id"]))]
        head["reasons"] = reasons
        head["window_from"], head["window_to"] = pack_section.window_cells(v, spec)
        head["columns"] = pack_section.column_cells(v, spec)
        if currency:  # the pack defines a penalty (FuelEU Art. 6)
            head["penalty"] = _money(v.get("penalty"), currency)
            head["penalty_basis"] = None
            billed = v.get("non_compliant_hours_billed")
            if v.get("penalty") is not None and billed is not None:
                head["penalty_basis"] = (
                    f"{fmt.integer(v.get('power_demand_kw'))} kW × {fmt.integer(billed)} h"
                )
        rows.append(head)
    cells = []
    for v in lined:
        cells.append({
            "visit_id": v["visit_id"],
            "vessel": v.get("vessel_name") or fmt.DASH,
            "terminal": v.get("terminal") or fmt.DASH,
            "departure": fmt.local_time(v.get("departure"), v.get("port_timezone")),
            "responsible": ", ".join(PARTY_LABELS.get(p, p) for p in _split(v.get("responsible")))
            or fmt.DASH,
            "uncontrolled_min": fmt.minutes(60 * _num(v.get("uncontrolled_hours"))),
            "verdict_key": "non_compliant",
        })
    lines = listing.fixed_width(listing.NONCOMPLIANT_COLUMNS, cells) if cells else None
    return {"total": len(bad), "detailed": rows, "lines": lines, "listed": len(rows) + len(cells),
            "more": len(bad) - len(rows) - len(cells),
            "detail_max": listing.NONCOMPLIANT_DETAIL_MAX}


def _other_violations(by_visit: dict, finding_rows: list[dict], rules: dict) -> list[dict]:
    rows = []
    for f in finding_rows:
        v = by_visit.get(f["visit_id"])
        if f["severity"] != "violation" or v is None or v["verdict"] == "non_compliant":
            continue
        rule = rules.get(f["rule_id"])
        rows.append({
            "visit_id": f["visit_id"],
            "vessel": v.get("vessel_name") or fmt.DASH,
            "verdict": VERDICT_LABELS.get(v["verdict"], v["verdict"]),
            "rule_id": f["rule_id"],
            "title": rule.title if rule else f["rule_id"],
            "message": f["message"],
        })
    rows.sort(key=lambda r: (r["rule_id"], r["visit_id"]))
    return {"rows": rows[:TABLE_LIMIT], "total": len(rows), "more": max(0, len(rows) - TABLE_LIMIT)}


def _exceptions(con, run: ReportRun, by_visit: dict, finding_rows: list[dict]) -> dict:
    import polars as pl

    events = _fetch_for_visits(
        con,
        "SELECT e.event_id, e.visit_id, e.kind, e.start_time, e.end_time, e.reference, e.note "
        "FROM events e JOIN _bc_report_visits s ON s.visit_id = e.visit_id "
        "ORDER BY e.visit_id, e.kind, e.event_id",
        by_visit,
    )
    rows = []
    for e in events.iter_rows(named=True):
        v = by_visit[e["visit_id"]]
        tz = v.get("port_timezone")
        covered = ("whole visit" if e["start_time"] is None and e["end_time"] is None
                   else fmt.local_interval(e["start_time"] or v.get("arrival"),
                                           e["end_time"] or v.get("departure"), tz))
        honoured = e["kind"] in _split(v.get("basis"))
        rows.append({
            "visit_id": e["visit_id"],
            "vessel": v.get("vessel_name") or fmt.DASH,
            "kind": e["kind"],
            "reference": e["reference"] or fmt.DASH,
            "covered": covered,
            "note": e["note"] or "",
            "outcome": f"{VERDICT_LABELS.get(v['verdict'], v['verdict'])} ({basis_text(v.get('basis'))})",
            "applied": honoured,
        })
    # VIE / TIE use against the holders' allowances for the period's year(s)
    params = run.pack.parameter_values()
    holder_of = {"vie": params.get("vie_holder_kind", "fleet"),
                 "tie": params.get("tie_holder_kind", "terminal")}
    refused_evidence: dict[tuple[str, str], dict] = {}
    for f in finding_rows:
        ev = f["evidence_data"]
        if "claim" in ev and "holder" in ev:
            refused_evidence[(f["visit_id"], ev["claim"])] = ev
    usage: dict[tuple, dict] = {}
    for e in rows:
        if e["kind"] not in holder_of:
            continue
        v = by_visit[e["visit_id"]]
        if v["verdict"] not in ("compliant", "non_compliant"):
            continue
        holder_kind = holder_of[e["kind"]]
        holder = v.get(holder_kind) or fmt.DASH
        # a TIE belongs to a terminal at its port (17 CCR 93130.11); a VIE to the fleet
        holder_port = v.get("port") if holder_kind == "terminal" else None
        year = fmt.local_date(v.get("departure"), v.get("port_timezone"))
        key = (e["kind"], holder_kind, holder, holder_port, year.year if year else None)
        u = usage.setdefault(key, {"claims": 0, "honoured": 0, "refused": 0, "why": set()})
        u["claims"] += 1
        if e["applied"]:
            u["honoured"] += 1
        else:
            u["refused"] += 1
            ev = refused_evidence.get((e["visit_id"], e["kind"]))
            if ev is not None and ev.get("allowance") is not None:
                u["why"].add(f"beyond allowance {ev['allowance']} ({ev.get('allowance_source')})")
            elif ev is not None:
                u["why"].add("allowance cannot be established")
    granted = {}
    if usage:
        allowances = store.fetch_polars(
            con, "SELECT year, holder_kind, holder, upper(port) AS port, granted FROM allowances")
        for r in allowances.iter_rows(named=True):
            port = r["port"] if r["holder_kind"] == "terminal" else None
            k = (r["holder_kind"], r["holder"], port, r["year"])
            granted[k] = granted.get(k, 0) + r["granted"]  # a fleet's rows add up
    allowance_rows = []
    for (kind, holder_kind, holder, holder_port, year), u in sorted(usage.items(), key=lambda kv: (
            kv[0][0], str(kv[0][2]), str(kv[0][3]), kv[0][4] or 0)):
        g = granted.get((holder_kind, holder, holder_port, year))
        allowance_rows.append({
            "kind": kind.upper(),
            "holder_kind": holder_kind,
            "holder": f"{holder} at {holder_port}" if holder_port else holder,
            "year": year if year is not None else fmt.DASH,
            "claims": u["claims"],
            "honoured": u["honoured"],
            "refused": u["refused"],
            "granted": fmt.integer(g) if g is not None else "not in allowances table",
            "why": "; ".join(sorted(u["why"])) or fmt.DASH,
        })
    kinds = pl.Series([r["kind"] for r in rows], dtype=pl.Utf8)
    kind_counts = []
    if len(kinds):
        for k, n in pl.DataFrame({"kind": kinds}).group_by("kind").len().sort("kind").iter_rows():
            kind_counts.append({"kind": k, "n": n})
    return {"events": rows[:TABLE_LIMIT], "events_total": len(rows),
            "events_more": max(0, len(rows) - TABLE_LIMIT), "allowances": allowance_rows,
            "kind_counts": kind_counts}


def _emission_columns(results) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for name in results.columns:
        if m := EMISSION_COLUMN.match(name):
            found.setdefault(m.group(2), {})[m.group(1)] = name
    return found


def _pollutant_order(pollutants) -> list[str]:
    known = [p for p in POLLUTANT_ORDER if p in pollutants]
    return known + sorted(p for p in pollutants if p not in POLLUTANT_ORDER)


def _control_types(con, results) -> dict[str, str]:
    """Which control each visit used: from the run's hours columns where the results carry
    them (`shore_power_hours`, `capture_hours`), else from the stored sessions."""
    if {"shore_power_hours", "capture_hours"} <= set(results.columns):
        rows = results.select("visit_id", "shore_power_hours", "capture_hours").iter_rows()
        pairs = {v: (_num(sp) > 0, _num(cap) > 0) for v, sp, cap in rows}
    else:
        frame = _fetch_for_visits(
            con,
            "SELECT s.visit_id, "
            "EXISTS (SELECT 1 FROM shore_power p WHERE p.visit_id = s.visit_id) AS sp, "
            "EXISTS (SELECT 1 FROM capture c WHERE c.visit_id = s.visit_id) AS cap "
            "FROM _bc_report_visits s ORDER BY s.visit_id",
            results["visit_id"].to_list(),
        )
        pairs = {v: (bool(sp), bool(cap)) for v, sp, cap in frame.iter_rows()}
    return {v: ("shore power + capture" if sp and cap else "shore power" if sp
                else "capture" if cap else "none") for v, (sp, cap) in pairs.items()}


def _emissions(con, results) -> dict:
    import polars as pl

    columns = _emission_columns(results)
    if not columns:
        return {"available": False}
    pollutants = _pollutant_order(columns)
    rows = []
    for p in pollutants:
        row = {"pollutant": p, "label": POLLUTANT_LABELS.get(p, p.upper())}
        for kind in ("excess", "at_berth", "avoided"):
            name = columns[p].get(kind)
            total = results[name].fill_null(0).sum() if name and results.height else None
            row[kind] = total
            row[f"{kind}_text"] = fmt.mass_kg(total) if name else fmt.DASH
        rows.append(row)
    by_control = None
    charted = [p for p in POLLUTANT_ORDER if p in columns] or pollutants[:4]
    avoided_cols = {p: columns[p]["avoided"] for p in charted if "avoided" in columns[p]}
    if avoided_cols and results.height:
        types = _control_types(con, results)
        frame = results.select(["visit_id", *avoided_cols.values()]).with_columns(
            pl.col("visit_id").replace_strict(types, default="none").alias("_control")
        )
        sums = frame.group_by("_control").agg(
            [pl.col(c).fill_null(0).sum().alias(p) for p, c in avoided_cols.items()]
        )
        table = {r["_control"]: r for r in sums.iter_rows(named=True)}
        by_control = {
            "types": [t for t in CONTROL_TYPES if t in table and t != "none"],
            "pollutants": [
                {"pollutant": p, "label": POLLUTANT_LABELS.get(p, p.upper()),
                 "values": [float(table[t][p] or 0.0) for t in CONTROL_TYPES
                            if t in table and t != "none"]}
                for p in avoided_cols
            ],
        }
    load_sources = []
    if "load_source" in results.columns and results.height:
        for source, n in (results.group_by("load_source").len()
                          .sort("load_source", nulls_last=True).iter_rows()):
            load_sources.append({"source": source or fmt.DASH, "n": n})
    return {"available": True, "rows": rows, "by_control": by_control,
            "load_sources": load_sources}


def _quality(con, run: ReportRun, visits: list[dict], finding_rows: list[dict], rules: dict,
             scope_kind: str) -> dict:
    detailed = scope_kind == "all"
    # Only the loads up to the run's last input batch: a later load cannot change the report of
    # this run (the same run renders the same document).
    cutoff = max((v.get("max_batch_id") or 0 for v in run.inputs.values()), default=0)
    quarantine_counts = [
        {"kind": k, "reason": r, "n": n}
        for k, r, n in store.run(
            con, "SELECT kind, reason, count(*) FROM quarantine WHERE batch_id <= ? "
                 "GROUP BY kind, reason ORDER BY kind, count(*) DESC, reason LIMIT ?",
            [cutoff, LIST_LIMIT])
    ] if detailed else [
        {"kind": k, "reason": None, "n": n}
        for k, n in store.run(
            con, "SELECT kind, count(*) FROM quarantine WHERE batch_id <= ? GROUP BY kind "
                 "ORDER BY kind", [cutoff])
    ]
    quarantine_rows = [
        {"kind": k, "file": f, "row": r, "column": c or fmt.DASH, "value": v or "", "reason": why}
        for k, f, r, c, v, why in store.run(
            con, "SELECT kind, source_file, source_row, column_name, value, reason "
                 "FROM quarantine WHERE batch_id <= ? "
                 "ORDER BY batch_id, source_row, column_name, reason, value LIMIT ?",
            [cutoff, LIST_LIMIT])
    ] if detailed else []
    reasons_total = (store.scalar(
        con, "SELECT count(*) FROM (SELECT DISTINCT kind, reason FROM quarantine "
             "WHERE batch_id <= ?)", [cutoff]) or 0) if detailed else 0
    quarantined_total = store.scalar(
        con, "SELECT count(*) FROM quarantine WHERE batch_id <= ?", [cutoff]) or 0
    quarantined_rows_total = store.scalar(
        con, "SELECT count(*) FROM (SELECT DISTINCT batch_id, source_row FROM quarantine "
             "WHERE batch_id <= ?)", [cutoff]) or 0
    warnings_total = store.scalar(
        con, "SELECT count(*) FROM load_warnings WHERE batch_id <= ?", [cutoff]) or 0
    warning_counts = [
        {"kind": k, "message": m if detailed else None, "n": n}
        for k, m, n in store.run(
            con, "SELECT kind, message, count(*) FROM load_warnings WHERE batch_id <= ? "
                 "GROUP BY kind, message ORDER BY kind, count(*) DESC, message LIMIT 40", [cutoff])
    ] if detailed else [
        {"kind": k, "message": None, "n": n}
        for k, n in store.run(
            con, "SELECT kind, count(*) FROM load_warnings WHERE batch_id <= ? GROUP BY kind "
                 "ORDER BY kind", [cutoff])
    ]
    per_visit_warn: dict[str, list[str]] = {}
    for f in finding_rows:
        if f["severity"] == "warning":
            per_visit_warn.setdefault(f["visit_id"], []).append(f["message"])
    lacking = [v for v in visits if v["verdict"] == "insufficient_data"]
    insufficient = [
        {**_visit_head(v), "why": basis_text(v.get("basis")),
         "warnings": per_visit_warn.get(v["visit_id"], [])}
        for v in lacking[:TABLE_LIMIT]
    ]
    assumptions: dict[str, dict] = {}
    for f in finding_rows:
        if f["severity"] != "warning":
            continue
        a = assumptions.setdefault(f["rule_id"], {
            "rule_id": f["rule_id"],
            "title": rules[f["rule_id"]].title if f["rule_id"] in rules else f["rule_id"],
            "n": 0, "example": f["message"]})
        a["n"] += 1
    unconfirmed = []
    for name in run.pack.unconfirmed():
        if name.startswith("table "):
            t = run.pack.tables[name.removeprefix("table ")]
            unconfirmed.append({"name": name, "note": t.note or t.description})
        else:
            p = run.pack.parameters[name]
            unconfirmed.append({"name": name, "note": p.note or p.citation})
    batches = [
        {"batch": b, "kind": k, "file": f, "sha": sha[:16], "rows": rows_in, "inserted": ins,
         "quarantined": q, "warnings": w}
        for b, k, f, sha, rows_in, ins, q, w in store.run(
            con, "SELECT batch_id, kind, source_file, content_sha256, rows_in_file, "
                 "rows_inserted, rows_quarantined, warnings FROM load_batches WHERE batch_id <= ? "
                 "ORDER BY batch_id", [cutoff])
    ]
    return {
        "detailed": detailed,
        "quarantined_total": quarantined_total,
        "quarantined_rows_total": quarantined_rows_total,
        "quarantine_counts": quarantine_counts,
        "quarantine_reasons_more": max(0, reasons_total - len(quarantine_counts)),
        "quarantine_rows": quarantine_rows,
        "quarantine_more": max(0, quarantined_total - len(quarantine_rows)),
        "warnings_total": warnings_total,
        "warning_counts": warning_counts,
        "insufficient": insufficient,
        "insufficient_more": len(lacking) - len(insufficient),
        "assumptions": [assumptions[k] for k in sorted(assumptions)],
        "unconfirmed": unconfirmed,
        "batches": batches,
    }


def _factor_sources() -> dict | None:
    """The emission factor tables (berthcheck.emissions, issue 4) with their sources."""
    try:
        from berthcheck.emissions import load_factors

        f = load_factors()
        tables = []
        for name, table in f.tables.items():
            sources = list(dict.fromkeys(
                str(r.get("source")) for r in table.rows if r.get("source")))
            unconfirmed = sum(1 for r in table.rows if not r.get("confirmed", True))
            tables.append({"name": name, "file": table.file, "description": table.description,
                           "rows": len(table.rows), "sources": sources,
                           "unconfirmed": unconfirmed})
        conventions = [
            {"name": p.name, "value": f"{p.value}{' ' + p.unit if p.unit else ''}",
             "citation": p.citation, "confirmed": p.confirmed}
            for p in f.parameters.values()
        ]
        return {"label": f.label, "title": f.title, "citation": f.citation,
                "hash": (f.hash or "")[:16], "tables": tables, "conventions": conventions}
    except Exception:  # noqa: BLE001 - the factors are optional to the report
        return None


def _methodology(run: ReportRun, finding_rows: list[dict]) -> dict:
    used: dict[str, int] = {}
    for f in finding_rows:
        used[f["rule_id"]] = used.get(f["rule_id"], 0) + 1
    # a note rule (`[pack] notes`) a run did not run as findings: the visits its column names
    notes = {rule_id: column for rule_id, column in run.pack.notes.items()
             if rule_id not in used and column in run.results.columns}
    for rule_id, column in notes.items():
        used[rule_id] = run.results[column].drop_nulls().len()
    rules = [
        {"id": r.id, "title": r.title, "section": r.section, "severity": r.severity,
         "n": used.get(r.id, 0), "description": r.description, "note": notes.get(r.id)}
        for r in run.pack.rules
    ]
    params = []
    for name, p in sorted(run.pack.parameters.items()):
        value = p.value
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        params.append({"name": name, "value": f"{value}{' ' + p.unit if p.unit else ''}",
                       "citation": p.citation, "confirmed": p.confirmed})
    tables = [
        {"name": t.name, "description": t.description, "citation": t.citation,
         "rows": len(t.rows)}
        for _, t in sorted(run.pack.tables.items())
    ]
    inputs = [
        {"table": name, "rows": v.get("rows"), "sha": (v.get("sha256") or "")[:16]}
        for name, v in sorted(run.inputs.items())
    ]
    return {"rules": rules, "parameters": params, "tables": tables, "inputs": inputs,
            "factors": _factor_sources()}


def _local_departure_hours(results) -> list[tuple[dt.date, float]]:
    """(port-local departure date, uncontrolled hours) summed per date, per time zone in
    polars (a Python conversion per visit is seconds at 200 000 visits)."""
    import polars as pl

    if not results.height:
        return []
    frame = results.select(
        pl.col("departure"), pl.col("port_timezone").fill_null("UTC").alias("_tz"),
        pl.col("uncontrolled_hours").fill_null(0).alias("_h"))
    if not isinstance(frame.schema["departure"], pl.Datetime):
        return [(d, _num(h)) for d, h in (
            (fmt.local_date(v, tz), h) for v, tz, h in frame.iter_rows()) if d is not None]
    sums: dict[dt.date, float] = {}
    for (tz,), part in frame.group_by("_tz"):
        departure = part["departure"]
        if departure.dtype.time_zone is None:  # type: ignore[union-attr]
            departure = departure.dt.replace_time_zone("UTC")
        local = part.with_columns(departure.dt.convert_time_zone(str(tz)).dt.date().alias("_d"))
        for d, h in local.drop_nulls("_d").group_by("_d").agg(pl.col("_h").sum()).iter_rows():
            sums[d] = sums.get(d, 0.0) + h
    return sorted(sums.items())


def _over_time(scope: Scope, results) -> dict:
    """Uncontrolled hours by the visits' port-local departure date, in days (a month or less),
    weeks (up to a quarter) or months."""
    dates = _local_departure_hours(results)
    if scope.start is not None and scope.end is not None:
        first, last = scope.start.date(), (scope.end - dt.timedelta(days=1)).date()
    elif dates:
        first, last = min(d for d, _ in dates), max(d for d, _ in dates)
    else:
        return {"unit": "day", "buckets": []}
    span = (last - first).days + 1
    if span <= 31:
        unit = "day"

        def key(d: dt.date) -> dt.date:
            return d
    elif span <= 93:
        unit = "week"

        def key(d: dt.date) -> dt.date:
            return d - dt.timedelta(days=d.weekday())
    else:
        unit = "month"

        def key(d: dt.date) -> dt.date:
            return d.replace(day=1)
    buckets: dict[dt.date, float] = {}
    d = first
    while d <= last:
        buckets.setdefault(key(d), 0.0)
        d += dt.timedelta(days=1)
    for d, h in dates:
        k = key(d)
        if k in buckets:
            buckets[k] += h
    ordered = sorted(buckets.items())
    labels = []
    for k, _ in ordered:
        if unit == "day":
            labels.append(str(k.day))
        elif unit == "week":
            labels.append(k.strftime("%m-%d"))
        else:
            labels.append(MONTHS[k.month - 1][:3])
    return {"unit": unit, "labels": labels, "values": [h for _, h in ordered],
            "buckets": ordered}


DELAY_BINS = (30, 60, 90, 120, 150, 180, 240, 360, 720)  # upper edges (minutes), inclusive


def _delay_label(i: int) -> str:
    def hm(m: int) -> str:
        return f"{m // 60}:{m % 60:02d}"

    if i == 0:
        return f"≤ {hm(DELAY_BINS[0])}"
    if i == len(DELAY_BINS):
        return f"> {DELAY_BINS[-1] // 60} h"
    return f"{hm(DELAY_BINS[i - 1])}{fmt.DASH}{hm(DELAY_BINS[i])}"


def _delays(con, run: ReportRun, visits: list[dict]) -> dict | None:
    """Minutes from Ready to Work to the first control (shore power connected or capture
    started) for the visits judged on control."""
    if visits and "ready_to_work" not in visits[0]:
        return None  # the pack has no Ready to Work (e.g. FuelEU)
    all_judged = [v for v in visits if v["verdict"] in ("compliant", "non_compliant")]
    judged = {v["visit_id"]: v for v in all_judged
              if v.get("window_start") and v.get("ready_to_work")}
    first = _fetch_for_visits(
        con,
        "SELECT x.visit_id, min(x.t) AS first_control FROM ("
        "  SELECT visit_id, connected AS t FROM shore_power"
        "  UNION ALL SELECT visit_id, started AS t FROM capture) x "
        "JOIN _bc_report_visits s ON s.visit_id = x.visit_id "
        "GROUP BY x.visit_id ORDER BY x.visit_id",
        judged,
    )
    counts = [0] * (len(DELAY_BINS) + 1)
    never = len(judged)
    for visit_id, t in first.iter_rows():
        never -= 1
        delay = (fmt.as_utc(t) - fmt.as_utc(judged[visit_id]["ready_to_work"])).total_seconds() / 60
        i = 0
        while i < len(DELAY_BINS) and delay > DELAY_BINS[i] + 1e-9:
            i += 1
        counts[i] += 1
    limit_hours = run.pack.parameter_values().get("connect_after_ready_to_work_hours")
    limit_index = None
    if limit_hours is not None:
        limit_min = float(limit_hours) * 60
        limit_index = sum(1 for edge in DELAY_BINS if edge <= limit_min)
    return {
        "labels": [_delay_label(i) for i in range(len(counts))],
        "counts": counts,
        "never": never,
        "judged": len(judged),
        "short": len(all_judged) - len(judged),  # judged visits without a control window
        "limit_index": limit_index,  # bars from this index on are beyond the limit
        "limit_hours": limit_hours,
    }
