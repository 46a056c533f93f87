"""The Los Angeles sample's port, as data: POLA's terminals and berths (which have shore power
or capture service), the vessel types' mix, stays, sizes and loads, the fictional operators
and fleets, and the approved capture systems (fictional Executive Orders). See
berthcheck/sample.py for what is realistic and what is invented."""

from __future__ import annotations

# --- the port: terminals and berths (POLA layout; codes are short forms) ----------------------
# code, name, berths, shore power, berths with barge/land capture service
TERMINALS = (
    ("WCC", "World Cruise Center", ("B91", "B92", "B93"), True, ()),
    ("WBCT", "West Basin Container Terminal", ("B100", "B102", "B121", "B126", "B131"), True,
     ("B121",)),
    ("KMLT", "Kinder Morgan Liquids Terminal", ("B118",), False, ("B118",)),
    ("TRAPAC", "TraPac", ("B136", "B139", "B144", "B147"), True, ()),
    ("P66", "Phillips 66 Marine Terminal", ("B148", "B149", "B151"), False,
     ("B148", "B149", "B151")),
    ("VALERO", "Valero Marine Terminal", ("B164",), False, ("B164",)),
    ("SHELL", "Shell Mormon Island Terminal", ("B167", "B168", "B169"), False,
     ("B167", "B168", "B169")),
    ("PASHA", "Pasha Stevedoring & Terminals", ("B174", "B177", "B181"), False, ()),
    ("WWL", "WWL Vehicle Services", ("B195", "B198", "B199"), False, ("B195", "B198", "B199")),
    ("SAR", "SA Recycling", ("B210",), False, ()),
    ("YTI", "Yusen Terminals", ("B212", "B214", "B217", "B220", "B225"), True, ()),
    ("EVERPORT", "Everport Terminal Services", ("B226", "B229", "B232", "B236"), True, ()),
    ("LAXT", "Los Angeles Export Terminal", ("B300",), False, ()),
    ("FMS", "Fenix Marine Services", ("B302", "B303", "B304", "B305"), True, ()),
    ("APMT", "APM Terminals Pier 400", ("B401", "B402", "B403", "B404", "B405", "B406"), True,
     ("B404",)),
)
_CONTAINER_TERMINALS = ("APMT", "FMS", "YTI", "EVERPORT", "TRAPAC", "WBCT")
TYPE_TERMINALS = {  # where each vessel type can berth, in order of fallback
    "container": _CONTAINER_TERMINALS,
    "reefer": ("TRAPAC", "EVERPORT", "WBCT"),
    "passenger": ("WCC",),
    "roro": ("WWL", "PASHA"),
    "tanker": ("SHELL", "P66", "VALERO", "KMLT"),
    "bulk": ("LAXT", "SAR"),
    "general_cargo": ("PASHA",),
    "other": ("PASHA",),
}

# --- vessel types: mix, stays, timing ----------------------------------------------------------
TYPES = ("container", "passenger", "reefer", "roro", "tanker", "bulk", "general_cargo", "other")
TYPE_WEIGHTS = (52, 8, 3, 9, 16, 5, 5, 2)
# stay in hours: low, high, mode (triangular); container's mode grows with TEU (see _stay)
STAY_H = {
    "container": (22, 84, 40),
    "passenger": (8, 12, 10),
    "reefer": (18, 60, 30),
    "roro": (12, 30, 18),
    "tanker": (24, 48, 32),
    "bulk": (36, 110, 60),
    "general_cargo": (24, 72, 40),
    "other": (6, 48, 20),
}
CALLS_PER_VESSEL = {  # calls a vessel makes in the month, on average (sets the pool size)
    "container": 1.15, "passenger": 4.0, "reefer": 1.3, "roro": 1.3,
    "tanker": 1.5, "bulk": 1.05, "general_cargo": 1.2, "other": 1.5,
}
MIN_TURN_DAYS = {  # a vessel does not call again sooner than this
    "container": 14, "passenger": 3, "reefer": 10, "roro": 10,
    "tanker": 7, "bulk": 20, "general_cargo": 14, "other": 5,
}
POOL_CAP = 4000
SHORE_POWER_SHARE = {"container": 0.90, "passenger": 0.95, "reefer": 0.70, "roro": 0.05}
# TEU bins (Starcrest size bins) and how often each calls
TEU_BINS = (
    (1000, 2000, 3), (2000, 3000, 3), (3000, 4000, 4), (4000, 5000, 7), (5000, 6000, 6),
    (6000, 7000, 8), (7000, 8000, 7), (8000, 9000, 12), (9000, 10000, 10), (10000, 11000, 8),
    (11000, 12000, 6), (12000, 13000, 6), (13000, 14000, 7), (14000, 15000, 6),
    (15000, 17000, 4), (17000, 20000, 3),
)
TEU_TOTAL = sum(b[2] for b in TEU_BINS)
GT_RANGE = {  # gross tonnage, non-container
    "passenger": (48000, 170000), "reefer": (6000, 15000), "roro": (38000, 75000),
    "tanker": (24000, 84000), "bulk": (18000, 45000), "general_cargo": (6500, 26000),
    "other": (2800, 12000),
}
# what shore power carries while connected (kW)
SP_LOAD_KW = {"container": (900, 2500), "passenger": (6000, 11000), "reefer": (700, 1300),
               "roro": (800, 1400)}

