"""The interim warning for the open CARB "fleet" question (docs/regulations-carb.md § 8.1).

The CARB pack grants a fleet's VIEs to one fleet name (case and spaces ignored) over every
vessel type and California port; secondary sources read a fleet as one vessel type (perhaps at
one port), under which a pooled allowance is the lenient count. Until § 93130.2(b) is read,
every command that reads a run (its warnings: berthcheck/run_warnings.py) says where the
reading matters: one warning per fleet and claim year whose VIE claims were judged while its
previous-year visits (loaded visits, `visit_counts` rows) are of more than one vessel type.
Verdicts, findings and the pack are untouched: this only reads.
"""

from __future__ import annotations

from berthcheck import store

SECTION = "docs/regulations-carb.md § 8.1"
# verdicts under which no claim was judged: the visit needs no control (not applicable, or
# exempt: low activity terminal, a whole-visit exception), so its VIE is not counted
_UNJUDGED = ("not_applicable", "exempt")

_CLAIMS_SQL = """
SELECT DISTINCT v.visit_id, v.fleet,
    year(timezone(coalesce(p.timezone, 'UTC'), v.departure)) AS year
FROM visits v
LEFT JOIN ports p ON p.port = v.port
WHERE v.fleet IS NOT NULL
  AND v.visit_id IN (SELECT visit_id FROM events WHERE kind = 'vie')
"""

# the vessel types of the fleets' visits in the count years, as the pack counts them: loaded
# visits at ports under the At-Berth regulation, ocean-going vessels only (port-local departure
# year), and every type named in the fleets' visit_counts rows of those years; by the names as
# written (folded in Python, `scope.fleet_key`, as the claims' names are)
_TYPES_SQL = r"""
SELECT DISTINCT v.fleet, year(timezone(coalesce(p.timezone, 'UTC'), v.departure)) AS year,
    v.vessel_type
FROM visits v
JOIN ports p ON p.port = v.port AND p.carb_at_berth
WHERE v.fleet IS NOT NULL AND v.vessel_type IS NOT NULL
  -- the count years' departures give or take a day (any zone)
  AND v.departure >= timezone('UTC', make_timestamp($first, 1, 1, 0, 0, 0)) - INTERVAL 1 DAY
  AND v.departure < timezone('UTC', make_timestamp($last + 1, 1, 1, 0, 0, 0)) + INTERVAL 1 DAY
  AND NOT list_contains($not_ocean_going, v.vessel_type)
UNION
SELECT holder, year, vessel_type
FROM visit_counts
WHERE holder_kind = 'fleet' AND vessel_type IS NOT NULL AND year BETWEEN $first AND $last
"""


def applies(pack) -> bool:
    """Whether the pack grants VIEs to a fleet as the CARB pack does (its `vie_holder_kind`)."""
    holder = pack.parameters.get("vie_holder_kind")
    return holder is not None and holder.value == "fleet"


def count_year(pack, year: int) -> int:
    """The year whose visits a claim year's allowance counts, as stages/60_allowance.sql: the
    previous one, except in the first year (2023: the 2021 records, § 93130.11(a)(2))."""
    first = pack.parameters.get("allowance_initial_year")
    counted = pack.parameters.get("allowance_initial_count_year")
    if first is not None and counted is not None and year == int(first.value):
        return int(counted.value)
    return year - 1


def pooled_fleet_warnings(con, pack, results) -> list[str]:
    """Warning lines (without `warning: `), one per fleet and claim year, in a stable order."""
    import polars as pl

    if not applies(pack) or results is None or results.height == 0:
        return []
    claims = store.run(con, _CLAIMS_SQL)
    if not claims:
        return []
    judged = set(results.filter(
        pl.col("visit_id").is_in([visit_id for visit_id, _, _ in claims])
        & ~pl.col("verdict").is_in(_UNJUDGED))["visit_id"].to_list())
    from berthcheck.engine.scope import fleet_key

    # (fleet key, claim year) -> the spellings its judged claims carry
    holders: dict[tuple[str, int], set[str]] = {}
    for visit_id, fleet, year in claims:
        if visit_id in judged and year is not None:
            holders.setdefault((fleet_key(fleet), int(year)), set()).add(fleet)
    if not holders:
        return []
    wanted = {(key, count_year(pack, year)) for key, year in holders}
    years = [year for _, year in wanted]
    ocean = pack.parameters.get("not_ocean_going_types")
    rows = store.run(con, _TYPES_SQL, {
        "first": min(years), "last": max(years),
        "not_ocean_going": list(ocean.value) if ocean is not None else [],
    })
    types: dict[tuple[str, int], set[str]] = {}
    for fleet, year, vessel_type in rows:
        if (held := (fleet_key(fleet), int(year))) in wanted:
            types.setdefault(held, set()).add(vessel_type)
    lines = []
    for (key, year), spellings in sorted(holders.items()):
        counted = count_year(pack, year)
        kinds = sorted(types.get((key, counted), ()))
        if len(kinds) < 2:
            continue
        name = min(spellings)
        lines.append(
            f"fleet {name}: its {year} VIE allowance is pooled over the vessel types of its "
            f"{counted} visits ({', '.join(kinds)}): berthcheck counts one fleet per name "
            "across vessel types and ports, while a fleet may be one vessel type (an open "
            f"question, {SECTION}); if CARB's fleets are per type, name them so on the visits "
            "or load CARB's grants as allowances rows"
        )
    return lines
