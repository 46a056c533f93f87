"""What to load so that history-dependent CARB provisions can be judged.

Low activity status (§ 93130.10(a)) and computed VIE/TIE allowances (§ 93130.11) need yearly
visit counts. Loaded visits alone are never a count, so when a count is missing the pack says
so per visit (AB03: terminal treated as regulated; AB11: VIE/TIE not honoured). A TIE's place
among its terminal's claims of the year needs the year's claims, which are known to be loaded
only for a port-year declared complete (AB26: TIE not honoured). `check` then prints one
warning line per missing count (per terminal and year for AB26), gathered from those findings'
evidence, so the user sees at once what to load instead of reading every finding.
"""

from __future__ import annotations

import json

# rule id -> what its evidence says is missing
_TERMINAL_RULE = "AB03"
_ALLOWANCE_RULE = "AB11"
_CLAIMS_RULE = "AB26"


def what_to_load(findings) -> list[str]:
    """Warning lines (empty when nothing is missing), one per holder, in a stable order."""
    import polars as pl

    if findings is None or findings.height == 0 or "rule_id" not in findings.columns:
        return []
    wanted = findings.filter(pl.col("rule_id").is_in([_TERMINAL_RULE, _ALLOWANCE_RULE,
                                                      _CLAIMS_RULE]))
    terminals: dict[tuple[str, str, str], set[str]] = {}
    holders: dict[tuple[str, str, str], set[int]] = {}
    claim_years: dict[tuple[str, str, str, int], int] = {}
    visits: dict[tuple, int] = {}
    for rule_id, evidence in wanted.select("rule_id", "evidence").iter_rows():
        data = json.loads(evidence)
        if rule_id == _TERMINAL_RULE:
            key = (data["port"], data["terminal"], data["vessel_type"])
            years = data.get("missing_years") or ""
            terminals.setdefault(key, set()).update(y for y in years.split(", ") if y)
            visits[("t", *key)] = visits.get(("t", *key), 0) + 1
        elif rule_id == _CLAIMS_RULE:
            key4 = (data["claim"], data["holder"], data.get("port") or "", int(data["year"]))
            claim_years[key4] = claim_years.get(key4, 0) + 1
        elif data.get("reason") == "unknown":
            key = (data["holder_kind"], data["holder"], data.get("port") or "")
            holders.setdefault(key, set()).add(int(data["missing_year"]))
            visits[("h", *key)] = visits.get(("h", *key), 0) + 1
    lines = []
    for (port, terminal, vessel_type), years in sorted(terminals.items()):
        n = visits[("t", port, terminal, vessel_type)]
        lines.append(
            f"warning: {n} visit(s) at terminal {terminal} ({port}, {vessel_type}) treated as "
            f"regulated: load visit-counts for {', '.join(sorted(years))} (holder_kind terminal, "
            f"holder {terminal}, port {port}, vessel_type {vessel_type}), or that port's "
            f"complete visits of those years with coverage rows (kind port, holder {port}), "
            "or a terminals row"
        )
    for (kind, holder, port), years in sorted(holders.items()):
        n = visits[("h", kind, holder, port)]
        claim = "VIE" if kind == "fleet" else "TIE"
        where = f" at {port}" if port else ""
        cover = f"kind fleet, holder {holder}" if kind == "fleet" else f"kind port, holder {port}"
        lines.append(
            f"warning: {n} {claim} claim(s) of {kind} {holder}{where} not honoured: load an "
            f"allowances row, or visit-counts for {', '.join(str(y) for y in sorted(years))}, or "
            f"the complete visits of that year with a coverage row ({cover})"
        )
    for (claim, holder, port, year), n in sorted(claim_years.items()):
        lines.append(
            f"warning: {n} {claim.upper()} claim(s) of terminal {holder} at {port} in {year} not "
            "honoured: other claims at the terminal that year may not be loaded. Load the "
            f"complete {year} visits of {port} (with the terminal's claims) and a coverage row "
            f"(kind port, holder {port}, year {year})"
        )
    return lines
