"""The methodology pages: the pack's rules (with how often each fired), parameters and tables,
the run's inputs, and the emission factor tables with their sources."""

from __future__ import annotations

from berthcheck.report.run import ReportRun
from berthcheck.report.words import regimes_of

# What the emission factors are, for a report under a pack that is not CARB's: the factors
# (rules/factors, docs/emission-factors.md) are shared by every pack and were researched for
# California's ports, so their sources are US and Californian. A CARB report keeps its wording.
SHARED_FACTORS = (
    "These are berthcheck's shared estimates of emissions at berth, the same under every rule "
    "pack, researched for California's ports: the method of the US EPA's Ports Emissions "
    "Inventory Guidance (EPA-420-B-22-011) as coded in its Marine_Emissions_Tools, "
    "auxiliary-engine and boiler loads and NOx, CO and HC factors from Starcrest's emissions "
    "inventories of the Port of Los Angeles (2016) and the San Pedro Bay ports (2021), and for "
    "capture the residual California's At-Berth regulation allows (17 CCR § 93130.5(d)(1)). "
    "They give the Emissions chapter's estimates only and are not part of the compliance test "
    "of {regulation}: the rule pack does not read them; its verdicts and figures come from the "
    "rules, parameters and tables above."
)


def setting_text(value, unit: str | None, parenthesised: bool = False) -> str:
    """A parameter's or convention's value as pack.toml and `berthcheck rules list` write it
    (true / false, not Python's True / False), with its unit: "2.0 hours", or for a convention,
    whose unit is often a description, "0 (IMO NOx tier 0-3)" as `rules show factors` prints
    it. A yes-or-no setting has no unit to show ("true / false" only said it was one); an amount
    of five digits or more is grouped as the report's counts are."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        text = ", ".join(setting_text(v, None) for v in value)
    elif isinstance(value, int) and abs(value) >= 10_000:
        text = f"{value:,}"  # a fine of "100,000 RMB", as every count; a year (2021) stays
    else:
        text = str(value)
    if not unit:
        return text
    return f"{text} ({unit})" if parenthesised else f"{text} {unit}"


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
            {"name": p.name, "value": setting_text(p.value, p.unit, parenthesised=True),
             "citation": p.citation, "confirmed": p.confirmed}
            for p in f.parameters.values()
        ]
        return {"label": f.label, "title": f.title, "citation": f.citation,
                "hash": (f.hash or "")[:16], "tables": tables, "conventions": conventions}
    except Exception:  # noqa: BLE001 - the factors are optional to the report
        return None


def inputs_read(con, run: ReportRun) -> dict:
    """The tables the run read, as its manifest lists them and `runs show` prints them: the
    loaded tables and the built-in ones (the ports table's time zones and CARB / AFIR flags
    decide whether a visit is regulated), where the run's id is made from the loaded ones
    alone. The loaded tables (`run.inputs`) when the run has no readable manifest."""
    from berthcheck.engine.run_listing import run_summary
    from berthcheck.errors import UsageError

    try:
        read = run_summary(con, run.run_id)["inputs"]
    except UsageError:  # a run that was not stored
        return run.inputs
    return read if isinstance(read, dict) and read else run.inputs


def methodology(run: ReportRun, finding_rows: list[dict], read: dict | None = None) -> dict:
    """`read`: what the run read, as its manifest lists it (`inputs_read`); else the loaded
    tables its id was made from."""
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
        params.append({"name": name, "value": setting_text(p.value, p.unit),
                       "citation": p.citation, "confirmed": p.confirmed})
    tables = [
        # the table's line reads "description. citation": a description that ends its own
        # sentence printed "(bulk, general cargo, other).. 17 CCR ..."
        {"name": t.name, "description": (t.description or "").rstrip(". "),
         "citation": t.citation,
         "rows": len(t.rows)}
        for _, t in sorted(run.pack.tables.items())
    ]
    inputs = [
        {"table": name, "rows": v.get("rows"), "sha": (v.get("sha256") or "")[:16]}
        for name, v in sorted((read or run.inputs).items())
    ]
    factors = _factor_sources()
    if factors is not None:
        carb = "carb" in regimes_of(run.pack.title, run.pack.regulation)
        factors["shared"] = None if carb else SHARED_FACTORS.format(
            regulation=run.pack.regulation)
    return {"rules": rules, "parameters": params, "tables": tables, "inputs": inputs,
            "factors": factors}
