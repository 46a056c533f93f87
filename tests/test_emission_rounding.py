"""The emission stage's kilograms leave DuckDB in units of the last kept decimal, unrounded,
and are rounded half to even as they are copied out (`emission_stage.round_scaled`: numpy's
`rint`, then / 10^4), instead of a CASE over DuckDB's `round` on 25 columns of every visit (a
third of the emission arithmetic's CPU at a million visits). Both must give DuckDB's
`round_even(y, 0) / 10^4` bit for bit, sign of zero, infinities and NULLs included."""

import duckdb
import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from berthcheck.emission_stage import ROUNDED_COLUMNS, round_scaled
from berthcheck.emissions import KG_COLUMNS, KG_DECIMALS

_VALUES = """
    SELECT (random() - 0.5) * pow(10, (i % 30) - 8) AS y FROM range(200000) t(i)
    UNION ALL SELECT (i - 50000) / 2.0 FROM range(100000) t(i)
    UNION ALL SELECT (i - 50000) / 4.0 FROM range(100000) t(i)
    UNION ALL SELECT nextafter(CAST((i - 500) / 2.0 AS DOUBLE), CAST(1e9 AS DOUBLE))
        FROM range(1000) t(i)
    UNION ALL SELECT nextafter(CAST((i - 500) / 2.0 AS DOUBLE), CAST(-1e9 AS DOUBLE))
        FROM range(1000) t(i)
    UNION ALL SELECT unnest([0.0, -0.0, -0.5, -0.4, 0.5, 1.5, -1.5, 2.5, -2.5, -1e-300,
        0.49999999999999994, -0.49999999999999994, 4503599627370495.5,
        -4503599627370495.5, 4503599627370497.0, 9007199254740993.0, 1e300, -1e300,
        1.7976931348623157e308, 5e-324, -5e-324, 'inf', '-inf', NULL]::DOUBLE[])
"""


def _bits(array: pa.Array) -> list:
    """Each value's IEEE bits (None for NULL): -0.0 and 0.0 differ."""
    return pc.if_else(array.is_valid(), array.view(pa.int64()), None).to_pylist()


def test_round_scaled_is_round_even_bit_for_bit():
    con = duckdb.connect()
    scale = float(10 ** KG_DECIMALS)
    table = con.sql(f"SELECT y, round_even(y, 0) / {scale} AS want "  # noqa: S608 - constants
                    f"FROM ({_VALUES})").arrow().read_all()
    y, want = table["y"].combine_chunks(), table["want"].combine_chunks()
    assert len(y) > 400_000 and y.null_count == 1
    assert _bits(round_scaled(y)) == _bits(want)
    # a slice (an offset into the buffers, as DuckDB's batches may have) and no NULL at all
    assert _bits(round_scaled(y.slice(1000, 5000))) == _bits(want.slice(1000, 5000))
    assert _bits(round_scaled(y.slice(0, 100).drop_null())) == _bits(want.slice(0, 100).drop_null())
    # the sign of a zero that rounds from a negative value is kept, as round_even keeps it
    assert _bits(round_scaled(pa.array([-0.4, -0.5, 0.4]))) == _bits(pa.array([-0.0, -0.0, 0.0]))


def test_round_scaled_reads_other_number_types_as_doubles():
    assert round_scaled(pa.array([25, None, -15], pa.int64())).to_pylist() == [0.0025, None, -0.0015]
    assert round_scaled(pa.array([], pa.float64())).to_pylist() == []
    assert round_scaled(pa.nulls(3, pa.float64())).to_pylist() == [None, None, None]


def test_the_rounded_columns_are_the_kilograms_and_the_estimated_energy():
    assert set(ROUNDED_COLUMNS) == {"shore_power_energy_kwh_estimated", *KG_COLUMNS}


@pytest.mark.parametrize("rows", [5, 3000])
def test_emission_frames_are_rounded(rows):
    """`emissions.compute_emissions` (the stage on polars frames) gives rounded kilograms:
    every value a whole number of 10^-4 kg (1234.567 kW for a third of an hour is not)."""
    from berthcheck.emissions import compute_emissions

    results = pl.DataFrame({
        "visit_id": [f"V{i}" for i in range(rows)],
        "verdict": ["non_compliant"] * rows,
        "stay_hours": [10.0 + i / 7 for i in range(rows)],
        "shore_power_hours": [1.0 / 3] * rows,
        "capture_hours": [0.0] * rows,
        "uncontrolled_hours": [9.0 + i / 7 for i in range(rows)],
    })
    attributes = pl.DataFrame({"visit_id": results["visit_id"],
                               "vessel_type": ["container"] * rows,
                               "aux_power_kw": [1234.567] * rows})
    out = compute_emissions(results, attributes)
    for name in ROUNDED_COLUMNS:
        values = out[name].drop_nulls().to_numpy()
        assert len(values) == rows, name
        scale = 10.0 ** KG_DECIMALS
        assert (np.rint(values * scale) / scale == values).all(), name


@pytest.mark.parametrize("spill", [False, True])
@pytest.mark.parametrize("batch_rows", [7, 1000])
def test_the_results_read_out_rounds_the_named_columns(monkeypatch, tmp_path, spill, batch_rows):
    """`read_batches(rounded=...)`, as the check reads its results: in one batch, in many,
    and spilled to disk (a big check), the named columns come out rounded, bit for bit
    DuckDB's `round_even`, and the others as they were."""
    from berthcheck.engine import results_frame

    monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", batch_rows)
    con = duckdb.connect()
    con.execute("CREATE TABLE t AS SELECT 'V' || lpad(i::VARCHAR, 3, '0') AS visit_id, "
                "CASE WHEN i % 9 = 0 THEN NULL ELSE (i - 30) / 2.0 + (i % 3) * 1e-9 END "
                "AS excess_nox_kg, (i - 30) / 2.0 AS stay_hours FROM range(60) r(i) "
                "ORDER BY hash(i)")
    want = con.sql("SELECT visit_id, round_even(excess_nox_kg, 0) / 10000.0 AS excess_nox_kg, "
                   "stay_hours FROM t ORDER BY visit_id").arrow().read_all()
    fetched = results_frame.read_batches(con, "SELECT * FROM t", {},
                                         tmp_path if spill else None,
                                         rounded=["excess_nox_kg", "not_there"])
    con.close()
    got = fetched.sorted(("visit_id",)).to_arrow()
    assert got["visit_id"].to_pylist() == want["visit_id"].to_pylist()
    for name in ("excess_nox_kg", "stay_hours"):
        assert _bits(got[name].combine_chunks()) == _bits(want[name].combine_chunks()), name
