"""The FuelEU and Chinese packs' findings write their local times with the seconds when they
have any, as the CARB pack's do since 1.2.10 (docs/contract.md 4 "Minutes").

Their messages cut times to the minute while the hours beside them were exact: a Rotterdam stay
ending at 06:00:30 read "24.01 h at berth not on OPS (2030-06-03 06:00 to 2030-06-04 06:00)",
and its penalty billed 25 h for what read as 24 h on the clock. One engine macro,
bc_local_time, now writes them for the three packs (CARB's local_text is it; checked below
instant by instant against texts worked out by hand).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from berthcheck import store
from berthcheck.engine import load_pack
from berthcheck.engine.pack_fixtures import run_case
from berthcheck.engine.pack_macros import define_macros

RULES = Path(__file__).resolve().parents[1] / "rules"


def _messages(pack_id: str, spec: dict, defaults: dict, rule: str) -> dict[str, str]:
    outcome = run_case(spec, load_pack(pack_id), defaults)
    return {r["visit_id"]: r["message"] for r in outcome.findings.iter_rows(named=True)
            if r["rule_id"] == rule}


FUELEU_STAY = {"port": "NLRTM", "terminal": "ECT", "berth": "E1", "gross_tonnage": 95000,
               "aux_power_kw": 1000, "arrival": "2030-06-03 06:00",
               "ready_to_work": None, "pilot_on_board": None}


def test_a_fueleu_stay_ending_at_thirty_seconds_says_so():
    # Rotterdam (CEST): 2030-06-03 06:00 to 06-04 06:00:30 without OPS = 24 h 30 s =
    # 86 430 s = 24.008333 h ("24.01 h"), billed rounded up to 25 h:
    # 1.5 EUR/kWh x 1 000 kW x 25 h = EUR 37 500. ON_MINUTE: 24 h, billed 24 h = EUR 36 000.
    spec = {"tables": {"visits": [
        {"visit_id": "HALF_MINUTE", "departure": "2030-06-04 06:00:30"},
        {"visit_id": "ON_MINUTE", "imo": "9321483", "berth": "E2",
         "departure": "2030-06-04 06:00"}]}}
    messages = _messages("fueleu-art6", spec, FUELEU_STAY, "FE05")
    assert messages["HALF_MINUTE"] == (
        "no OPS use: 24.01 h at berth not on OPS and not excused (2030-06-03 06:00 to "
        "2030-06-04 06:00:30 Europe/Amsterdam); penalty EUR 37500.00 = 1.5 EUR/kWh x 1000.0 kW "
        "(given) x 25.0 h")
    assert messages["ON_MINUTE"] == (
        "no OPS use: 24.00 h at berth not on OPS and not excused (2030-06-03 06:00 to "
        "2030-06-04 06:00 Europe/Amsterdam); penalty EUR 36000.00 = 1.5 EUR/kWh x 1000.0 kW "
        "(given) x 24.0 h")


CN_CALL = {"port": "CNSHA", "terminal": "YSA", "berth": "Y1", "shore_power_capable": True,
           "arrival": "2026-10-03 06:00", "ready_to_work": None, "pilot_on_board": None}


def test_a_chinese_call_ending_at_thirty_seconds_says_so():
    # Shanghai (UTC+8): 2026-10-03 06:00 to 10-04 02:00:30, no shore power; the window is
    # arrival + 1 h to departure - 1 h = 07:00 to 01:00:30 = 18 h 30 s = 18.008333 h ("18.01 h").
    spec = {"tables": {"visits": [{"visit_id": "HALF_MINUTE",
                                   "departure": "2026-10-04 02:00:30"}]}}
    messages = _messages("cn-shore-power", spec, CN_CALL, "CN07")
    assert messages["HALF_MINUTE"].startswith(
        "no shore power used: 18.01 h of the window 2026-10-03 07:00 to 2026-10-04 01:00:30 "
        "Asia/Shanghai not on shore power"), messages["HALF_MINUTE"]


# instants in UTC, the zone, and the text a message writes (by hand: Los Angeles is UTC-8 on
# 2026-11-01 after 09:00Z and on 11-03/11-08, UTC-7 before; 2026-11-01 01:00-02:00 and
# Amsterdam's 2030-10-27 02:00-03:00 happen twice, so those keep their offset; Shanghai UTC+8)
INSTANTS = [
    ("2026-11-03 18:00:00", "America/Los_Angeles", "2026-11-03 10:00"),  # on the minute
    ("2026-11-03 18:30:30", "America/Los_Angeles", "2026-11-03 10:30:30"),
    ("2026-11-08 18:00:00.5", "America/Los_Angeles", "2026-11-08 10:00:00.5"),
    ("2026-11-08 18:00:00.000001", "America/Los_Angeles", "2026-11-08 10:00:00.000001"),
    ("2026-11-01 09:30:30", "America/Los_Angeles", "2026-11-01 01:30:30 UTC-08:00"),  # PST
    ("2026-11-01 08:30:00", "America/Los_Angeles", "2026-11-01 01:30 UTC-07:00"),  # PDT
    ("2030-10-27 01:15:45.25", "Europe/Amsterdam", "2030-10-27 02:15:45.25 UTC+01:00"),  # CET
    ("2026-10-03 17:00:30", "Asia/Shanghai", "2026-10-04 01:00:30"),
    ("1969-12-31 23:59:59.5", "UTC", "1969-12-31 23:59:59.5"),  # before the epoch
]


@pytest.fixture(scope="module")
def macros():
    con = store.connect(":memory:")
    define_macros(con)
    carb = (RULES / "carb-at-berth-2020" / "stages" / "00_macros.sql").read_text()
    store.run(con, carb)
    yield con
    con.close()


@pytest.mark.parametrize(("utc", "tz", "text"), INSTANTS)
def test_the_engine_macro_writes_each_instant_as_every_pack_shows_it(macros, utc, tz, text):
    """bc_local_time is the one rule the three packs' messages follow (CARB's local_text is
    it since 1.2.10): each instant's text, and CARB's macro giving the same."""
    ts = f"CAST(TIMESTAMP '{utc}' AS TIMESTAMPTZ)"  # the connection's zone is UTC
    ours, carb = macros.execute(
        f"SELECT bc_local_time({ts}, ?), local_text({ts}, ?)", [tz, tz]).fetchone()
    assert (ours, carb) == (text, text)


def test_times_on_the_minute_read_as_before(macros):
    got = macros.execute(
        "SELECT bc_local_time(CAST(TIMESTAMP '2026-11-01 09:30:00' AS TIMESTAMPTZ), "
        "'America/Los_Angeles'), bc_local_time(CAST(TIMESTAMP '2026-11-01 09:30:30' AS "
        "TIMESTAMPTZ), 'America/Los_Angeles'), bc_local_text(CAST(TIMESTAMP "
        "'2026-11-01 09:30:00' AS TIMESTAMPTZ), 'America/Los_Angeles')").fetchone()
    assert got == ("2026-11-01 01:30 UTC-08:00", "2026-11-01 01:30:30 UTC-08:00",
                   "2026-11-01 01:30 UTC-08:00")
