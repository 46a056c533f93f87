"""Each pack's view of the data contract's table of bases (berthcheck/engine/bases.py): the
engine's table lists `short_visit` under both compliant (CARB) and exempt (FuelEU, China); the
tests hold each pack to the one verdict its regulation gives it. Used by the fixture runner
(every case) and tests/test_basis_verdict.py (the sample months).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from berthcheck.engine.bases import CONTRACT_BASES as BASES
from berthcheck.engine.bases import JOINED
from berthcheck.engine.bases import basis_problems as _problems

RULES = Path(__file__).resolve().parent.parent / "rules"


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

__all__ = ["BASES", "JOINED", "PACK_BASES", "basis_problems"]


def basis_problems(pack_id: str, rows) -> list[str]:
    """(visit_id, verdict, basis) rows -> one message per pair the pack's table does not allow."""
    return _problems(PACK_BASES[pack_id], rows)
