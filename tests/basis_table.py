"""The data contract's table of bases (section 4, "Results"): each basis belongs to exactly
one verdict, plus the bases a pack declares itself (pack.toml `[[bases]]`). Used by the fixture
runner (every case) and tests/test_basis_verdict.py (the sample months), for every pack.

A result's basis is one or more parts joined by '+'. Each part must be a basis of the row's
verdict, or one of the exception kinds that are joined to a compliant / non-compliant verdict
where they excused part of the window (CARB: remediation, emergency; FuelEU Art. 6(5):
emergency, ops_unavailable, ops_incompatible, zero_emission_tech over part of the stay, and a
connection allowance). A basis made only of joined parts must not also be a basis of another
verdict (so `compliant` + `zero_emission_tech` cannot pass for an exemption).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

RULES = Path(__file__).resolve().parent.parent / "rules"

BASES: dict[str, frozenset[str]] = {
    "compliant": frozenset({"controlled", "short_visit", "vie", "tie"}),
    "exempt": frozenset({
        "commissioning", "research", "innovative_concept", "low_activity_terminal",
        "zero_emission_tech", "unscheduled_call", "short_visit",
    }),
    "not_applicable": frozenset({
        "not_regulated_type", "not_ocean_going_vessel", "before_start_date",
        "below_gross_tonnage", "port_not_covered", "not_port_of_call",
    }),
    "non_compliant": frozenset({"uncontrolled"}),
    "insufficient_data": frozenset(),  # missing_<column>
}



def with_declared(pack_id: str, table: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    """`table` plus the pack's own bases (pack.toml `[[bases]]`, issue 20), each under the
    verdicts it declares."""
    data = tomllib.loads((RULES / pack_id / "pack.toml").read_text(encoding="utf-8"))
    out = dict(table)
    for basis in data.get("bases", []):
        for verdict in basis["verdicts"]:
            out[verdict] = out[verdict] | {basis["name"]}
    return out


# FuelEU's short_visit is exempt, CARB's compliant (contract: "and FuelEU short_visit")
_CONTRACT_BASES = {
    "carb-at-berth-2020": {**BASES, "exempt": BASES["exempt"] - {"short_visit"}},
    "fueleu-art6": {**BASES, "compliant": BASES["compliant"] - {"short_visit"}},
    # China's Art. 11: a stay not over the threshold is exempt (shore power only encouraged)
    "cn-shore-power": {**BASES, "compliant": BASES["compliant"] - {"short_visit"}},
}
PACK_BASES = {pack_id: with_declared(pack_id, table) for pack_id, table in _CONTRACT_BASES.items()}

JOINED = frozenset({
    "remediation", "emergency", "ops_unavailable", "ops_incompatible", "zero_emission_tech",
    "connection_allowance",
})


def basis_problems(pack_id: str, rows) -> list[str]:
    """(visit_id, verdict, basis) rows -> one message per pair the table does not allow."""
    table = PACK_BASES[pack_id]
    primary_anywhere = set().union(*table.values())
    problems = []
    for visit_id, verdict, basis in rows:
        parts = (basis or "").split("+")
        allowed = table.get(verdict)
        if allowed is None:
            problems.append(f"{visit_id}: unknown verdict {verdict!r}")
            continue
        for part in parts:
            ok = part in allowed
            if verdict == "insufficient_data":
                ok = part.startswith("missing_") and len(part) > len("missing_")
            elif verdict in ("compliant", "non_compliant") and part in JOINED:
                ok = True
            if not ok:
                problems.append(f"{visit_id}: basis part {part!r} does not belong to {verdict}")
        if (verdict in ("compliant", "non_compliant") and parts
                and all(p in JOINED for p in parts) and basis in primary_anywhere - allowed):
            problems.append(f"{visit_id}: basis {basis!r} is another verdict's, not {verdict}")
    return problems

