"""The report's vocabulary: every basis code of the data contract in words, and the glossary a
reader needs for the terms the report uses. One place, so a listing, a table and the glossary
say the same thing for the same code.

Sources of the definitions: the data contract (docs in the repository describe the verdicts
and bases) and the regulations the packs implement (17 CCR § 93130 et seq. for CARB At-Berth;
Regulation (EU) 2023/1805, FuelEU Maritime, Art. 6, and Regulation (EU) 2023/1804, AFIR).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

VERDICT_LABELS = {
    "compliant": "Compliant",
    "non_compliant": "Non-compliant",
    "exempt": "Exempt",
    "not_applicable": "Not applicable",
    "insufficient_data": "Insufficient data",
}

# code -> (short phrase for listings, sentence for the glossary). Every basis of the data
# contract's results table is here (tests/test_report_board.py checks the list).
BASIS_WORDS: dict[str, tuple[str, str]] = {
    # compliant
    "controlled": ("controlled in the window",
                   "Shore power, or a capture system where the rule pack counts one, covered "
                   "the whole control window (after excused time)."),
    "short_visit": ("short visit", "The stay was too short for control to be required."),
    "vie": ("VIE used", "A Vessel Incident Event within the fleet's allowance excused the visit."),
    "tie": ("TIE used",
            "A Terminal Incident Event within the terminal's allowance excused the visit."),
    "remediation": ("remediation excused part",
                    "Part of the window was excused by a remediation event (payment into a "
                    "remediation fund instead of control); all of it where no minute was "
                    "under control (listed as window excused: remediation)."),
    "emergency": ("emergency excused part",
                  "Part of the window was excused by a safety and emergency event; all of it "
                  "where no minute was under control (listed as window excused: emergency)."),
    # joined to a compliant or non-compliant basis where they excused time (docs/packs.md 6;
    # alone, the whole stay under the obligation)
    "ops_unavailable": ("OPS unavailable, excused",
                        "Time not on shore power was excused because the shore installation "
                        "(OPS) was unavailable."),
    "ops_incompatible": ("OPS incompatible, excused",
                         "Time not on shore power was excused because the ship's equipment "
                         "could not be connected to the shore installation."),
    "connection_allowance": ("connection allowance",
                             "Time the rule pack allows for connecting and disconnecting shore "
                             "power was excused."),
    # exempt
    "commissioning": ("commissioning visit",
                      "Exempt: the vessel's first visit to commission its shore power "
                      "equipment at the terminal."),
    "research": ("research exception", "Exempt: a visit covered by an approved research "
                                       "exception."),
    "innovative_concept": ("innovative concept",
                           "Exempt: covered by an approved innovative concept compliance "
                           "option."),
    "low_activity_terminal": ("low-activity terminal",
                              "Exempt: the terminal received fewer visits of this vessel type "
                              "than the threshold that makes a terminal regulated."),
    "zero_emission_tech": ("zero-emission technology",
                           "Exempt: the ship used a zero-emission technology at berth instead "
                           "of shore power."),
    "unscheduled_call": ("unscheduled call",
                         "Exempt: an unscheduled port call (safety, rescue, weather and the "
                         "like) covered the whole stay (FuelEU)."),
    # not applicable
    "not_regulated_type": ("vessel type not regulated",
                           "Not applicable: the vessel type has no control requirement."),
    "not_ocean_going_vessel": ("not an ocean-going vessel",
                               "Not applicable: the vessel is not ocean-going (e.g. an "
                               "articulated tug barge), so the at-berth rule does not apply."),
    "before_start_date": ("before the start date",
                          "Not applicable: the requirement had not begun for this vessel type "
                          "or port."),
    "below_gross_tonnage": ("below the gross tonnage threshold",
                            "Not applicable: the ship is smaller than the regulation's gross "
                            "tonnage threshold (FuelEU: 5 000 GT)."),
    "port_not_covered": ("port not covered",
                         "Not applicable: the port is outside the regulation's area."),
    "not_port_of_call": ("not a port of call",
                         "Not applicable: the stop is not a port of call under FuelEU (e.g. "
                         "bunkering only, shelter, repairs)."),
    # non-compliant
    "uncontrolled": ("uncontrolled time in the window",
                     "Non-compliant: part of the control window was neither controlled nor "
                     "excused."),
}

# What a basis means under each regulation (REGIMES below), added to its glossary sentence
# only in a report of that regulation: a Shanghai report was told what a short visit is under
# CARB and FuelEU, and not under its own rule.
REGIME_NOTES: dict[str, dict[str, str]] = {
    "short_visit": {"carb": "the control window is empty (CARB)",
                    "fueleu": "the stay at berth was under 2 hours (FuelEU, exempt)",
                    "cn": "the stay was not longer than 3 hours at a coastal port, 2 hours "
                          "inland (China, exempt)"},
    "not_regulated_type": {"carb": "bulk and general cargo ships under CARB",
                           "fueleu": "any but container and passenger ships under FuelEU",
                           "cn": "tankers under the Chinese rule"},
    # which end of the stay the start date is held against: CARB and the Chinese pack take the
    # arrival (a visit arriving before port-local midnight of the date is out, whenever it
    # departs), FuelEU the departure; the sentence said "departed" for all three
    "before_start_date": {"carb": "it arrived before port-local midnight of its start date "
                                  "(CARB)",
                          "fueleu": "it departed at or before port-local midnight of the start "
                                    "date (FuelEU)",
                          "cn": "it arrived before port-local midnight of its start date "
                                "(China)"},
    "ops_unavailable": {"fueleu": "an Art. 6(5) exception (FuelEU)",
                        "cn": "a temporary fault of the terminal's shore-power facility (China)"},
    "ops_incompatible": {"fueleu": "an Art. 6(5) exception (FuelEU)",
                         "cn": "a temporary fault of the ship's receiving facility (China)"},
}

VERDICT_OF_BASIS = {
    **dict.fromkeys(("controlled", "short_visit", "vie", "tie", "remediation", "emergency"),
                    "compliant"),
    **dict.fromkeys(("commissioning", "research", "innovative_concept", "low_activity_terminal",
                     "zero_emission_tech", "unscheduled_call"), "exempt"),
    **dict.fromkeys(("not_regulated_type", "not_ocean_going_vessel", "before_start_date",
                     "below_gross_tonnage", "port_not_covered", "not_port_of_call"),
                    "not_applicable"),
    "uncontrolled": "non_compliant",
}


def basis_part(code: str) -> str:
    """One basis code in words (`missing_<column>` names the missing column)."""
    if code in BASIS_WORDS:
        return BASIS_WORDS[code][0]
    if code.startswith("missing_"):
        return "missing " + code.removeprefix("missing_").replace("_", " ")
    return code.replace("_", " ")  # a pack's own code: shown as it is, never dropped


# A basis made only of the kinds that excused time (no `controlled`, no `uncontrolled`): no
# minute of the window was under control and they excused all of it (every built-in pack gives
# a typhoon over the whole stay the basis `emergency`). Their listing words said "emergency
# excused part" of such a visit; it reads "window excused: emergency".
_WHOLE_WINDOW_NOUNS = {"remediation": "remediation", "emergency": "emergency",
                       "ops_unavailable": "OPS unavailable", "ops_incompatible": "OPS incompatible",
                       "zero_emission_tech": "zero-emission technology",
                       "connection_allowance": "connection allowance"}


def _whole_window_excused(parts: list[str]) -> bool:
    """Whether a basis of these parts is excused kinds alone (`zero_emission_tech` alone is
    the exemption, a basis of its own)."""
    from berthcheck.engine.bases import CONTRACT_BASES, JOINED

    primary = set().union(*CONTRACT_BASES.values())
    return bool(parts) and all(p in JOINED for p in parts) and any(
        p not in primary for p in parts)


def basis_text(basis: str | None) -> str:
    """A `+`-joined basis in words: `controlled+remediation` -> `controlled in the window,
    remediation excused part`; `emergency` alone -> `window excused: emergency`."""
    parts = [p for p in (basis or "").split("+") if p]
    if _whole_window_excused(parts):
        return "window excused: " + ", ".join(_WHOLE_WINDOW_NOUNS.get(p, basis_part(p))
                                              for p in parts)
    return ", ".join(basis_part(p) for p in parts) or "–"


def _with_notes(sentence: str, notes: dict[str, str], regimes: set[str] | None) -> str:
    """`sentence` with the notes of the report's regulations (every note where unknown)."""
    chosen = [text for regime, text in notes.items() if regimes is None or regime in regimes]
    return f"{sentence[:-1]}: {'; '.join(chosen)}." if chosen else sentence


