"""The parts of the report a rule pack shapes through its `pack.toml` (berthcheck.report.pack_spec):
its own columns in the visit listings, the evidence of its findings under the pack's labels, and
the pack's own chapter (heading, summary, its result columns, its findings by rule).

Nothing here knows a pack by name: a pack that declares these sections gets them, one that does
not gets the generic report. Values stay plain `str` (the templates escape them); instants are
shown in the port's local time like every other time in the report.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from berthcheck.report import fmt
from berthcheck.report.pack_spec import ReportSpec

_ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
EVIDENCE_PER_RULE = 3  # findings shown with their evidence per rule in the pack's chapter
SEVERITY_ORDER = {"violation": 0, "warning": 1, "info": 2}
VALUES_SHOWN = 6  # distinct values of a text column listed in the chapter's column table


def value_text(value, tz: str | None, unit: str | None = None) -> str:
    """One pack-provided value as the report prints it."""
    if value is None or value == "":
        return fmt.DASH
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, dt.datetime) or (isinstance(value, str) and _ISO_INSTANT.match(value)):
        return fmt.local_time(value, tz)
    elif isinstance(value, dt.date):
        text = value.isoformat()
    elif isinstance(value, int):
        text = fmt.integer(value)
    elif isinstance(value, float):
        text = f"{value:,.0f}" if value == int(value) else _decimals(value)
    elif isinstance(value, list):
        text = ", ".join(value_text(v, tz) for v in value) or fmt.DASH
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    else:
        text = " ".join(str(value).split())
    return f"{text} {unit}" if unit and text != fmt.DASH else text


def _decimals(value: float) -> str:
    """At least two decimals, up to four (the contract's numbers, docs/contract.md 4): 0.8958
    rounded to "0.90" would read as a 90 % threshold met."""
    text = f"{value:,.4f}"
    while text.endswith("0") and len(text.rsplit(".", 1)[1]) > 2:
        text = text[:-1]
    return text


def evidence_items(evidence: dict, spec: ReportSpec, tz: str | None) -> list[dict]:
    """The labelled parts of one finding's evidence, in the pack's declaration order; keys the
    pack gives no label stay in the findings CSV only."""
    return [{"key": key, "label": lab.label, "value": value_text(evidence[key], tz, lab.unit)}
            for key, lab in spec.evidence.items() if key in evidence]


def column_label(name: str, spec: ReportSpec) -> str:
    """A pack column's header: its name in words, capitalised as the report's own headers
    ("Vessel", "Uncontr. min"), with its declared unit."""
    declared = spec.result_columns.get(name)
    words = name.replace("_", " ")
    words = words[:1].upper() + words[1:]
    if not declared or not declared.unit or words.split()[-1].startswith(declared.unit.lower()):
        return words  # "Shore power minutes", not "Shore power minutes (min)"
    return f"{words} ({declared.unit})"


def numeric_column(name: str, spec: ReportSpec) -> bool:
    """A pack column of numbers, right-aligned as the report's own figures: Shanghai's "Shore
    power minutes" sat left beside "Uncontr. min" on the right."""
    declared = spec.result_columns.get(name)
    return declared is not None and declared.type in ("BIGINT", "DOUBLE")


def column_cells(v: dict, spec: ReportSpec) -> list[dict]:
    """The pack's listing columns of one visit (`[report] columns`)."""
    tz = v.get("port_timezone")
    return [{"name": c, "label": column_label(c, spec), "value": value_text(v.get(c), tz),
             "numeric": numeric_column(c, spec)}
            for c in spec.columns]


def window_cells(v: dict, spec: ReportSpec) -> tuple[str, str]:
    """The listing's two port-local instants; one the visit lacks says where the window
    starts or ends instead (CARB: without a Pilot on Board it ends an hour before departure,
    and a bare dash left the reader to guess the window the minutes were counted in)."""
    tz = v.get("port_timezone")
    start, end = spec.window_columns
    cells = []
    for column, bound, verb in ((start, "window_start", "starts"), (end, "window_end", "ends")):
        text = fmt.local_time(v.get(column), tz)
        if v.get(column) is None and column != bound and v.get(bound) is not None:
            text = f"not given; the window {verb} {fmt.local_time(v.get(bound), tz)}"
        cells.append(text)
    return cells[0], cells[1]


def listing_fields(spec: ReportSpec) -> tuple[str, ...]:
    """The result columns the listings read for this pack, beyond the report's own."""
    return (*spec.window_columns, *spec.columns)


def _column_summary(results, name: str, spec: ReportSpec) -> dict:
    """One pack column over the visits in scope: how many have a value, and the sum (numbers)
    or the most frequent values (everything else)."""
    import polars as pl

    declared = spec.result_columns.get(name)
    series = results[name] if name in results.columns else pl.Series(name, [], dtype=pl.Utf8)
    filled = series.drop_nulls()
    unit = declared.unit if declared else None
    if isinstance(filled.dtype, pl.Datetime) and filled.len():
        # an instant is counted as the report prints it everywhere: port-local, each visit
        # in its own port's zone (the same UTC instant at two ports is two texts)
        zones = (results["port_timezone"] if "port_timezone" in results.columns
                 else pl.Series([None] * results.height))
        local = [fmt.local_time(v, tz) for v, tz in zip(series, zones, strict=True)
                 if v is not None]
        filled = pl.Series(name, local, dtype=pl.Utf8)
    counts = (pl.DataFrame({"v": filled}).group_by("v").len()
              .sort(["len", "v"], descending=[True, False]).rows()) if filled.len() else []
    if filled.dtype.is_numeric() and len(counts) > VALUES_SHOWN:
        # many different numbers (minutes, hours): their range and total
        numbers = filled.cast(pl.Float64)
        values = (f"{value_text(numbers.min(), None, unit)} to "
                  f"{value_text(numbers.max(), None, unit)}, "
                  f"total {value_text(float(numbers.sum()), None, unit)}")
    else:
        shown = [f"{value_text(v, None, unit)} ({n})" for v, n in counts[:VALUES_SHOWN]]
        if len(counts) > VALUES_SHOWN:
            shown.append(f"{len(counts) - VALUES_SHOWN} more values")
        values = ", ".join(shown) or fmt.DASH
    return {"name": name, "label": column_label(name, spec),
            "description": declared.description if declared else "",
            "type": declared.type if declared else str(series.dtype),
            "visits": fmt.integer(filled.len()), "summary": values}


def chapter(results, finding_rows: list[dict], rules: dict, by_visit: dict,
            spec: ReportSpec) -> dict | None:
    """The pack's own chapter, when its `[report]` names one: its summary, its result columns
    over the visits in scope, and for each of its rules the first findings with their labelled
    evidence (the findings CSV has all of them)."""
    if not spec.section_title:
        return None
    names = list(dict.fromkeys([*spec.result_columns, *spec.columns]))
    per_rule: dict[str, list[dict]] = {}
    for f in sorted(finding_rows, key=lambda f: (f["rule_id"], f["visit_id"], f["finding_id"])):
        per_rule.setdefault(f["rule_id"], []).append(f)
    groups = []
    for rule_id in sorted(per_rule, key=lambda r: (
            SEVERITY_ORDER.get(per_rule[r][0]["severity"], 3), r)):
        found = per_rule[rule_id]
        rule = rules.get(rule_id)
        shown = []
        for f in found[:EVIDENCE_PER_RULE]:
            v = by_visit.get(f["visit_id"], {})
            tz = v.get("port_timezone")
            minutes = f.get("minutes")
            shown.append({
                "visit_id": f["visit_id"],
                "vessel": v.get("vessel_name") or fmt.DASH,
                "message": f["message"],
                "minutes": fmt.minutes(minutes) if minutes is not None else None,
                "evidence": evidence_items(f["evidence_data"], spec, tz),
            })
        groups.append({"rule_id": rule_id, "title": rule.title if rule else rule_id,
                       "severity": found[0]["severity"], "n": len(found), "findings": shown,
                       "more": len(found) - len(shown)})
    return {
        "title": spec.section_title,
        "summary": spec.summary,
        "columns": [_column_summary(results, n, spec) for n in names],
        "groups": groups,
        "bases": [{"code": b.name, "verdicts": ", ".join(b.verdicts), "meaning": b.description}
                  for b in spec.bases.values()],
        "per_rule": EVIDENCE_PER_RULE,
    }
