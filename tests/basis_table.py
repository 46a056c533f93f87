"""Each pack's view of the data contract's table of bases (berthcheck/engine/bases.py): the
engine's table lists `short_visit` under both compliant (CARB) and exempt (FuelEU, China); the
tests hold each pack to the one verdict its regulation gives it. Used by the fixture runner
(every case) and tests/test_basis_verdict.py (the sample months).
"""

from __future__ import annotations

from berthcheck.engine.bases import CONTRACT_BASES as BASES
from berthcheck.engine.bases import JOINED, pack_basis_table
from berthcheck.engine.bases import basis_problems as _problems
from berthcheck.engine.pack import load_pack

# FuelEU's short_visit is exempt, CARB's compliant (contract: "and FuelEU short_visit")
_CONTRACT_BASES = {
    "carb-at-berth-2020": {**BASES, "exempt": BASES["exempt"] - {"short_visit"}},
    "fueleu-art6": {**BASES, "compliant": BASES["compliant"] - {"short_visit"}},
    # China's Art. 11: a stay not over the threshold is exempt (shore power only encouraged)
    "cn-shore-power": {**BASES, "compliant": BASES["compliant"] - {"short_visit"}},
}
# plus each pack's own `[[bases]]`, as the engine adds them
PACK_BASES = {pack_id: pack_basis_table(load_pack(pack_id), table)
              for pack_id, table in _CONTRACT_BASES.items()}

__all__ = ["BASES", "JOINED", "PACK_BASES", "basis_problems"]


def basis_problems(pack_id: str, rows) -> list[str]:
    """(visit_id, verdict, basis) rows -> one message per pair the pack's table does not allow."""
    return _problems(PACK_BASES[pack_id], rows)
