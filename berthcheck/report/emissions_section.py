"""The emissions section: the run's emission columns summed per pollutant (excess, at berth,
avoided), the avoided mass by the control the visits used, and where the loads came from."""

from __future__ import annotations

import re

from berthcheck.report import fmt
from berthcheck.report.run import fetch_for_visits
from berthcheck.report.values import number_or_zero

POLLUTANT_ORDER = ("nox", "pm25", "rog", "co2")
# the table printed "CO₂" above "SO2": every formula is written with its subscript
POLLUTANT_LABELS = {"nox": "NOx", "pm25": "PM2.5", "rog": "ROG", "co2": "CO₂", "so2": "SO₂",
                    "sox": "SOx", "pm10": "PM10", "co": "CO", "ch4": "CH₄", "n2o": "N₂O",
                    "dpm": "DPM"}
EMISSION_COLUMN = re.compile(r"^(excess|at_berth|avoided)_([a-z0-9]+)_kg$")
# the results' load_source codes as the Data quality chapter says them: it printed
# "by source: default_size_bin 115, default_type 52, given 33"
LOAD_SOURCE_WORDS = {
    "given": "the visit's own aux_power_kw",
    "default_size_bin": "the default for the vessel type and size",
    "default_type": "the default for the vessel type alone",
}
CONTROL_TYPES = ("shore power", "capture", "shore power + capture", "none")


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
        pairs = {v: (number_or_zero(sp) > 0, number_or_zero(cap) > 0) for v, sp, cap in rows}
    else:
        frame = fetch_for_visits(
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


def emissions(con, results) -> dict:
    import polars as pl

    columns = _emission_columns(results)
    if not columns:
        return {"available": False}
    pollutants = _pollutant_order(columns)
    rows = []
    for p in pollutants:
        row: dict[str, object] = {"pollutant": p, "label": POLLUTANT_LABELS.get(p, p.upper())}
        for kind in ("excess", "at_berth", "avoided"):
            name = columns[p].get(kind)
            # a column no visit has a value in (a pack returning no shore_power_hours) is
            # not available, not zero
            known = bool(name) and results.height > results[name].null_count()
            total = results[name].fill_null(0).sum() if known else None
            row[kind] = total
            row[f"{kind}_text"] = fmt.mass_kg(total) if known else fmt.DASH
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
        counts = dict(results.group_by("load_source").len().iter_rows())
        for source in (*LOAD_SOURCE_WORDS, None):
            if counts.get(source):
                load_sources.append({"source": source or fmt.DASH, "n": counts[source],
                                     "words": LOAD_SOURCE_WORDS.get(source or "",
                                                                    "no load known")})
    return {"available": True, "rows": rows, "by_control": by_control,
            "load_sources": load_sources}
