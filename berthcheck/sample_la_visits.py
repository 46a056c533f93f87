"""The Los Angeles sample's calls: the scripted scenarios, each visit's control sessions (shore
power or capture), its events and rows, and the two calls across the month's end."""

from __future__ import annotations

from berthcheck.sample_la_dirty import LaDirty
from berthcheck.sample_la_fleet import LaFleet, Vessel
from berthcheck.sample_la_port import (
    PROVIDER,
    SP_LOAD_KW,
    STAY_H,
    SYS_BARGE_A,
    SYS_BARGE_B,
    SYS_EXPIRING,
    SYS_LAND,
    SYS_UNLISTED,
    TYPES,
    UTC_PROVIDERS,
)
from berthcheck.sample_month import aux_default, draw, interrupted, scripted_calls

# scripted scenarios (`_scenarios`; a visit without one has None): the reserved ship, the
# control pattern and the capture system each forces
_RESERVED = {"coral_late_vie": "coral1", "coral_never_vie": "coral2", "commissioning": "newcomer",
             "anna": "anna", "luebeck": "luebeck"}
_SP_SCENARIO_PATTERN: dict[str | None, str] = {
    "coral_late_vie": "late", "coral_never_vie": "never", "gap_emergency": "gap", "tie": "never",
    "research": "never", "early_emergency": "early", "commissioning": "ok",
}
_CC_SCENARIO_PATTERN: dict[str | None, str] = {
    "late_remediation": "late", "capture_gap": "gap", "unlisted_system": "ok",
    "expired_system": "ok", "missing_ppm": "ok",
}
_SYSTEM_SCENARIO: dict[str | None, str] = {
    "unlisted_system": SYS_UNLISTED, "expired_system": SYS_EXPIRING,
}
# how control goes when it is attempted: cumulative shares, the rest is on time ("ok")
_SP_PATTERNS = ((0.04, "never"), (0.08, "late"), (0.11, "early"), (0.14, "gap"))
_CC_PATTERNS = ((0.06, "late"), (0.09, "early"), (0.12, "gap"))
_CAPTURE_SERVED = {"tanker": 0.88, "roro": 0.85, "container": 0.7}
_VIE_NOTES = {
    "late": "Late connection: crew delayed plugging in; VIE assigned by the fleet representative",
    "early": "Early disconnection for a cable fault; VIE assigned by the fleet representative",
    "never": "Vessel did not connect (shore power breaker defect); VIE assigned by the fleet",
}
_RANDOM_ALIAS = {"passenger": "Cruise", "roro": "PCTC", "reefer": "Refrigerated Cargo",
                 "general_cargo": "general cargo"}


