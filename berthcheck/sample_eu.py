"""The FuelEU Maritime Art. 6 sample: one month of calls at an EU port with a layout of its
own (NLRTM, Rotterdam), as the CSV files `berthcheck load` reads (`berthcheck sample --port
NLRTM`). The shared calendar and draws are berthcheck/sample_month.py's; same arguments ->
byte-identical files."""

from __future__ import annotations

from pathlib import Path

from berthcheck.ingest.kinds import BERTHS, EVENTS, SHORE_POWER, VISITS
from berthcheck.sample_month import (
    PortMonth,
    aux_default,
    draw,
    interrupted,
    scripted_calls,
    write_month,
)
from berthcheck.sample_ships import (
    OperatorNames,
    draw_imo,
    draw_tier,
    gt_of_teu,
    in_tens,
    pick_ship,
)
from berthcheck.sample_ships import Ship as _EuShip
from berthcheck.sample_ships import weighted_choice as _eu_weighted

# ================================================================================================
# The EU sample (FuelEU Maritime Art. 6, issue 7): one month at the Port of Rotterdam.
#
# What is realistic and what is invented (see also sample_data/eu-rotterdam-2030-06/README.md):
# * Terminal names follow Rotterdam's layout (Maasvlakte II: RWG, APM Terminals; Maasvlakte I:
#   ECT Delta, Euromax; the cruise terminal on the Wilhelminakade; the Hoek van Holland ferry
#   terminal; Europoort ro-ro and liquid bulk). Berth codes, and which berths have OPS in 2030,
#   are invented.
# * Operators, ships and IMO numbers are fictional (the same fictional lines as the Los Angeles
#   sample where they run the same trades). Shares of OPS-capable ships, OPS patterns and the
#   exception events are illustrative, not sourced.
# * Sizes, stays and loads are plausible placeholders: container ships 4 000-24 000 TEU (GT about
#   10 x TEU), feeders 300-3 000 TEU, cruise ships 8-12 h, a ro-pax ferry on a daily schedule.
# The calls exercise every rule of the fueleu-art6 pack: full, late, early and interrupted OPS
# use, ships without OPS equipment, berths without OPS (ops_unavailable), an incompatible
# installation, zero-emission technology, unscheduled calls, emergencies, a week-long OPS outage
# at the ferry berth (more unavailability exceptions than the yearly limit allows), short
# ferry stays, a feeder below 5 000 GT, a call without gross tonnage and one without any size.
# ================================================================================================

EU_FILES = ("berths", "visits", "shore_power", "events")

# code, name, berths, berths with OPS (in the sample's 2030)
EU_LAYOUTS = {
    "NLRTM": (
        ("RWG", "Rotterdam World Gateway (Maasvlakte II)", ("RWG1", "RWG2", "RWG3", "RWG4"),
         ("RWG1", "RWG2", "RWG3", "RWG4")),
        ("APMT2", "APM Terminals Maasvlakte II", ("APM1", "APM2", "APM3"),
         ("APM1", "APM2", "APM3")),
        ("ECTDT", "ECT Delta Terminal (Maasvlakte I)", ("DT1", "DT2", "DT3", "DT4", "DT5", "DT6"),
         ("DT1", "DT2", "DT3", "DT4", "DT5")),
        ("EMX", "Euromax Terminal", ("EMX1", "EMX2", "EMX3"), ("EMX1", "EMX2", "EMX3")),
        ("CTR", "Cruise Terminal Rotterdam (Wilhelminakade)", ("CTR1", "CTR2"), ("CTR1",)),
        ("HVH", "Hoek van Holland ferry terminal", ("HVH1", "HVH2"), ("HVH1", "HVH2")),
        ("CRO", "Europoort ro-ro terminal", ("RO1", "RO2"), ()),
        ("LQB", "Europoort liquid bulk terminal", ("LB1", "LB2", "LB3"), ()),
        ("DRB", "Maasvlakte dry bulk terminal", ("DB1", "DB2"), ()),
        ("WHV", "Waalhaven multipurpose terminal", ("WH1", "WH2"), ()),
    ),
}
# the sample's kinds of call -> (contract vessel type, terminals in order of preference)
_EU_KINDS = {
    "container": ("container", ("RWG", "APMT2", "ECTDT", "EMX")),
    "feeder": ("container", ("ECTDT", "EMX")),
    "cruise": ("passenger", ("CTR",)),
    "ferry": ("passenger", ("HVH",)),
    "roro": ("roro", ("CRO",)),
    "tanker": ("tanker", ("LQB",)),
    "bulk": ("bulk", ("DRB",)),
    "general_cargo": ("general_cargo", ("WHV",)),
}
_EU_RANDOM_KINDS = ("container", "feeder", "cruise", "roro", "tanker", "bulk", "general_cargo")
_EU_WEIGHTS = (44, 10, 5, 12, 16, 8, 5)
_EU_STAY_H = {  # triangular low, high, mode (hours)
    "container": (14, 60, 30), "feeder": (6, 24, 12), "cruise": (8, 12, 10),
    "roro": (10, 24, 14), "tanker": (24, 48, 32), "bulk": (36, 110, 60),
    "general_cargo": (24, 72, 40),
}
_EU_TURN_DAYS = {"container": 14, "feeder": 4, "cruise": 5, "roro": 7, "tanker": 7, "bulk": 20,
                 "general_cargo": 10}
