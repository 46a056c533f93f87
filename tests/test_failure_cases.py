"""Issue 16, a rejected file's load: the input model's failing rows are found in one polars
query (`engine.schemas.failure_cases`), not by pandera's one query per check. They must be
exactly what pandera's lazy validation lists: the same checks, columns and rows, in the same
order, so every message of a rejected file reads as it did, in its order."""

from __future__ import annotations

import datetime as dt
import random

import pandera.polars as pa
import polars as pl
import pytest

from berthcheck.engine.schemas import failure_cases
from berthcheck.errors import InputRejected
from berthcheck.schemas import INPUT_SCHEMAS

_TIMES = [dt.datetime(2026, 10, 1, tzinfo=dt.UTC) + dt.timedelta(hours=h)
          for h in (0, 5, 9, 30, 24 * 40)]
# each type's values, right and wrong for some check: shapes, vocabularies, signs, ranges,
# NaN (null to pandera's non-null check), IMO numbers with a right and a wrong check digit
_POOL: dict = {
    pl.String: ["USLAX", "uslax", "x", "container", "MSD", "terminal", "port", "9074729",
                "1234567", "cargo", "passengers", ""],
    pl.Float64: [1.0, 0.0, -1.0, float("nan"), 2.5, float("inf")],
    pl.Int64: [2026, 0, 3, -1, 5000, 2],
    pl.Boolean: [True, False],
    pl.Date: [dt.date(2026, 1, 1), dt.date(2025, 1, 1)],
}


def _pandera_cases(schema, frame) -> list[tuple]:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        return list(exc.failure_cases.select("check", "column", "index").iter_rows())
    return []


def _damaged(schema, rng: random.Random) -> pl.DataFrame:
    rows = rng.choice([1, 2, 3, 7, 20])
    data = {}
    for name, column in schema.columns.items():
        kind = column.dtype.type
        pool = _TIMES if isinstance(kind, pl.Datetime) else _POOL[kind]
        empty = rng.choice([0, 0.1, 0.5])
        data[name] = pl.Series(name, [None if rng.random() < empty else rng.choice(pool)
                                      for _ in range(rows)], dtype=kind)
    data["_source_row"] = pl.Series(range(2, rows + 2))  # a column the model does not name
    return pl.DataFrame(data)


@pytest.mark.parametrize("kind", sorted(INPUT_SCHEMAS))
def test_failure_cases_are_panderas(kind):
    schema = INPUT_SCHEMAS[kind].to_schema()
    rng = random.Random(f"failure-cases-{kind}")
    failing = 0
    for _ in range(40):
        frame = _damaged(schema, rng)
        theirs = _pandera_cases(schema, frame)
        assert failure_cases(schema, frame) == theirs, frame
        failing += bool(theirs)
    assert failing > 10  # the frames did break the checks


def test_a_frame_this_reading_does_not_cover_is_left_to_pandera():
    schema = INPUT_SCHEMAS["shore-power"].to_schema()
    frame = _damaged(schema, random.Random(1))
    assert failure_cases(schema, frame.with_columns(pl.col("energy_kwh").cast(pl.Int64))) is None
    assert failure_cases(schema, frame.drop("meter_id")) is None
    unique = pa.DataFrameSchema({"a": pa.Column(pl.Int64, unique=True)})
    assert failure_cases(unique, pl.DataFrame({"a": [1, 1]})) is None


def test_a_rejected_files_messages_are_those_pandera_gave(tmp_path, monkeypatch):
    """A visits file breaking most of the model's checks, twice over: the load's messages,
    their order included, are those it gave when pandera listed the failing rows."""
    from berthcheck import store
    from berthcheck.ingest.load import load_files

    rows = ["visit_id,imo,vessel_name,vessel_type,port,terminal,berth,arrival,departure,"
            "shore_power_capable,nox_tier,gross_tonnage,aux_power_kw,call_purpose,"
            "aux_engine_speed,ready_to_work",
            "V1,1234567,A,container,uslax,T,B1,2026-10-02T00:00Z,2026-10-01T00:00Z,true,5,0,"
            "-1,cargo,LSD,2026-09-01T00:00Z",
            "V2,9074729,B,tanker,USLAX,T,B1,2026-10-01T00:00Z,2026-12-30T00:00Z,false,-1,-5,"
            "3,other,MSD,2026-10-01T00:00Z",
            "V3,9074728,C,container,LAX,T,B1,2026-10-01T00:00Z,2026-10-01T00:00Z,true,2,5,"
            "1,cargo,,"]
    path = tmp_path / "visits.csv"
    path.write_text("\n".join(rows) + "\n")

    def messages() -> list[str]:
        con = store.connect(tmp_path / f"s{len(list(tmp_path.glob('*.duckdb')))}.duckdb")
        try:
            with pytest.raises(InputRejected) as exc:
                load_files(con, "visits", [path])
        finally:
            con.close()
        return [str(e) for e in exc.value.errors] + [str(exc.value)]

    ours = messages()
    import berthcheck.engine.schemas as engine_schemas

    monkeypatch.setattr(engine_schemas, "failure_cases", lambda schema, frame: None)
    theirs = messages()
    assert len(ours) > 12
    assert ours == theirs