class LaVisits(LaFleet, LaDirty):
    """The Los Angeles generator's calls: each visit with its sessions and events, written
    as it is made."""

    def _scenarios(self, counts: dict[str, int]) -> dict[tuple[int, int], str]:
        """(type index, ordinal among that type's calls) -> scripted scenario."""
        plan = {
            "container": (
                (0.10, "coral_late_vie"), (0.20, "commissioning"), (0.25, "no_rtw"),
                (0.35, "gap_emergency"), (0.40, "no_pob"), (0.45, "anna"),
                (0.55, "coral_never_vie"), (0.62, "luebeck"), (0.70, "tie"), (0.85, "research"),
            ),
            "passenger": ((0.3, "alias:cruise"), (0.5, "early_emergency"), (0.8, "no_pob")),
            "reefer": ((0.5, "alias:refrigerated cargo"),),
            "roro": ((0.2, "alias:Ro-Ro"), (0.6, "alias:vehicle carrier")),
            "tanker": (
                (0.3, "late_remediation"), (0.45, "unlisted_system"), (0.6, "capture_gap"),
                (0.8, "expired_system"), (0.9, "missing_ppm"),
            ),
            "general_cargo": ((0.5, "alias:General Cargo"),),
        }
        return {(TYPES.index(vtype), k): name
                for (vtype, k), name in scripted_calls(counts, plan).items()}

    def _visit(self, dep: int, vtype: str, scen: str | None, fixed: dict | None = None) -> None:
        """Make one call and write its rows. `fixed` pins times, vessel, sessions (DST calls)."""
        rng = self.rng
        rand = rng.random
        st = self.state
        fixed = fixed or {}
        if fixed:
            arr, rtw, pob = fixed["arr"], fixed["rtw"], fixed["pob"]
        else:
            lo, hi, mode = STAY_H[vtype]
            arr = dep - int(rng.triangular(lo * 60, hi * 60, mode * 60))
            if vtype == "passenger":
                rtw, pob = arr + 30 + int(rand() * 31), dep - 30 - int(rand() * 31)
            else:
                rtw, pob = arr + 30 + int(rand() * 151), dep - 30 - int(rand() * 61)
        if scen in _RESERVED:
            vessel = self.reserved[_RESERVED[scen]]
        else:
            vessel = fixed.get("vessel") or self._pick_vessel(vtype, arr)
        if vessel.last_dep < dep:
            vessel.last_dep = dep
            if scen not in _RESERVED:
                self.idle[vtype].append((dep, vessel))
        term, berth = self._pick_berth(vessel, arr, dep)
        st.terminal_visits[term] = st.terminal_visits.get(term, 0) + 1
        self.seq += 1
        vid = self.prefix + str(self.seq).zfill(self.width)

        is_commissioned = False
        if vessel.capable:
            is_commissioned = not vessel.first_timer
            vessel.first_timer = False  # commissioned during (or before) this call

        # --- control: shore power or capture ---------------------------------------------
        sp_sessions: list[tuple[int, int]] = []
        cc_sessions: list[tuple[int, int]] = []
        pattern = "none"
        sp_possible = vessel.capable and berth in self.shore_berths and vtype in SP_LOAD_KW
        if sp_possible and (is_commissioned or scen == "commissioning"):
            pattern = _SP_SCENARIO_PATTERN.get(scen) or draw(rand(), _SP_PATTERNS)
            sp_sessions = fixed.get("sessions") or self._sessions(
                pattern, arr, rtw, pob, dep, vtype == "passenger")
            if not sp_sessions:
                pattern = "never"
        elif berth in self.capture_berths and (
            vtype in ("tanker", "roro") or (vtype == "container" and not vessel.capable)
        ):
            if rand() < _CAPTURE_SERVED[vtype] or scen in _CC_SCENARIO_PATTERN or fixed:
                pattern = _CC_SCENARIO_PATTERN.get(scen) or draw(rand(), _CC_PATTERNS)
                cc_sessions = fixed.get("sessions") or self._sessions(
                    pattern, arr, rtw, pob, dep, False)

        # --- events ----------------------------------------------------------------------
        events: list[tuple[str, int | None, int | None, str, str]] = []
        if scen in ("coral_late_vie", "coral_never_vie"):
            events.append(self._vie(vessel, "Shore power receptacle fault on board; fleet "
                                    "representative assigned a VIE"))
        elif scen == "tie":
            st.tie_terminals.append(term)
            n_tie = st.tie_terminals.count(term)
            events.append(("tie", None, None, f"TIE-{self.year}-{term}-{n_tie:03d}",
                           f"AMP vault at berth {berth} out of service (terminal equipment "
                           "repair)"))
        elif scen == "gap_emergency" and len(sp_sessions) == 2:
            events.append(("emergency", sp_sessions[0][1] - 10, sp_sessions[1][0] + 5,
                           "EMG-SAMPLE-01",
                           'Utility event: SCE "Flex Alert" load shed <stage 2> & vessel back on '
                           "auxiliary engines; logged by chief engineer J. Müller"))
        elif scen == "early_emergency" and sp_sessions and sp_sessions[-1][1] < pob - 60:
            events.append(("emergency", sp_sessions[-1][1], pob - 60, "EMG-SAMPLE-02",
                           "Gale warning: master ordered shore power cables disconnected "
                           "for the safety of crew and terminal staff"))
        elif scen == "commissioning":
            events.append(("commissioning", None, None, f"COMM-{term}-{self.year}-01",
                           "First call of this vessel at the terminal; shore power "
                           "commissioned and connected successfully"))
        elif scen == "research":
            events.append(("research", None, None, f"RES-SAMPLE-{self.year}-01",
                           "Participating in an approved at-berth emissions research "
                           "programme (illustrative)"))
        elif scen == "late_remediation" and cc_sessions and cc_sessions[0][0] > rtw + 120:
            events.append(("remediation", rtw + 120, cc_sessions[0][0],
                           f"RF-SAMPLE-{self.year}-0001",
                           "Capture barge delayed by another call; remediation fund payment"))
        elif (pattern in ("late", "early", "never") and vtype in ("container", "reefer")
              and vessel.fleet and rand() < 0.35
              and st.fleet_vies.get(vessel.fleet, 0) < self.granted.get(vessel.fleet, 0)):
            events.append(self._vie(vessel, _VIE_NOTES[pattern]))

        # --- the visit row -----------------------------------------------------------------
        explicit = rand() < 0.10
        fmt = self.clock.local
        out_type = vtype
        if scen and scen.startswith("alias:"):
            out_type = scen[6:]
        elif vtype in _RANDOM_ALIAS and rand() < 0.02:
            out_type = _RANDOM_ALIAS[vtype]
        missing_rtw = scen == "no_rtw" or (not scen and not fixed and rand() < 0.015)
        missing_pob = scen == "no_pob" or (not scen and not fixed and rand() < 0.02)
        aux = ""
        if rand() < 0.15:
            aux = str(int(aux_default(vtype, vessel.teu) * rng.uniform(0.8, 1.25)) // 10 * 10)
        boiler = ""
        if rand() < (0.15 if vtype == "tanker" else 0.01):
            kw = rng.uniform(2400, 3400) if vtype == "tanker" else rng.uniform(250, 650)
            boiler = str(int(kw) // 10 * 10)
        yes, no = ("yes", "no") if self.seq % 61 == 17 else ("true", "false")
        row = [
            vid, vessel.imo, vessel.name, out_type, vessel.fleet, vessel.operator, self.port,
            term, berth, fmt(arr, explicit), "" if missing_rtw else fmt(rtw, explicit),
            "" if missing_pob else fmt(pob, explicit), fmt(dep, explicit),
            yes if vessel.capable else no,
            (yes if is_commissioned else no) if vessel.capable else "",
            vessel.tier if rand() > 0.02 else "", str(vessel.gt),
            str(vessel.teu) if vessel.teu else "", aux, boiler, self._reported(dep),
            # tanker size for the Starcrest load bins: deadweight about 1.7 x gross tonnage
            str(vessel.gt * 17 // 100 * 10) if vtype == "tanker" else "", "", "",
            "",  # call_purpose, not given: every row has the header's width
        ]
        quiet = not (sp_sessions or cc_sessions or events or scen or fixed)
        if self.dirty:
            self._emit_visit(row, quiet)
        else:
            self.w_visits(row)

        # --- session and event rows ----------------------------------------------------------
        for k, (s, e) in enumerate(sp_sessions, 1):
            lo_kw, hi_kw = SP_LOAD_KW[vtype]
            kw = rng.uniform(lo_kw, hi_kw)
            energy = "" if rand() < 0.02 else f"{kw * (e - s) / 60 * rng.uniform(0.92, 1.08):.1f}"
            ex = rand() < 0.08
            meter = f"AMP-{berth}-HV" if vtype == "passenger" else f"AMP-{berth}"
            sp_row = [f"{vid}-SP{k}", vid, fmt(s, ex), fmt(e, ex), energy, meter]
            if self.dirty:
                self._emit_sp(sp_row, len(sp_sessions) == 1 and pattern == "ok" and not fixed)
            else:
                self.w_sp(sp_row)
        if cc_sessions:
            system = fixed.get("system") or _SYSTEM_SCENARIO.get(scen)
            if system is None:
                x = rand()
                if vtype == "roro":
                    system = SYS_LAND if x < 0.5 else SYS_BARGE_A if x < 0.9 else SYS_EXPIRING
                else:
                    system = (SYS_BARGE_A if x < 0.5 else SYS_BARGE_B if x < 0.87
                              else SYS_EXPIRING if x < 0.97 else SYS_UNLISTED)
            provider = PROVIDER[system]
            for k, (s, e) in enumerate(cc_sessions, 1):
                if provider in UTC_PROVIDERS:
                    start, end = self.clock.utc(s), self.clock.utc(e)
                else:
                    ex = rand() < 0.08
                    start, end = fmt(s, ex), fmt(e, ex)
                inlet = f"{rng.uniform(800, 1200):.0f}"
                outlet = f"{rng.uniform(20, 80):.1f}"
                if scen == "missing_ppm" and k == 1:
                    outlet = ""
                elif rand() < 0.04:
                    inlet, outlet = ("", "") if rand() < 0.5 else (inlet, "")
                self.w_capture([f"{vid}-CC{k}", vid, system, provider, start, end, inlet,
                                outlet])
        for k, (kind, begins, ends, ref, note) in enumerate(events, 1):
            ex = rand() < 0.08
            self._write("events", [
                f"{vid}-EV{k}", vid, kind, "" if begins is None else fmt(begins, ex),
                "" if ends is None else fmt(ends, ex), ref, note, "",  # approval_ref
            ])

    def _vie(self, vessel: Vessel, note: str) -> tuple[str, None, None, str, str]:
        st = self.state
        n = st.fleet_vies.get(vessel.fleet, 0) + 1
        st.fleet_vies[vessel.fleet] = n
        return ("vie", None, None, f"VIE-{self.year}-{vessel.op_code}-{n:03d}", note)

    def _sessions(self, pattern: str, arr: int, rtw: int, pob: int, dep: int,
                  quick: bool) -> list[tuple[int, int]]:
        """Control sessions for one visit, inside [arrival, departure], not overlapping."""
        if pattern in ("never", "none"):
            return []
        rand = self.rng.random
        start = rtw + (20 + int(rand() * 41) if quick else 30 + int(rand() * 91))
        end = pob - 20 - int(rand() * 41)  # in the last hour before the pilot boards: on time
        if pattern == "late":
            start = rtw + 120 + 10 + int(rand() * 351)
        elif pattern == "early":
            end = pob - 60 - 10 - int(rand() * 171)
        start, end = max(start, arr + 5), min(end, dep - 5)
        if end - start < 30:
            return []
        if pattern == "gap":
            return interrupted(self.rng, start, end, 15, 226)
        return [(start, end)]

    def _reported(self, dep: int) -> str:
        rand = self.rng.random
        x = rand()
        if x < 0.10:
            return ""  # not reported yet
        if x < 0.14:
            when = dep + 31 * 1440 + int(rand() * 14 * 1440)
        else:
            when = dep + 1440 + int(rand() * 24 * 1440)
        if self.report_cap is not None and when > self.report_cap:
            return ""
        return self.clock.local(when)

    # --- the two calls across the month's end (and DST change) -----------------------------
    def _dst_calls(self) -> None:
        """Two calls that arrive before the month ends and leave just after it (so they belong
        to the next month), across the zone's offset change when one falls there."""
        t = self._transition_near(self.end)
        ref = t if t is not None else self.end
        after = max(ref, self.end)
        rng = self.rng
        # a container ship plugged in across the change
        dep = after + 8 * 60 + rng.randint(0, 50)
        arr = ref - 36 * 60 - rng.randint(0, 50)
        v = self._pick_vessel("container", arr, plug=True)
        self._visit(dep, "container", None, fixed={
            "arr": arr, "rtw": arr + 90, "pob": dep - 60, "vessel": v,
            "sessions": [(arr + 150, dep - 100)]})
        # a tanker whose capture starts in the repeated hour (so it is written with its offset)
        rtw = ref - 100
        pob = ref + 20 * 60 + 10
        self._visit(ref + 21 * 60, "tanker", None, fixed={
            "arr": rtw - 100, "rtw": rtw, "pob": pob, "system": SYS_BARGE_A,
            "vessel": self._pick_vessel("tanker", rtw - 100),
            "sessions": [(ref - 25, pob - 40)]})
