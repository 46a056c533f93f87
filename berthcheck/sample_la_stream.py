"""What the Los Angeles generator's parts share (berthcheck/sample.py assembles them): the
stream's counters and planted problems, the port's berths as looked up per visit, the zone's
offset changes, and writing a row with its row number."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from berthcheck.sample_la_port import TERMINALS
from berthcheck.sample_month import EPOCH, PortMonth, epoch_minute

# Today, as far as the sample is concerned: no visit report is dated after this.
REPORT_CUTOFF = datetime(2026, 11, 20, 23, 59)


@dataclass
class Problem:
    """A data-quality problem planted in the dirty sample, as its README lists it."""

    code: str
    file: str
    row: int
    column: str
    value: str
    why: str


@dataclass
class _State:
    """Counters the stream keeps."""

    rows: dict[str, int] = field(default_factory=dict)  # file stem -> last row number written
    fleet_vies: dict[str, int] = field(default_factory=dict)
    terminal_visits: dict[str, int] = field(default_factory=dict)
    tie_terminals: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class LaStream(PortMonth):
    """The Los Angeles month's state, shared by the generator's parts (fleet, visits, dirty
    problems, reference tables: one class each, combined in berthcheck/sample.py)."""

    # the files' writers, set by `run` once every file is open
    w: dict[str, Any]
    w_visits: Callable[[list[str]], Any]
    w_sp: Callable[[list[str]], Any]
    w_capture: Callable[[list[str]], None]
    dirty_next: int  # the next of the visit problems to plant (dirty runs)

    def __init__(self, *, visits: int, seed: int, month: str, port: str, dirty: bool):
        super().__init__(visits=visits, seed=seed, month=month, port=port)
        self.seed = seed
        self.month = month
        self.dirty = dirty
        cutoff = datetime(REPORT_CUTOFF.year, REPORT_CUTOFF.month, REPORT_CUTOFF.day,
                          REPORT_CUTOFF.hour, REPORT_CUTOFF.minute, tzinfo=self.tz)
        self.report_cap = epoch_minute(cutoff) if self.start <= epoch_minute(cutoff) else None
        self.expiry = self.first_day + timedelta(days=14)  # EO-AB-SAMPLE-03 ends on the 15th
        self.terminals = {t[0]: t for t in TERMINALS}
        self.shore_berths = {b for t in TERMINALS if t[3] for b in t[2]}
        self.capture_berths = {b for t in TERMINALS for b in t[4]}
        self.berth_free: dict[str, int] = {b: -(10**9) for t in TERMINALS for b in t[2]}
        self.state = _State()
        self.seq = 0

    def _transition_near(self, minute: int) -> int | None:
        """The UTC minute of a zone offset change within two days of `minute`, if any."""
        def offset(m: int):
            return (EPOCH + timedelta(minutes=m)).astimezone(self.tz).utcoffset()

        lo, hi = minute - 2 * 1440, minute + 2 * 1440
        if offset(lo) == offset(hi):
            return None
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if offset(mid) == offset(lo):
                lo = mid
            else:
                hi = mid
        return hi

    def _write(self, stem: str, row: list[str]) -> int:
        """Write a row and return its row number (header = 1). The hot path of a clean run
        writes visits, sessions and capture rows straight to their writers instead; row
        numbers matter only for the dirty README, and capture's orphan row is written last
        after counting the file's rows."""
        self.w[stem].writerow(row)
        self.state.rows[stem] += 1
        return self.state.rows[stem]

    def _count_capture(self, row: list[str]) -> None:
        self.w["capture"].writerow(row)
        self.state.rows["capture"] += 1