_EU_TEU_BINS = {  # (low, high, weight)
    "container": ((4000, 8000, 10), (8000, 12000, 14), (12000, 15000, 14), (15000, 20000, 16),
                  (20000, 24000, 10)),
    "feeder": ((300, 800, 4), (800, 1500, 8), (1500, 3000, 6)),
}
_EU_GT = {"cruise": (48000, 170000), "roro": (38000, 75000), "tanker": (24000, 84000),
          "bulk": (18000, 45000), "general_cargo": (6500, 26000)}
_EU_CAPABLE = {"container": 0.94, "feeder": 0.75, "cruise": 0.85, "ferry": 1.0}
_EU_OPS_KW = {"container": (900, 2500), "feeder": (300, 700), "cruise": (6000, 11000),
              "ferry": (1800, 2800)}
# how OPS goes on a capable ship at an OPS berth: cumulative shares, the rest is "ok"
_EU_OPS_PATTERNS = ((0.06, "late"), (0.10, "early"), (0.12, "gap"), (0.14, "never"))
_EU_OPERATORS = (  # code, name, fleet stem, kind, name prefix, share of the kind's calls
    ("MPL", "Meridian Pacific Lines", "Meridian Pacific", "container", "MERIDIAN", 24),
    ("OCL", "Ocean Crescent Line", "Ocean Crescent", "container", "CRESCENT", 20),
    ("HNC", "Hanse Nordic Container", "Hanse Nordic", "container", "HANSE", 18),
    ("FSM", "Formosa Star Marine", "Formosa Star", "container", "FORMOSA", 14),
    ("HOS", "Han Ocean Shipping", "Han Ocean", "container", "HAN", 12),
    ("NAA", 'Naviera "Andes Austral" S.A.', "Andes Austral", "container", "ANDES", 12),
    ("NFS", "Noordkaap Feeder Services", "Noordkaap", "feeder", "NOORDKAAP", 60),
    ("BLF", "Baltic Link Feeders", "Baltic Link", "feeder", "BALTIC", 40),
    ("PHC", "Pacific Horizon Cruises", "Pacific Horizon", "cruise", "PACIFIC", 40),
    ("SCL", "Solara Cruise Line", "Solara", "cruise", "SOLARA", 35),
    ("AZV", "Azure Coast Voyages", "Azure Coast", "cruise", "AZURE", 25),
    ("NZF", "Noordzee Ferries", "Noordzee", "ferry", "NOORDZEE", 100),
    ("NCC", "Nordlys Car Carriers", "Nordlys", "roro", "NORDLYS", 60),
    ("OAE", "Orient Auto Express", "Orient Auto", "roro", "ORIENT", 40),
    ("GST", "Golden Strait Tankers", "Golden Strait", "tanker", "GOLDEN", 50),
    ("ACM", "Aegean Crest Maritime", "Aegean Crest", "tanker", "AEGEAN", 50),
    ("BAB", "Blue Anchor Bulk", "Blue Anchor", "bulk", "BLUE", 100),
    ("HBS", "Harbor Breakbulk Services", "Harbor Breakbulk", "general_cargo", "HARBOR", 100),
)
_EU_FLEET_WORD = {"container": "Container", "feeder": "Feeder", "cruise": "Cruise",
                  "ferry": "Ferry"}
# scripted calls: (kind, fraction of the kind's calls) -> scenario
_EU_SCENARIOS = {
    "container": ((0.12, "zero_emission"), (0.22, "incompatible"), (0.33, "emergency_gap"),
                  (0.44, "emergency_part"), (0.55, "unscheduled"), (0.66, "no_gt"),
                  (0.77, "no_size"), (0.88, "zero_emission_part")),
    "cruise": ((0.3, "unscheduled_medical"), (0.6, "cruise_no_ops_berth")),
    "feeder": ((0.5, "small_feeder"),),
}
_EU_FERRY_OUTAGE_DAYS = range(10, 17)  # days of the month: OPS at the ferry berths out of service
_EU_FERRY_SHORT_DAY = 5  # a short turnaround (under two hours)




