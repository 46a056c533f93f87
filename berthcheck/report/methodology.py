"""The methodology pages: the pack's rules (with how often each fired), parameters and tables,
the run's inputs, and the emission factor tables with their sources."""

from __future__ import annotations

from berthcheck.report.run import ReportRun


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


def methodology(run: ReportRun, finding_rows: list[dict]) -> dict:
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
