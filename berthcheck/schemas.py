"""pandera.polars models for the input tables: the row checks of the data contract.

Every check is a vectorised polars expression (never element-wise Python) and is run on a
collected DataFrame, so value checks really run (a LazyFrame would get schema checks only).
A check's name is the reason shown to the user; dataframe-level checks are named
"<column>|<reason>" so the error can point at the column the user must fix.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl
from pandera.polars import PolarsData

from berthcheck.ingest.kinds import (
    CALL_PURPOSES,
    COVERAGE_KINDS,
    EVENT_KINDS,
    HOLDER_KINDS,
    MAX_STAY_DAYS,
    VESSEL_TYPES,
)

LOCODE = r"^[A-Z]{2}[A-Z2-9]{3}$"
UTC = pl.Datetime("us", "UTC")


def _col(data: PolarsData) -> pl.Expr:
    return pl.col(data.key)


def _imo_valid(expr: pl.Expr) -> pl.Expr:
    """IMO number: 7 digits, the last a check digit (weights 7..2 over the first six, mod 10)."""
    shaped = expr.str.contains(r"^\d{7}$")
    digits = [expr.str.slice(i, 1).cast(pl.Int32, strict=False) for i in range(7)]
    weighted = sum((d * (7 - i) for i, d in enumerate(digits[:6])), pl.lit(0))
    return expr.is_null() | (shaped & ((weighted % 10) == digits[6]).fill_null(False))


def _before(a: str, b: str, *, allow_equal: bool) -> pl.Expr:
    ok = pl.col(a) <= pl.col(b) if allow_equal else pl.col(a) < pl.col(b)
    return pl.col(a).is_null() | pl.col(b).is_null() | ok


class _Base(pa.DataFrameModel):
    class Config:
        strict = False  # lineage and error columns travel alongside
        coerce = False


class Visits(_Base):
    visit_id: str = pa.Field(nullable=False)
    imo: str = pa.Field(nullable=False)
    vessel_name: str = pa.Field(nullable=False)
    vessel_type: str = pa.Field(nullable=False, isin=list(VESSEL_TYPES))
    fleet: str = pa.Field(nullable=True)
    operator: str = pa.Field(nullable=True)
    port: str = pa.Field(nullable=False, str_matches=LOCODE)
    terminal: str = pa.Field(nullable=False)
    berth: str = pa.Field(nullable=False)
    arrival: UTC = pa.Field(nullable=False)  # type: ignore[valid-type]
    ready_to_work: UTC = pa.Field(nullable=True)  # type: ignore[valid-type]
    pilot_on_board: UTC = pa.Field(nullable=True)  # type: ignore[valid-type]
    departure: UTC = pa.Field(nullable=False)  # type: ignore[valid-type]
    shore_power_capable: bool = pa.Field(nullable=False)
    commissioned: bool = pa.Field(nullable=True)
    nox_tier: pl.Int64 = pa.Field(nullable=True, ge=0, le=3)
    gross_tonnage: float = pa.Field(nullable=True, gt=0)
    teu: float = pa.Field(nullable=True, ge=0)
    aux_power_kw: float = pa.Field(nullable=True, ge=0)
    boiler_power_kw: float = pa.Field(nullable=True, ge=0)
    reported_at: UTC = pa.Field(nullable=True)  # type: ignore[valid-type]
    dwt: float = pa.Field(nullable=True, gt=0)
    passengers: float = pa.Field(nullable=True, ge=0)
    aux_engine_speed: str = pa.Field(nullable=True, isin=["MSD", "HSD"])
    call_purpose: str = pa.Field(nullable=False, isin=list(CALL_PURPOSES))
    port_call: str = pa.Field(nullable=True)

    @pa.check("imo", name="not a valid IMO number (7 digits with a correct check digit)")
    def imo_check_digit(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_imo_valid(_col(data)))

    @pa.dataframe_check(name="departure|must be after arrival")
    def departure_after_arrival(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_before("arrival", "departure", allow_equal=False))

    @pa.dataframe_check(name="ready_to_work|must be at or after arrival and before departure")
    def ready_to_work_in_stay(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            _before("arrival", "ready_to_work", allow_equal=True)
            & _before("ready_to_work", "departure", allow_equal=False)
        )

    @pa.dataframe_check(name="pilot_on_board|must be after arrival and at or before departure")
    def pilot_on_board_in_stay(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            _before("arrival", "pilot_on_board", allow_equal=False)
            & _before("pilot_on_board", "departure", allow_equal=True)
        )

    @pa.dataframe_check(name=f"departure|stay longer than {MAX_STAY_DAYS} days")
    def stay_not_too_long(cls, data: PolarsData) -> pl.LazyFrame:
        stay = pl.col("departure") - pl.col("arrival")
        return data.lazyframe.select(stay.is_null() | (stay <= pl.duration(days=MAX_STAY_DAYS)))


class ShorePower(_Base):
    session_id: str = pa.Field(nullable=False)
    visit_id: str = pa.Field(nullable=False)
    connected: UTC = pa.Field(nullable=False)  # type: ignore[valid-type]
    disconnected: UTC = pa.Field(nullable=False)  # type: ignore[valid-type]
    energy_kwh: float = pa.Field(nullable=True, ge=0)
    meter_id: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="disconnected|must be after connected")
    def disconnected_after_connected(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_before("connected", "disconnected", allow_equal=False))


class Capture(_Base):
    session_id: str = pa.Field(nullable=False)
    visit_id: str = pa.Field(nullable=False)
    system_id: str = pa.Field(nullable=False)
    provider: str = pa.Field(nullable=True)
    started: UTC = pa.Field(nullable=False)  # type: ignore[valid-type]
    ended: UTC = pa.Field(nullable=False)  # type: ignore[valid-type]
    nox_inlet_ppm: float = pa.Field(nullable=True, ge=0)
    nox_outlet_ppm: float = pa.Field(nullable=True, ge=0)

    @pa.dataframe_check(name="ended|must be after started")
    def ended_after_started(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_before("started", "ended", allow_equal=False))


class Events(_Base):
    event_id: str = pa.Field(nullable=False)
    visit_id: str = pa.Field(nullable=False)
    kind: str = pa.Field(nullable=False, isin=list(EVENT_KINDS))
    start: UTC = pa.Field(nullable=True)  # type: ignore[valid-type]
    end: UTC = pa.Field(nullable=True)  # type: ignore[valid-type]
    reference: str = pa.Field(nullable=True)
    note: str = pa.Field(nullable=True)
    approval_ref: str = pa.Field(nullable=True)

    @pa.dataframe_check(name="end|must be after start")
    def end_after_start(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_before("start", "end", allow_equal=False))


class Berths(_Base):
    port: str = pa.Field(nullable=False, str_matches=LOCODE)
    terminal: str = pa.Field(nullable=False)
    berth: str = pa.Field(nullable=False)
    shore_power: bool = pa.Field(nullable=True)  # empty = unknown
    capture_available: bool = pa.Field(nullable=False)
    ops_available: bool = pa.Field(nullable=True)  # empty = unknown


class Terminals(_Base):
    port: str = pa.Field(nullable=False, str_matches=LOCODE)
    terminal: str = pa.Field(nullable=False)
    vessel_type: str = pa.Field(nullable=False, isin=list(VESSEL_TYPES))
    year: pl.Int64 = pa.Field(nullable=False, ge=2000, le=2100)
    regulated: bool = pa.Field(nullable=False)


class Allowances(_Base):
    year: pl.Int64 = pa.Field(nullable=False, ge=2000, le=2100)
    holder_kind: str = pa.Field(nullable=False, isin=list(HOLDER_KINDS))
    holder: str = pa.Field(nullable=False)
    granted: pl.Int64 = pa.Field(nullable=False, ge=0)
    port: str = pa.Field(nullable=True, str_matches=LOCODE)


class VisitCounts(_Base):
    year: pl.Int64 = pa.Field(nullable=False, ge=2000, le=2100)
    holder_kind: str = pa.Field(nullable=False, isin=list(HOLDER_KINDS))
    holder: str = pa.Field(nullable=False)
    port: str = pa.Field(nullable=True, str_matches=LOCODE)
    vessel_type: str = pa.Field(nullable=True, isin=list(VESSEL_TYPES))
    visits: pl.Int64 = pa.Field(nullable=False, ge=0)
    source: str = pa.Field(nullable=True)
    innovative_concept_visits: pl.Int64 = pa.Field(nullable=True, ge=0)

    @pa.dataframe_check(name="port|required for a terminal's count (a TIE belongs to a terminal "
                        "at one port)")
    def terminal_has_port(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("holder_kind") != "terminal") | pl.col("port").is_not_null()
        )


class Coverage(_Base):
    kind: str = pa.Field(nullable=False, isin=list(COVERAGE_KINDS))
    holder: str = pa.Field(nullable=False)
    year: pl.Int64 = pa.Field(nullable=False, ge=2000, le=2100)

    @pa.dataframe_check(name="holder|a port's coverage names the port by its UN/LOCODE, such "
                        "as USLAX")
    def port_holder_is_a_locode(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(
            (pl.col("kind") != "port") | pl.col("holder").str.contains(LOCODE)
        )


class Caecs(_Base):
    system_id: str = pa.Field(nullable=False)
    name: str = pa.Field(nullable=True)
    approved_from: pl.Date = pa.Field(nullable=False)
    approved_to: pl.Date = pa.Field(nullable=True)

    @pa.dataframe_check(name="approved_to|must not be before approved_from")
    def approval_ordered(cls, data: PolarsData) -> pl.LazyFrame:
        return data.lazyframe.select(_before("approved_from", "approved_to", allow_equal=True))


class Ports(_Base):
    port: str = pa.Field(nullable=False, str_matches=LOCODE)
    name: str = pa.Field(nullable=True)
    timezone: str = pa.Field(nullable=False)
    country: str = pa.Field(nullable=True)
    carb_at_berth: bool = pa.Field(nullable=False)
    afir_art9: bool = pa.Field(nullable=False)
    note: str = pa.Field(nullable=True)
    ops_required_from: pl.Date = pa.Field(nullable=True)
    port_area: str = pa.Field(nullable=True, isin=["coastal", "inland"])
    afir_art9_ship_type: str = pa.Field(nullable=True, isin=["container", "passenger"])


INPUT_SCHEMAS: dict[str, type[_Base]] = {
    "visits": Visits,
    "shore-power": ShorePower,
    "capture": Capture,
    "events": Events,
    "berths": Berths,
    "terminals": Terminals,
    "allowances": Allowances,
    "caecs": Caecs,
    "ports": Ports,
    "visit-counts": VisitCounts,
    "coverage": Coverage,
}