# --- operators (fictional) -----------------------------------------------------------------------
# code, name, fleet name stem, vessel type, name prefix, share of the type's calls, home terminals
OPERATORS = (
    ("MPL", "Meridian Pacific Lines", "Meridian Pacific", "container", "MERIDIAN", 22,
     ("APMT", "FMS")),
    ("OCL", "Ocean Crescent Line", "Ocean Crescent", "container", "CRESCENT", 18,
     ("YTI", "EVERPORT")),
    ("HNC", "Hanse Nordic Container", "Hanse Nordic", "container", "HANSE", 14,
     ("TRAPAC", "WBCT")),
    ("FSM", "Formosa Star Marine", "Formosa Star", "container", "FORMOSA", 14,
     ("EVERPORT", "WBCT")),
    ("HOS", "Han Ocean Shipping", "Han Ocean", "container", "HAN", 12, ("FMS", "APMT")),
    ("TPX", "Trans-Pacific Express", "Trans-Pacific Express", "container", "TPX", 12,
     ("WBCT", "YTI")),
    ("NAA", 'Naviera "Andes Austral" S.A.', "Andes Austral", "container", "ANDES", 8,
     ("TRAPAC", "FMS")),
    ("CSL", "Coral Sea Lines", "Coral Sea", "container", "CORAL", 0, ("WBCT",)),  # scripted
    ("PHC", "Pacific Horizon Cruises", "Pacific Horizon", "passenger", "PACIFIC", 50, ("WCC",)),
    ("SCL", "Solara Cruise Line", "Solara", "passenger", "SOLARA", 30, ("WCC",)),
    ("AZV", "Azure Coast Voyages", "Azure Coast", "passenger", "AZURE", 20, ("WCC",)),
    ("PFR", "Polar Fruit Reefers", "Polar Fruit", "reefer", "POLAR", 60, ("TRAPAC", "EVERPORT")),
    ("CFC", "Cool Fresh Carriers", "Cool Fresh", "reefer", "FRESH", 40, ("EVERPORT", "WBCT")),
    ("NCC", "Nordlys Car Carriers", "Nordlys", "roro", "NORDLYS", 55, ("WWL",)),
    ("OAE", "Orient Auto Express", "Orient Auto", "roro", "ORIENT", 45, ("WWL",)),
    ("GST", "Golden Strait Tankers", "Golden Strait", "tanker", "GOLDEN", 40, ("SHELL", "P66")),
    ("WPC", "Westcoast Product Carriers", "Westcoast", "tanker", "WESTCOAST", 35,
     ("VALERO", "KMLT")),
    ("ACM", "Aegean Crest Maritime", "Aegean Crest", "tanker", "AEGEAN", 25,
     ("P66", "SHELL", "KMLT")),
    ("BAB", "Blue Anchor Bulk", "Blue Anchor", "bulk", "BLUE", 100, ("LAXT", "SAR")),
    ("HBS", "Harbor Breakbulk Services", "Harbor Breakbulk", "general_cargo", "HARBOR", 100,
     ("PASHA",)),
    ("PHL", "Pacific Heavy Lift", "Pacific Heavy Lift", "other", "HEAVY", 100, ("PASHA",)),
)
FLEET_WORD = {"container": "Container", "passenger": "Cruise", "reefer": "Reefer",
               "roro": "Ro-Ro", "tanker": "Tanker"}
SMALL_FLEET_PREVIOUS_YEAR = 24  # Coral Sea: 5 % of 24 = 1.2 -> 1 VIE

# --- approved capture systems (fictional Executive Orders) -------------------------------------
SYS_BARGE_A = "EO-AB-SAMPLE-01"
SYS_BARGE_B = "EO-AB-SAMPLE-02"
SYS_EXPIRING = "EO-AB-SAMPLE-03"
SYS_LAND = "EO-AB-SAMPLE-04"
SYS_UNLISTED = "EO-AB-SAMPLE-99"
PROVIDER = {
    SYS_BARGE_A: "STAX Engineering",
    SYS_BARGE_B: "Clean Air Engineering-Maritime",
    SYS_EXPIRING: "Clean Air Engineering-Maritime",
    SYS_LAND: "STAX Engineering",
    SYS_UNLISTED: "Harborline Emissions Services",
}
UTC_PROVIDERS = ("Clean Air Engineering-Maritime",)  # its logger exports UTC (`Z`) times

HOMES = {  # (vessel type, preferred terminal) -> terminals to try, preferred first
    (vtype, first): (first, *[t for t in terminals if t != first])
    for vtype, terminals in TYPE_TERMINALS.items() for first in terminals
}
