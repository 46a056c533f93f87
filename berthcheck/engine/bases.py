"""The data contract's table of bases (docs/contract.md 4, "Results") and the check that a
pack's results keep it, extended by the bases the pack declares (`[[bases]]` in pack.toml).

A result's basis is one or more parts joined by '+'. Each part must be a basis of the row's
verdict, or one of the exception kinds that are joined to a compliant / non-compliant verdict
where they excused part of the window (CARB: remediation, emergency; FuelEU Art. 6(5):
emergency, ops_unavailable, ops_incompatible, zero_emission_tech over part of the stay, and a
connection allowance). A basis made only of joined parts must not also be a basis of another
verdict (so `compliant` + `zero_emission_tech` cannot pass for an exemption).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

# `short_visit` is compliant for CARB (an empty window) and exempt for FuelEU and
# cn-shore-power (a stay under the threshold): the contract lists it under both verdicts.
CONTRACT_BASES: dict[str, frozenset[str]] = {
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

JOINED = frozenset({
    "remediation", "emergency", "ops_unavailable", "ops_incompatible", "zero_emission_tech",
    "connection_allowance",
})

BasisTable = Mapping[str, frozenset[str]]


def pack_basis_table(pack, contract: BasisTable = CONTRACT_BASES) -> dict[str, frozenset[str]]:
    """`contract` (default: the contract's table) with the pack's declared `[[bases]]` added to
    their verdicts."""
    table = dict(contract)
    for basis in getattr(pack, "bases", ()):
        for verdict in basis.verdicts:
            table[verdict] = table[verdict] | {basis.name}
    return table


def basis_problems(table: BasisTable, rows: Iterable[tuple[str, str, str | None]]) -> list[str]:
    """(visit_id, verdict, basis) rows -> one message per pair the table does not allow."""
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
