"""Issue 15: a property over the loader. Every file is either loaded exactly -- the stored
values equal an independent parse of the file -- or rejected whole, with file, row and column
named and the database unchanged. Sized to stay fast (a few seconds)."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from berthcheck import store
from berthcheck.errors import InputRejected
from berthcheck.ingest.kinds import VISITS
from berthcheck.ingest.load import load_files

from .conftest import snapshot
from .example_stores import ExampleStores

HEADER = ["visit_id", "imo", "vessel_name", "vessel_type", "port", "terminal", "berth",
          "arrival", "departure", "gross_tonnage"]
TYPES = {"container": "container", "Cruise": "passenger", "oil tanker": "tanker"}
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
               max_size=10)


@st.composite
def visit_rows(draw):
    n = draw(st.integers(min_value=1, max_value=4))
    rows = []
    for i in range(n):
        arrival = draw(st.datetimes(min_value=dt.datetime(2024, 1, 1),
                                    max_value=dt.datetime(2027, 1, 1)))
        offset = draw(st.sampled_from(["Z", "-07:00", "+01:00", "+05:30"]))
        hours = draw(st.integers(min_value=-3, max_value=80))
        departure = arrival + dt.timedelta(hours=hours, minutes=draw(st.integers(0, 59)))
        rows.append({
            "visit_id": draw(st.one_of(st.just(f"V{i}"), TEXT)),
            "imo": draw(st.sampled_from(["9321483", "9811000", "9074729", "9321484", ""])),
            "vessel_name": draw(st.one_of(st.just("EVER =GIVEN"), TEXT)),
            "vessel_type": draw(st.sampled_from([*TYPES, "submarine"])),
            "port": draw(st.sampled_from(["USLAX", "NLRTM", "USZZZ", "lax"])),
            "terminal": "T1",
            "berth": f"B{i}",
            "arrival": arrival.strftime("%Y-%m-%dT%H:%M:%S") + offset,
            "departure": departure.strftime("%Y-%m-%dT%H:%M:%S") + offset,
            "gross_tonnage": draw(st.sampled_from(["", "1000", "2.5e4", "95000.5", "-3", "9e9",
                                                   "abc", "0"])),
        })
    return rows


def _instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.UTC)


def _independent(row: dict) -> tuple:
    """What the store must hold for a row, parsed without berthcheck's code."""
    tonnage = row["gross_tonnage"].strip()
    return (
        row["visit_id"].strip(),
        row["imo"],
        row["vessel_name"].strip() or None,
        TYPES[row["vessel_type"]],
        row["port"].strip().upper(),
        _instant(row["arrival"]),
        _instant(row["departure"]),
        float(tonnage) if tonnage else None,
    )


@pytest.fixture
def stores(tmp_path):
    """An empty store, reused by the examples while they leave it unchanged."""
    pool = ExampleStores(tmp_path)
    yield pool
    pool.close()


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=visit_rows())
@example(rows=[{  # one file that must load, whatever the random draws give
    "visit_id": " V1 ", "imo": "9321483", "vessel_name": "=EVER GIVEN", "vessel_type": "Cruise",
    "port": "nlrtm", "terminal": "T1", "berth": "B1", "arrival": "2026-10-01T06:00:00-07:00",
    "departure": "2026-10-02T06:30:00Z", "gross_tonnage": "2.5e4"}])
def test_a_file_is_loaded_exactly_or_rejected_whole(stores, tmp_path, rows):
    path = tmp_path / "visits.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with stores.store() as con:
        before = snapshot(con)
        try:
            load_files(con, "visits", [path])
        except InputRejected as rejected:
            assert snapshot(con) == before  # rejected whole: nothing written
            assert rejected.errors, rejected.headline
            columns = {c.name for c in VISITS.columns} | {"visit_id"}
            for error in rejected.errors:
                assert error.file == "visits.csv"
                assert 2 <= error.row <= len(rows) + 1
                assert error.column in columns and error.reason
            stores.unchanged = True
            return
        stored = store.run(
            con, "SELECT visit_id, imo, vessel_name, vessel_type, port, arrival, departure, "
                 "gross_tonnage FROM visits ORDER BY _source_row")
        assert [tuple(r) for r in stored] == [_independent(r) for r in rows]
