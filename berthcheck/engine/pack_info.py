"""A pack as plain data for scripts (`berthcheck rules list --json`)."""

from __future__ import annotations

import re
from typing import Any

from berthcheck.engine.pack import Pack


def pack_dict(pack: Pack) -> dict[str, Any]:
    """The pack's rules, parameters and parameter tables, with citations and UNCONFIRMED
    marks, and the emission factor files it is run with."""
    from berthcheck.emissions import load_factors
    from berthcheck.engine.pack_paths import origin_of

    unconfirmed = pack.unconfirmed()
    factors = load_factors()
    return {
        "pack": pack.id,
        "version": pack.version,
        "label": pack.label,
        "title": pack.title,
        "regulation": pack.regulation,
        "citation": pack.citation,
        "hash": pack.hash,
        "source": origin_of(pack.path),  # built-in, $BERTHCHECK_PACKS, ... or path
        "folder": str(pack.path),
        "result_columns": [
            {"name": c.name, "type": c.type, "unit": c.unit, "nullable": c.nullable,
             "description": c.description} for c in pack.result_columns
        ],
        "bases": [{"name": b.name, "verdicts": list(b.verdicts), "description": b.description}
                  for b in pack.bases],
        "rules": [
            {"id": r.id, "name": r.name, "title": r.title, "section": r.section,
             "severity": r.severity, "description": r.description,
             # a per-visit note ([pack] notes): its results column, run as findings with --notes
             "note_column": pack.notes.get(r.id)}
            for r in pack.rules
        ],
        "parameters": {
            name: {"value": p.value, "unit": p.unit, "citation": p.citation,
                   "confirmed": p.confirmed, "note": p.note}
            for name, p in sorted(pack.parameters.items())
        },
        "tables": {
            name: {"rows": len(t.rows), "columns": list(t.columns), "citation": t.citation,
                   "unconfirmed_rows": f"table {name}" in unconfirmed}
            for name, t in sorted(pack.tables.items())
        },
        "emission_factors": {
            "id": factors.id,
            "version": factors.version,
            "hash": factors.hash,
            "tables": {name: len(t.rows) for name, t in factors.tables.items()},
            "parameters": {
                name: {"value": p.value, "citation": p.citation, "confirmed": p.confirmed}
                for name, p in factors.parameters.items()
            },
        },
    }


def rule_dict(pack: Pack, rule_id: str) -> dict[str, Any]:
    """One rule as `rules show --json` gives it: the pack it is a rule of (id, version, hash,
    where it came from), the rule's header, the parameters its SQL binds with their values and
    citations, its file with the sha256 a run's manifest records of it (`pack.files`), and the
    file's text as `rules show` prints it."""
    from berthcheck.engine.manifest import pack_files
    from berthcheck.engine.pack_paths import origin_of

    r = pack.rule(rule_id)
    rel = r.path.relative_to(pack.path).as_posix()
    return {
        "pack": pack.id,
        "version": pack.version,
        "label": pack.label,
        "hash": pack.hash,
        "source": origin_of(pack.path),
        "folder": str(pack.path),
        "rule": {
            "id": r.id, "name": r.name, "title": r.title, "section": r.section,
            "severity": r.severity, "description": r.description, "compliant": r.compliant,
            "non_compliant": r.non_compliant, "note_column": pack.notes.get(r.id),
        },
        "parameters": {
            name: {"value": p.value, "unit": p.unit, "citation": p.citation,
                   "confirmed": p.confirmed, "note": p.note}
            for name, p in sorted(pack.parameters.items()) if name in r.parameters
        },
        "file": rel,
        "file_sha256": pack_files(pack.path).get(rel),
        "reads": rule_reads(pack, r.sql),
        "text": r.source,
    }


_MADE = re.compile(r"\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\s+"
                   r"(?:IF\s+NOT\s+EXISTS\s+)?([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)


def rule_reads(pack: Pack, sql: str) -> list[dict[str, str]]:
    """The tables a stage of the pack makes that the rule's SQL reads, each with the stage
    file that makes it: where a rule of three lines (`FROM bc_uncontrolled_segment`) has its
    arithmetic, for an auditor reading the rule."""
    from berthcheck.engine.pack_text import strip_comments

    made: dict[str, str] = {}
    for rel, stage_sql in pack.stages:
        for name in _MADE.findall(strip_comments(stage_sql)):
            made[name.lower()] = rel  # a table made again later: the last stage's
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", strip_comments(sql))}
    return [{"table": name, "stage": made[name]} for name in sorted(made) if name in words]