def basis_glossary(codes: list[str], pack_bases: dict[str, str] | None = None,
                   regimes: set[str] | None = None) -> list[dict]:
    """Glossary rows for the basis codes a report shows (contract order, then the rest).
    `pack_bases`: the pack's own bases (`[[bases]]`) with their descriptions; `regimes`: the
    regulations the report is about (`regimes_of`), whose notes a basis gets."""
    seen = set(codes)
    rows = []
    for code, (short, sentence) in BASIS_WORDS.items():
        if code in seen:
            meaning = _with_notes(sentence, REGIME_NOTES.get(code, {}), regimes)
            rows.append({"code": code, "words": short, "meaning": meaning})
    for code in sorted(seen - set(BASIS_WORDS)):
        if pack_bases and code in pack_bases:
            meaning = pack_bases[code]
        elif code.startswith("missing_"):
            meaning = (f"Insufficient data: the visit's "
                       f"{code.removeprefix('missing_').replace('_', ' ')} is missing, so it "
                       "could not be judged.")
        else:
            meaning = "A basis code of the rule pack."
        rows.append({"code": code, "words": basis_part(code), "meaning": meaning})
    return rows


# The terms the report uses. (term, meaning, whose: a regulation of REGIMES below, or "all")
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    ("AFIR", "Alternative Fuels Infrastructure Regulation, (EU) 2023/1804: obliges EU ports to "
             "offer onshore power supply at container and passenger berths from 2030.",
     "fueleu"),
    ("CAECS", "CARB Approved Emission Control Strategy: shore power or an approved capture and "
              "control system that brings a vessel's at-berth emissions to the standard.",
     "carb"),
    ("Capture", "A barge- or shore-based system that captures and treats the exhaust of a "
                "vessel's auxiliary engines at berth (a CAECS other than shore power).", "carb"),
    ("CARB At-Berth", "California's Control Measure for Ocean-Going Vessels At Berth, 17 CCR "
                      "§ 93130 et seq.", "carb"),
    ("Compliance rate", "Compliant visits divided by the visits judged (compliant plus "
                        "non-compliant). Exempt, not applicable and insufficient-data visits "
                        "are not in it.", "all"),
    ("Control window", "The part of a visit in which emissions must be controlled, as the rule "
                       "pack defines it (chapter Methodology).", "all"),
    ("Excused hours", "Hours of the control window not counted against the visit because an "
                      "exception event the rule pack allows (an emergency, for example) covered "
                      "them.", "all"),
    ("FuelEU Maritime", "Regulation (EU) 2023/1805; Art. 6 requires container and passenger "
                        "ships to use onshore power supply at berth from 2030.", "fueleu"),
    ("Insufficient data", "A regulated visit that could not be judged because a time or value the "
                          "rules need is missing; it is not counted as compliant or "
                          "non-compliant.", "all"),
    ("Judged visits", "Regulated visits with a verdict of compliant or non-compliant.", "all"),
    ("Low-activity terminal", "A terminal visited by a vessel type fewer times a year than the "
                              "threshold (20 visits under CARB); its visits of that type are "
                              "exempt.", "carb"),
    ("OPS", "Onshore Power Supply: shore power, electricity from the quay for a ship at berth.",
     "fueleu"),
    ("Pilot on Board", "The time the outbound pilot boards; the CARB control window ends one hour "
                       "before it.", "carb"),
    ("Ready to Work", "The time the vessel is declared ready to start work at berth, as reported "
                      "with the visit; the CARB control window starts two hours after it.",
     "carb"),
    ("Remediation", "Under CARB, payment into an approved remediation fund for emissions that "
                    "could not be controlled; the covered time is excused.", "carb"),
    ("Shore power", "Electricity from the quay to the ship, so its auxiliary engines can be "
                    "switched off at berth.", "all"),
    ("TIE", "Terminal Incident Event: an event at the terminal's side that prevents control; a "
            "terminal may use a limited number a year (its allowance).", "carb"),
    ("Uncontrolled hours", "Hours of the control window that were neither controlled nor "
                           "excused.", "all"),
    ("UNCONFIRMED", "A rule pack parameter or table the research could not confirm against the "
                    "regulation's text; figures that depend on one are flagged.", "all"),
    ("VIE", "Vessel Incident Event: an event on the vessel's side that prevents control; a fleet "
            "may use a limited number a year (its allowance).", "carb"),
)


