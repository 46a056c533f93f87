"""`berthcheck sample`: a deterministic generator of realistic at-berth data.

It writes one month of Port of Los Angeles calls (the month of *departure*, port-local time)
as the CSV files `berthcheck load` reads: visits, shore power and capture sessions, events,
and the reference tables (berths, approved capture systems, VIE/TIE allowances, terminal
overrides). Same arguments -> byte-identical files: only `random.Random(seed)` draws, no wall
clock, rows in a fixed order, `\\n` line endings and fixed number formats.

What is realistic and what is invented (see also sample_data/README.md):

* Terminals and berth numbers follow POLA's layout (container terminals, the World Cruise
  Center, the WWL vehicle terminal, the liquid-bulk terminals, LAXT, Pasha). Which berths have
  shore power or barge capture is simplified.
* Operators, fleets, vessels and IMO numbers are fictional (IMO numbers are random but carry a
  valid check digit). Executive Order numbers `EO-AB-SAMPLE-..` are invented.
* Stays: container 1-3 days (POLA averages ~55 h, reference 5), cruise 8-12 h turnaround,
  ro-ro 12-30 h, tanker 24-48 h (the last three are unsourced placeholders).
* Loads: shore power draws 900-2 500 kW (container) and 6-11 MW (cruise, reference 5);
  capture inlet NOx 800-1 200 ppm, outlet 20-80 ppm (illustrative, not sourced).

The generator streams: visits are drawn in departure order and written as they are made, so
a million visits need little memory and stay linear in time.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from berthcheck import atomic
from berthcheck.errors import UsageError
from berthcheck.ingest.kinds import (
    ALLOWANCES,
    BERTHS,
    CAECS,
    CAPTURE,
    COVERAGE,
    EVENTS,
    SHORE_POWER,
    TERMINALS,
    VISIT_COUNTS,
    VISITS,
)
from berthcheck.sample_cn import CN_PORTS, generate_cn
from berthcheck.sample_eu import EU_FILES, EU_LAYOUTS, EuGenerator
from berthcheck.sample_la_dirty import write_dirty_readme
from berthcheck.sample_la_port import TYPES
from berthcheck.sample_la_tables import LaTables
from berthcheck.sample_la_visits import LaVisits
from berthcheck.sample_month import port_timezone
from berthcheck.sample_ships import imo_check_digit

FILES = {  # file stem -> the kind it loads as
    "berths": BERTHS,
    "caecs": CAECS,
    "terminals": TERMINALS,
    "allowances": ALLOWANCES,
    "visits": VISITS,
    "shore_power": SHORE_POWER,
    "capture": CAPTURE,
    "events": EVENTS,
    # the history the sample stands on: the previous year's counts behind its allowances, and
    # which years its visits cover completely (none: one month is never a complete year)
    "visit_counts": VISIT_COUNTS,
    "coverage": COVERAGE,
}

_ISO_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")


def imo_is_valid(imo: str) -> bool:
    return len(imo) == 7 and imo.isdigit() and imo_check_digit(imo[:6]) == int(imo[6])


def would_overwrite(out_dir: Path, *, port: str = "USLAX", dirty: bool = False) -> list[Path]:
    """The files `generate` would write that already exist in `out_dir` (`sample --out`
    refuses to overwrite them without --force)."""
    stems = EU_FILES if port in EU_LAYOUTS else tuple(FILES)
    names = [f"{stem}.csv" for stem in stems] + (["README.md"] if dirty else [])
    return [Path(out_dir) / n for n in names if (Path(out_dir) / n).exists()]


def generate(
    out_dir: Path,
    *,
    visits: int = 200,
    seed: int = 2026,
    month: str = "2026-10",
    port: str = "USLAX",
    dirty: bool = False,
) -> dict[str, Path]:
    """Write one month of sample data into `out_dir`; return {file stem: path}.

    `visits` calls depart in `month` (port-local time); two more arrive at the end of the month
    and leave just after it, across a DST change when there is one (2026-10: US DST ends
    2026-11-01). `dirty=True` plants about a dozen data-quality problems, each listed with
    its file, row and column in a README.md written beside the files.

    `port` picks the layout: an EU port with a layout of its own (NLRTM, Rotterdam: the FuelEU
    Maritime Art. 6 sample, berthcheck/sample_eu.py), a Chinese one (CNSHA, Shanghai: the
    cn-shore-power sample, berthcheck/sample_cn.py) or, for any other port, the Los Angeles
    layout.
    """
    if visits < 0:
        raise UsageError("visits must be >= 0")
    if not _ISO_MONTH.match(month):
        raise UsageError(f"month must look like YYYY-MM, not {month!r}")
    port_timezone(port)  # an unknown port is refused before the folder is made
    if port in CN_PORTS:  # China's shore-power sample (berthcheck/sample_cn.py)
        if dirty:
            raise UsageError("--dirty is available for the Los Angeles layout only")
        return generate_cn(Path(out_dir), visits=visits, seed=seed, month=month, port=port)
    if port in EU_LAYOUTS:
        if dirty:
            raise UsageError("--dirty is available for the Los Angeles layout only")
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        return EuGenerator(visits=visits, seed=seed, month=month, port=port).run(out_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    gen = _Generator(visits=visits, seed=seed, month=month, port=port, dirty=dirty)
    paths = gen.run(out_dir)
    if dirty:
        write_dirty_readme(out_dir / "README.md", gen.state.problems, gen)
    return paths


class _Generator(LaVisits, LaTables):
    """The Los Angeles month: its fleet and berths (sample_la_fleet.py), visits and sessions
    (sample_la_visits.py), planted problems (sample_la_dirty.py) and reference tables
    (sample_la_tables.py), streamed to the files in one pass."""

    def run(self, out_dir: Path) -> dict[str, Path]:
        codes = self._draw_types()
        counts = dict.fromkeys(TYPES, 0)
        for c in codes:
            counts[TYPES[c & 7]] += 1
        self._build_fleet(counts)
        scenarios = self._scenarios(counts)
        paths = {stem: out_dir / f"{stem}.csv" for stem in FILES}
        # every file appears complete, together, or none does (berthcheck.atomic)
        files = atomic.FileSet(what="sample data")
        handles = {stem: files.open(p) for stem, p in paths.items()}
        failed = True
        try:
            self.w = {}
            for stem, fh in handles.items():
                self.w[stem] = csv.writer(fh, lineterminator="\n")
                self.w[stem].writerow(FILES[stem].sample_column_names)
                self.state.rows[stem] = 1
            self.w_visits = self.w["visits"].writerow
            self.w_sp = self.w["shore_power"].writerow
            self.w_capture = self._count_capture
            self._write_berths()
            self._write_caecs()
            self.dirty_next = 0
            ordinals = [0] * len(TYPES)
            for code in codes:
                t = code & 7
                self._visit(code >> 3, TYPES[t], scenarios.get((t, ordinals[t])))
                ordinals[t] += 1
            self._dst_calls()
            if self.dirty:
                self._orphan_capture()
            self._write_terminals()
            self._write_allowances()
            failed = False
        finally:
            files.__exit__(RuntimeError if failed else None, None, None)
        return paths
