"""The dirty Los Angeles sample (`sample --dirty`): the data-quality problems planted among
clean rows, and the README that lists each by file, row, column and reason."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from berthcheck import atomic
from berthcheck.ingest.kinds import VISITS
from berthcheck.sample_la_port import PROVIDER, SYS_BARGE_A
from berthcheck.sample_la_stream import LaStream, Problem
from berthcheck.sample_month import EPOCH, epoch_minute

_VISIT_PROBLEMS = (
    "bad_imo", "unknown_type", "departure_before_arrival", "ambiguous_time",
    "nonexistent_time", "bad_bool", "bad_port", "duplicate_id",
)


class LaDirty(LaStream):
    """The dirty run's problems, planted as the visit and session rows are written."""

    def _emit_visit(self, row: list[str], quiet: bool) -> None:
        if not (self.dirty and quiet and self.dirty_next < len(_VISIT_PROBLEMS)
                and self.seq >= (self.dirty_next + 1) * self.n // 12):
            self._write("visits", row)
            return
        code = _VISIT_PROBLEMS[self.dirty_next]
        self.dirty_next += 1
        col = VISITS.column_names.index
        plant = self._plant_visit(code, row, col)
        if plant is None:
            self._write("visits", row)
            return
        column, why = plant
        if code == "duplicate_id":
            self._write("visits", row)
            dup = list(row)
            dup[col("berth")] = _other_berth(self.terminals[row[col("terminal")]][2],
                                             row[col("berth")])
            dup[col("reported_at")] = ""
            n = self._write("visits", dup)
            self._problem(code, "visits", n, column, dup[col(column)], why)
            return
        n = self._write("visits", row)
        self._problem(code, "visits", n, column, row[col(column)], why)

    def _plant_visit(self, code: str, row: list[str], col) -> tuple[str, str] | None:
        if code == "bad_imo":
            imo = row[col("imo")]
            row[col("imo")] = imo[:6] + str((int(imo[6]) + 3) % 10)
            return "imo", "check digit does not match the first six digits"
        if code == "unknown_type":
            row[col("vessel_type")] = "submarine"
            return "vessel_type", "not a vessel type of the contract nor an accepted alias"
        if code == "departure_before_arrival":
            arr = row[col("arrival")]
            m = self._parse_local(arr)
            row[col("departure")] = self.clock.local(m - 180, "T" in arr)
            row[col("ready_to_work")] = row[col("pilot_on_board")] = ""
            return "departure", "departure is three hours before arrival"
        if code == "ambiguous_time":
            t = self._fall_back_after(self.start)
            if t is None:
                return None
            wall = (EPOCH + timedelta(minutes=t + 30)).astimezone(self.tz)
            row[col("reported_at")] = f"{wall:%Y-%m-%d %H:%M}"
            return "reported_at", ("naive local time in the repeated fall-back hour: it happens "
                                   "twice, so it names no single instant")
        if code == "nonexistent_time":
            gap = self._spring_gap_after(self.start)
            if gap is None:
                return None
            row[col("reported_at")] = gap
            return "reported_at", ("naive local time inside the spring-forward gap: clocks jump "
                                   "from 02:00 to 03:00, so it never happened")
        if code == "bad_bool":
            row[col("shore_power_capable")] = "maybe"
            return "shore_power_capable", "not a boolean (true/false/yes/no/y/n/1/0)"
        if code == "bad_port":
            row[col("port")] = self.port[2:]
            return "port", "not a UN/LOCODE (5 characters: country + location)"
        if code == "duplicate_id":
            return "visit_id", ("visit_id already used by the row above, with a different berth "
                                "(different content)")
        raise AssertionError(code)

    def _emit_sp(self, row: list[str], single_ok: bool) -> None:
        st = self.state
        if self.dirty and single_ok:
            done = {p.code for p in st.problems}
            if "negative_energy" not in done and self.seq >= self.n // 4 and row[4]:
                row[4] = "-" + row[4]
                n = self._write("shore_power", row)
                self._problem("negative_energy", "shore_power", n, "energy_kwh", row[4],
                              "metered energy must be >= 0")
                return
            if "overlapping_sessions" not in done and self.seq >= self.n // 2:
                self._write("shore_power", row)
                s = self._parse_local(row[2])
                e = self._parse_local(row[3])
                second = [row[0][:-1] + "2", row[1], self.clock.local(s + 120),
                          self.clock.local(min(s + 300, e - 10)), "", row[5]]
                n = self._write("shore_power", second)
                self._problem("overlapping_sessions", "shore_power", n, "connected", second[2],
                              f"overlaps session {row[0]} of the same visit (row {n - 1})")
                return
        self._write("shore_power", row)

    def _orphan_capture(self) -> None:
        vid = f"{self.prefix}{'9' * self.width}"
        m = self.end - 30 * 60
        row = [f"{vid}-CC1", vid, SYS_BARGE_A, PROVIDER[SYS_BARGE_A],
               self.clock.local(m - 600), self.clock.local(m), "1010", "41.0"]
        n = self._write("capture", row)
        self._problem("unknown_visit", "capture", n, "visit_id", vid,
                      "no visit with this visit_id exists")

    def _problem(self, code, file, row, column, value, why) -> None:
        self.state.problems.append(Problem(code, f"{file}.csv", row, column, value, why))

    def _parse_local(self, text: str) -> int:
        """Back from a string this generator wrote to epoch minutes."""
        if "T" in text:
            return epoch_minute(datetime.fromisoformat(text.replace("Z", "+00:00")))
        return epoch_minute(datetime.fromisoformat(text).replace(tzinfo=self.tz))

    def _offsets_around(self, t: int) -> tuple[timedelta, timedelta]:
        """The zone's UTC offsets the minute before `t` and at `t`."""
        before = (EPOCH + timedelta(minutes=t - 1)).astimezone(self.tz).utcoffset()
        after = (EPOCH + timedelta(minutes=t)).astimezone(self.tz).utcoffset()
        assert before is not None and after is not None  # aware times: never None
        return before, after

    def _next_change(self, minute: int, *, back: bool) -> tuple[int, timedelta] | None:
        """The first change of the zone's offset after `minute` (within 400 days) that turns
        the clocks back (`back`) or forward: its UTC minute and how far the clocks move."""
        for day in range(0, 400, 2):
            t = self._transition_near(minute + day * 1440 + 1440)
            if t is not None:
                before, after = self._offsets_around(t)
                if (after < before) if back else (after > before):
                    return t, after - before
        return None

    def _fall_back_after(self, minute: int) -> int | None:
        """UTC minute where the first fall-back after `minute` starts repeating local time."""
        change = self._next_change(minute, back=True)
        return None if change is None else change[0]  # local time repeats from here

    def _spring_gap_after(self, minute: int) -> str | None:
        """A naive local time that does not exist: the middle of the next spring-forward gap."""
        change = self._next_change(minute, back=False)
        if change is None:
            return None
        t, step = change
        wall = (EPOCH + timedelta(minutes=t)).astimezone(self.tz).replace(tzinfo=None) - step / 2
        return f"{wall:%Y-%m-%d %H:%M}"


def _other_berth(berths: tuple[str, ...], berth: str) -> str:
    others = [b for b in berths if b != berth]
    return others[0] if others else berth + "A"


def write_dirty_readme(path: Path, problems: list[Problem], gen: LaStream) -> None:
    lines = [
        "# Dirty sample: planted data-quality problems",
        "",
        f"Generated by `berthcheck.sample.generate(..., visits={gen.n}, seed={gen.seed}, "
        f"month=\"{gen.month}\", port=\"{gen.port}\", dirty=True)`. The files are the clean "
        "sample with the problems below mixed in; every other row is valid. Row numbers are "
        "as in the file (the header is row 1). Naive times are local time at the port "
        f"({gen.tz.key}).",
        "",
        "| problem | file | row | column | value | why |",
        "|---|---|---|---|---|---|",
    ]
    for p in problems:
        value = p.value.replace("|", "\\|")
        lines.append(f"| {p.code} | {p.file} | {p.row} | {p.column} | `{value}` | {p.why} |")
    atomic.write_bytes(path, ("\n".join(lines) + "\n").encode("utf-8"), what="sample README")