# The regulation a pack implements, as its title and regulation name it: the glossary explains
# that regulation's terms. A pack implementing neither gets the general terms only.
REGIMES: dict[str, re.Pattern[str]] = {
    "carb": re.compile(r"\bCARB\b|\b93130\b"),
    "fueleu": re.compile(r"\bFuelEU\b|\b2023/1805\b"),
    "cn": re.compile(r"\bChina\b|\bMOT\b"),
}

# The control window under each regulation, for the glossary's "Control window".
WINDOW_NOTES = {
    "carb": "from Ready to Work + 2 hours to Pilot on Board − 1 hour (CARB)",
    "fueleu": "the stay at berth, arrival to departure, after any connection allowance (FuelEU)",
    "cn": "from arrival + the connection allowance to departure − the disconnection allowance "
          "(China)",
}


def regimes_of(*texts: str) -> set[str]:
    """The regulations whose terms a pack with these title / regulation texts uses."""
    joined = " ".join(t or "" for t in texts)
    return {name for name, pattern in REGIMES.items() if pattern.search(joined)}


# What else the excused hours count under a regulation (the summary splits them the same way).
EXCUSED_NOTES = {
    "carb": "under CARB also the whole uncontrolled time of the window of a visit excused by "
            "an honoured VIE or TIE",
}


