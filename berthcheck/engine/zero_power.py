"""The warning for a power demand at berth of 0 kW given on a non-compliant stay.

A pack that bills a non-compliant call by its power demand at berth (FuelEU's Art. 23(4)
penalty: EUR rate x kW x hours; its results column `power_demand_kw`) takes a visit's
`aux_power_kw` as that demand. 0 kW loads (CARB reads the same column for its emissions, where
0 is a legal value: auxiliary engines off), so a non-compliant FuelEU call given 0 kW was
billed EUR 0, or a port call's mean demand lowered, without a word: most likely a 0 standing
for "unknown", whose default the pack would have used. Results and findings are what the data
says (berthcheck does not guess a number the user did not give); every command that reads a
run (berthcheck/run_warnings.py) names the visits, so the user can empty the cell or confirm
it (docs/regulations-fueleu.md, "A power demand of 0 kW").
"""

from __future__ import annotations

from berthcheck import store

SHOWN = 10  # visit ids named in the line; the count covers the rest

# the few visits giving 0 (a filter on one column), matched to the results in Python: a list of
# every non-compliant id tested per visit row would cost rows x ids in a large store
_ZERO_SQL = "SELECT visit_id FROM visits WHERE aux_power_kw = 0"


def zero_power_warnings(con, results) -> list[str]:
    """One line (without `warning: `) naming the non-compliant visits of `results` whose
    `aux_power_kw` is 0, for a pack whose results carry `power_demand_kw`; else none."""
    import polars as pl

    if results is None or results.height == 0 or "power_demand_kw" not in results.columns:
        return []
    zero_kw = {row[0] for row in store.run(con, _ZERO_SQL)}
    if not zero_kw:
        return []
    zero = sorted(set(results.filter(pl.col("verdict") == "non_compliant")["visit_id"].to_list())
                  & zero_kw)
    if not zero:
        return []
    named = ", ".join(zero[:SHOWN]) + (f" and {len(zero) - SHOWN} more" if len(zero) > SHOWN
                                        else "")
    return [f"{len(zero)} non-compliant visit(s) give aux_power_kw 0 ({named}): the penalty "
            "bills the power demand at berth, so their port call's penalty is EUR 0, or lower "
            "where another stay of the call gives a demand; if 0 stands for unknown, leave the "
            "cell empty and the pack's default demand for the ship's type and size is used "
            "(docs/regulations-fueleu.md)"]
