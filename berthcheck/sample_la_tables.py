"""The Los Angeles sample's reference tables: berths, approved capture systems, regulated
terminals, VIE/TIE allowances and the previous year's counts behind them."""

from __future__ import annotations

from datetime import date

from berthcheck.sample_la_fleet import LaFleet, round_half_up
from berthcheck.sample_la_port import (
    SYS_BARGE_A,
    SYS_BARGE_B,
    SYS_EXPIRING,
    SYS_LAND,
    TERMINALS,
    TYPE_TERMINALS,
)


class LaTables(LaFleet):
    """The reference tables, written before (berths, systems) and after (terminals,
    allowances, history) the visits."""

    def _write_berths(self) -> None:
        for code, _name, berths, shore, capture in sorted(TERMINALS):
            for b in sorted(berths, key=lambda x: int(x[1:])):
                flag = "true" if shore else "false"
                self._write("berths", [self.port, code, b, flag,
                                       "true" if b in capture else "false", flag])

    def _write_caecs(self) -> None:
        y = self.year
        rows = [
            (SYS_BARGE_A, "Barge capture system A (fictional EO, sample data)",
             date(y - 2, 1, 1), None),
            (SYS_BARGE_B, "Barge capture system B (fictional EO, sample data)",
             date(y - 3, 1, 1), None),
            (SYS_EXPIRING, "Barge capture system C, approval ended mid-month (fictional EO)",
             date(y - 1, 2, 1), self.expiry),
            (SYS_LAND, "Land-based capture system for ro-ro (fictional EO, sample data)",
             date(y - 1, 6, 15), None),
        ]
        for sid, name, start, end in rows:
            self._write("caecs", [sid, name, start.isoformat(), end.isoformat() if end else ""])

    def _write_terminals(self) -> None:
        # A port's environmental team knows which terminals are regulated for which vessel
        # types this year, so the sample says so instead of leaving the status to be assumed;
        # Pasha is a low-activity terminal for ro-ro.
        low_activity = {("PASHA", "roro")}
        rows = sorted(
            (term, vtype)
            for vtype in ("container", "reefer", "passenger", "roro", "tanker")
            for term in TYPE_TERMINALS[vtype]
        )
        for term, vtype in rows:
            regulated = "false" if (term, vtype) in low_activity else "true"
            self._write("terminals", [self.port, term, vtype, str(self.year), regulated])

    def _write_allowances(self) -> None:
        st = self.state
        for fleet in sorted(self.granted):
            self._write("allowances", [str(self.year), "fleet", fleet, str(self.granted[fleet]),
                                       ""])
        terms = sorted({"TRAPAC", "YTI", "EVERPORT", *st.tie_terminals})
        terminal_previous_year = {}
        for term in terms:
            previous_year = round(st.terminal_visits.get(term, 0) * 12 * self.rng.uniform(0.9, 1.1))
            terminal_previous_year[term] = previous_year
            granted = max(1, round_half_up(previous_year * 0.05))
            # a TIE belongs to a terminal at its port (17 CCR 93130.11)
            self._write("allowances", [str(self.year), "terminal", term, str(granted),
                                       self.port])
        self._write_history(terminal_previous_year)

    def _write_history(self, terminal_previous_year: dict[str, int]) -> None:
        """The previous year's counts the allowances were granted from, as a port and CARB
        report them (visit-counts), and the coverage of the loaded visits: none, since one
        month is never a complete year, so the loaded visits are never read as a count."""
        previous = str(self.year - 1)
        for fleet in sorted(self.fleet_previous_year):
            self._write("visit_counts", [previous, "fleet", fleet, "", "",
                                         str(self.fleet_previous_year[fleet]), "carb-jan7"])
        for term in sorted(terminal_previous_year):
            self._write("visit_counts", [previous, "terminal", term, self.port, "",
                                         str(terminal_previous_year[term]), "wharfinger"])