# The excused-hours parts (report/summary.py `excused_parts`) that are not an event kind the
# glossary names, keyed by part: added to "Excused hours" when the report shows that part.
EXCUSED_PART_NOTES = {
    "several": "several kinds: the excused hours of visits whose excused time is covered by "
               "overlapping events of several kinds, counted once rather than split between "
               "the kinds",
    "other": "other: the excused hours of visits whose findings name no event kind for "
             "them (the pack reported excused time without the events' kind and minutes)",
}


def glossary(regimes: set[str], excused_parts: Iterable[str] = ()) -> list[dict]:
    """The terms a report under `regimes` uses; `excused_parts`: the keys of the excused-hours
    parts it shows, so a part's note appears only where the part does."""
    wanted = {"all", *regimes}
    shown = set(excused_parts)
    windows = [text for regime, text in WINDOW_NOTES.items() if regime in regimes]
    excused = [text for regime, text in EXCUSED_NOTES.items() if regime in regimes]
    excused += [text for part, text in EXCUSED_PART_NOTES.items() if part in shown]
    rows = []
    for term, meaning, packs in GLOSSARY:
        if packs not in wanted:
            continue
        if term == "Control window" and windows:
            meaning = ("The part of a visit in which emissions must be controlled: "
                       + "; ".join(windows) + ".")
        if term == "Excused hours" and excused:
            meaning = meaning.removesuffix(".") + "; " + "; ".join(excused) + "."
        rows.append({"term": term, "meaning": meaning})
    return rows