class EuGenerator(PortMonth):
    """A month of calls at an EU port for the FuelEU Art. 6 pack. Deterministic: only
    `random.Random(seed)` draws, rows in a fixed order."""

    def __init__(self, *, visits: int, seed: int, month: str, port: str):
        super().__init__(visits=visits, seed=seed, month=month, port=port)
        self.terminals = {t[0]: t for t in EU_LAYOUTS[port]}
        self.ops_berths = {b for t in EU_LAYOUTS[port] for b in t[3]}
        self.berth_free = {b: -(10**9) for t in EU_LAYOUTS[port] for b in t[2]}
        self.used_imo: set[int] = set()
        self.pools: dict[str, list[_EuShip]] = {k: [] for k in _EU_KINDS}
        self.names = OperatorNames()
        self.rows: dict[str, list[list[str]]] = {stem: [] for stem in EU_FILES}
        self.seq = 0

    # --- ships ---------------------------------------------------------------------------
    def _ship(self, kind: str, op: tuple | None = None) -> _EuShip:
        rng = self.rng
        if op is None:
            ops = [o for o in _EU_OPERATORS if o[3] == kind]
            op = _eu_weighted(rng, ops, [o[5] for o in ops])
        code, opname, stem, _kind, prefix, _share = op
        name = f"{prefix} {self.names.next(rng, code)}"
        teu = gt = None
        if kind in _EU_TEU_BINS:
            bins = _EU_TEU_BINS[kind]
            lo, hi, _w = _eu_weighted(rng, bins, [b[2] for b in bins])
            teu = in_tens(rng.random, lo, hi)
            gt = gt_of_teu(rng.random, teu)
        elif kind == "ferry":
            gt = 62440
        else:
            gt = in_tens(rng.random, *_EU_GT[kind])
        tier = draw_tier(rng.random)
        capable = rng.random() < _EU_CAPABLE.get(kind, 0.0)
        aux = None
        if kind == "ferry":
            aux = 2400
        elif kind == "cruise" and rng.random() < 0.6:
            aux = int(rng.uniform(7000, 12000)) // 10 * 10
        elif kind in ("container", "feeder") and rng.random() < 0.3:
            aux = int(aux_default("container", teu or 0) * rng.uniform(0.8, 1.25)) // 10 * 10
        fleet = f"{stem} {_EU_FLEET_WORD[kind]} Fleet" if kind in _EU_FLEET_WORD else ""
        imo = draw_imo(rng.random, self.used_imo, 900000, 90000)
        return _EuShip(imo, name, kind, opname, fleet, gt, teu, tier, capable, aux)

    def _pick(self, kind: str, arr: int, capable: bool = False) -> _EuShip:
        """A ship of the kind not at berth then (nor just left); `capable`: with OPS equipment.
        A new ship joins the pool when a few random tries find none."""
        return pick_ship(self.rng.random, self.pools[kind], _EU_TURN_DAYS[kind] * 1440, arr,
                         capable, lambda: self._ship(kind))

    def _berth(self, kind: str, terminals: tuple[str, ...], arr: int, dep: int,
               want_ops: bool | None = None) -> tuple[str, str]:
        chosen = None
        start = int(self.rng.random() * len(terminals))  # the line's terminal of the day
        for term in terminals[start:] + terminals[:start]:
            free = [b for b in self.terminals[term][2]
                    if (want_ops is None or (b in self.ops_berths) == want_ops)
                    and self.berth_free[b] <= arr]
            if free:
                if want_ops is None and kind == "cruise":  # the OPS berth first, if free
                    free = [b for b in free if b in self.ops_berths] or free
                chosen = (term, free[int(self.rng.random() * len(free))])
                break
        if chosen is None:  # all busy: the first terminal's berth that frees first
            term = terminals[0]
            options = [b for b in self.terminals[term][2]
                       if want_ops is None or (b in self.ops_berths) == want_ops]
            chosen = (term, min(options, key=lambda b: (self.berth_free[b], b)))
        self.berth_free[chosen[1]] = max(self.berth_free[chosen[1]], dep)
        return chosen

    # --- the month -----------------------------------------------------------------------
    def _plan(self) -> list[tuple[int, int, str, str | None]]:
        """(departure minute, order, kind, scenario) of every call departing in the month."""
        rng = self.rng
        n_ferry = min(self.days, self.n // 7)
        calls: list[tuple[int, int, str, str | None]] = []
        for d in range(n_ferry):
            day = d + 1
            midnight = self.midnight(d)
            if day == _EU_FERRY_SHORT_DAY:
                dep = midnight + 15 * 60 + 10
                scen = "ferry_short"
            else:
                dep = midnight + 22 * 60 + int(rng.random() * 16)
                scen = "ferry_outage" if day in _EU_FERRY_OUTAGE_DAYS else "ferry"
            calls.append((dep, len(calls), "ferry", scen))
        kinds = []
        for _ in range(self.n - n_ferry):
            kind = _eu_weighted(rng, _EU_RANDOM_KINDS, _EU_WEIGHTS)
            if kind == "cruise":  # cruise ships sail late afternoon
                dep = (self.midnight(int(rng.random() * self.days))
                       + 17 * 60 + int(rng.random() * 91))
            else:
                dep = self.start + int(rng.random() * (self.end - self.start))
            kinds.append((dep, kind))
        kinds.sort()
        counts = {k: sum(1 for _d, kk in kinds if kk == k) for k in _EU_RANDOM_KINDS}
        scripted = scripted_calls(counts, _EU_SCENARIOS)
        ordinal = dict.fromkeys(_EU_RANDOM_KINDS, 0)
        for dep, kind in kinds:
            calls.append((dep, len(calls), kind, scripted.get((kind, ordinal[kind]))))
            ordinal[kind] += 1
        calls.sort()
        return calls

    def run(self, out_dir: Path) -> dict[str, Path]:
        ferry = self._ship("ferry", next(o for o in _EU_OPERATORS if o[3] == "ferry"))
        ferry.capable = True
        self.pools["ferry"].append(ferry)
        for term, _name, berths, ops, *_ in sorted(EU_LAYOUTS[self.port]):
            for b in berths:
                flag = "true" if b in ops else "false"
                self.rows["berths"].append([self.port, term, b, flag, "false", flag])
        for dep, _order, kind, scen in self._plan():
            self._call(dep, kind, scen)
        # two calls arrive at the end of the month and leave after it (next month's period)
        self._call(self.end + 10 * 60 + 20, "container", None, arr=self.end - 30 * 60 - 10)
        self._call(self.end + 14 * 60, "tanker", None, arr=self.end - 20 * 60)
        kinds = {"berths": BERTHS, "visits": VISITS, "shore_power": SHORE_POWER, "events": EVENTS}
        return write_month(out_dir, {stem: kinds[stem] for stem in EU_FILES}, self.rows)

    def _call(self, dep: int, kind: str, scen: str | None, arr: int | None = None) -> None:
        rng = self.rng
        rand = rng.random
        vtype, terminals = _EU_KINDS[kind]
        if arr is None:
            if kind == "ferry":
                arr = dep - (100 if scen == "ferry_short" else 8 * 60 + int(rand() * 31))
            else:
                lo, hi, mode = _EU_STAY_H[kind]
                arr = dep - int(rng.triangular(lo * 60, hi * 60, mode * 60))
        # scripted calls that need OPS equipment on board and an OPS berth
        needs_ops = scen in ("emergency_gap", "emergency_part", "zero_emission_part",
                             "incompatible")
        if kind == "ferry":
            ship = self.pools["ferry"][0]
        elif scen == "small_feeder":  # a feeder of 4 380 GT, below the Regulation's 5 000 GT
            ship = self._ship(kind)
            ship.teu, ship.gt = 420, 4380
            self.pools[kind].append(ship)
        else:
            ship = self._pick(kind, arr, needs_ops)
        ship.last_dep = max(ship.last_dep, dep)
        want_ops = False if scen == "cruise_no_ops_berth" else True if needs_ops else None
        term, berth = self._berth(kind, terminals, arr, dep, want_ops)
        self.seq += 1
        vid = self.prefix + str(self.seq).zfill(self.width)
        fmt = self.clock.local

        # --- OPS sessions and events -----------------------------------------------------
        sessions: list[tuple[int, int]] = []
        events: list[tuple[str, int | None, int | None, str, str]] = []
        at_ops_berth = berth in self.ops_berths
        covered_type = vtype in ("container", "passenger")
        pattern = "none"
        if covered_type and ship.capable and at_ops_berth:
            pattern = draw(rand(), _EU_OPS_PATTERNS)
        if scen in ("zero_emission", "incompatible", "unscheduled", "unscheduled_medical",
                    "ferry_outage", "cruise_no_ops_berth"):
            pattern = "none"
        elif scen in ("emergency_gap", "emergency_part"):
            pattern = "gap"
        elif scen == "zero_emission_part":
            pattern = "late"
        elif scen in ("ferry", "ferry_short"):
            pattern = "ok"
        if scen == "no_size":
            pattern = "none"
        sessions = self._eu_sessions(pattern, arr, dep)
        if scen == "zero_emission":
            events.append(("zero_emission_tech", None, None, f"ZET-{self.year}-0001",
                           "Battery energy storage supplies the ship's whole electrical demand "
                           "at berth; generators off (zero-emission technology)"))
        elif scen == "zero_emission_part" and sessions:
            events.append(("zero_emission_tech", arr, sessions[0][0], f"ZET-{self.year}-0002",
                           "Batteries carried the load from all fast until the OPS connection"))
        elif scen == "incompatible":
            events.append(("ops_incompatible", None, None, f"OPS-INC-{self.year}-0001",
                           "On-board OPS equipment 6.6 kV 60 Hz; shore installation 11 kV 50 Hz "
                           "without a converter: cannot connect (confirmed by the port)"))
        elif scen == "unscheduled":
            events.append(("unscheduled_call", None, None, f"UNS-{self.year}-0001",
                           "Unscheduled call after an engine-room fire, for the safety of the "
                           "ship and crew (port of refuge)"))
        elif scen == "unscheduled_medical":
            events.append(("unscheduled_call", None, None, f"UNS-{self.year}-0002",
                           "Unscheduled call to land a passenger for urgent medical care "
                           "(saving life at sea)"))
        elif scen in ("emergency_gap", "emergency_part") and len(sessions) == 2:
            g0, g1 = sessions[0][1], sessions[1][0]
            end = g1 if scen == "emergency_gap" else g0 + (g1 - g0) // 2
            events.append(("emergency", g0, end, f"EMG-{self.year}-{self.seq:04d}",
                           "Grid operator emergency load shedding: OPS disconnected, ship on "
                           "its generators until the grid was restored"))
        elif scen == "ferry_outage":
            events.append(("ops_unavailable", None, None, f"OPS-OUT-{self.year}-HVH",
                           "OPS at the Hoek van Holland ferry berths out of service "
                           "(transformer failure); confirmed by the port authority"))
        elif scen == "cruise_no_ops_berth" or (
                covered_type and not at_ops_berth and kind in ("container", "feeder")
                and rand() < 0.75):
            events.append(("ops_unavailable", None, None, f"OPS-NA-{berth}",
                           f"No OPS connection point at berth {berth}; all OPS berths occupied "
                           "(confirmed by the port)"))

        # --- the visit row -----------------------------------------------------------------
        explicit = rand() < 0.05
        gt = "" if scen == "no_gt" or ship.gt is None else str(ship.gt)
        teu = "" if scen == "no_size" or not ship.teu else str(ship.teu)
        aux = "" if scen == "no_size" or ship.aux_kw is None else str(ship.aux_kw)
        capable = ship.capable and scen != "no_size"
        self.rows["visits"].append([
            vid, ship.imo, ship.name, vtype, ship.fleet, ship.operator, self.port, term, berth,
            fmt(arr, explicit), "", "", fmt(dep, explicit), "true" if capable else "false", "",
            ship.tier, gt, teu, aux, "", "", "", "", "", "",  # the header's width (call_purpose)
        ])
        lo_kw, hi_kw = _EU_OPS_KW.get(kind, (500, 1500))
        for k, (s, e) in enumerate(sessions, 1):
            kw = ship.aux_kw * rng.uniform(0.85, 1.0) if ship.aux_kw else rng.uniform(lo_kw, hi_kw)
            energy = f"{kw * (e - s) / 60:.1f}"
            self.rows["shore_power"].append(
                [f"{vid}-SP{k}", vid, fmt(s), fmt(e), energy, f"OPS-{berth}"])
        for k, (kind_, ev_s, ev_e, ref, note) in enumerate(events, 1):
            self.rows["events"].append([
                f"{vid}-EV{k}", vid, kind_, "" if ev_s is None else fmt(ev_s),
                "" if ev_e is None else fmt(ev_e), ref, note, "",  # approval_ref
            ])

    def _eu_sessions(self, pattern: str, arr: int, dep: int) -> list[tuple[int, int]]:
        """OPS sessions for one call: "ok" = connected from all fast to last line (the
        Regulation counts every minute at berth), else late, early, with a gap, or none."""
        if pattern in ("none", "never"):
            return []
        rand = self.rng.random
        start, end = arr, dep
        if pattern == "late":
            start = arr + 15 + int(rand() * 106)
        elif pattern == "early":
            end = dep - 15 - int(rand() * 76)
        if end - start < 60:
            return []
        if pattern == "gap":
            return interrupted(self.rng, start, end, 20, 131)
        return [(start, end)]
