"""Property tests: random and malformed rows never crash the loader and never half-load a file."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from berthcheck.errors import InputRejected
from berthcheck.ingest.kinds import KINDS
from berthcheck.ingest.load import load_files

from .conftest import good_visit, snapshot, write_csv
from .example_stores import ExampleStores

# Cells drawn from plausible values, near misses and junk.
CELL = st.one_of(
    st.sampled_from([
        "", " ", "V1", "V2", "9321483", "9321484", "container", "Cruise", "submarine", "USLAX",
        "LAX", "NLRTM", "2026-10-01 06:00", "2026-10-03 06:00", "2026-11-01 01:30",
        "2026-03-08 02:30", "2026-10-01T13:00Z", "2026-10-01T06:00-07:00", "2026-13-45 99:99",
        "yes", "no", "maybe", "0", "1", "-1", "3.5", "1e309", "nan", "NULL", "\u00fc\u00df",
        "<img src=x>", "'; DROP TABLE visits; --", "2026-10-02", "EO-1", "vie", "emergency",
    ]),
    st.text(max_size=12),
)


def _rows(columns: list[str]):
    return st.lists(st.fixed_dictionaries({c: CELL for c in columns}), min_size=1, max_size=6)


SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _check_atomic(con, kind: str, path: Path) -> bool:
    """Load the file; True when it was rejected (and so, as asserted, nothing was written)."""
    before = snapshot(con)
    try:
        load_files(con, kind, [path])
    except InputRejected as rejected:
        assert snapshot(con) == before  # nothing of a rejected file is written
        assert rejected.errors or rejected.headline
        for error in rejected.errors:
            assert error.file == path.name and error.row >= 1 and error.reason
        return True
    return False


@pytest.fixture
def stores(tmp_path):
    """An empty store, reused by the examples while they leave it unchanged."""
    pool = ExampleStores(tmp_path)
    yield pool
    pool.close()


def _load_one_visit(con, folder: Path) -> None:
    load_files(con, "visits", [write_csv(folder / "base.csv", [good_visit()])])


@pytest.fixture
def stores_with_a_visit(tmp_path):
    """A store holding one visit, reused by the examples while they leave it unchanged."""
    pool = ExampleStores(tmp_path, _load_one_visit)
    yield pool
    pool.close()


@SETTINGS
@given(rows=_rows(list(good_visit().keys()) + ["nox_tier", "teu", "reported_at"]))
def test_random_visits_never_crash_or_half_load(stores, tmp_path, rows):
    with stores.store() as con:
        stores.unchanged = _check_atomic(con, "visits", write_csv(tmp_path / "visits.csv", rows))


@SETTINGS
@given(
    kind=st.sampled_from(["shore-power", "capture", "events", "berths", "caecs", "allowances"]),
    data=st.data(),
)
def test_random_rows_of_every_kind_never_crash(stores_with_a_visit, tmp_path, kind, data):
    columns = [c.name for c in KINDS[kind].columns]
    rows = data.draw(_rows(columns))
    with stores_with_a_visit.store() as con:
        stores_with_a_visit.unchanged = _check_atomic(
            con, kind, write_csv(tmp_path / f"{kind}.csv", rows))


@SETTINGS
@given(content=st.binary(max_size=300))
def test_arbitrary_bytes_are_rejected_cleanly(stores, tmp_path, content):
    path = tmp_path / "visits.csv"
    path.write_bytes(content)
    with stores.store() as con:
        stores.unchanged = _check_atomic(con, "visits", path)


def test_quoted_csv_with_ragged_rows_is_rejected_cleanly(con, tmp_path):
    path = tmp_path / "visits.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(good_visit().keys())
        writer.writerow(list(good_visit().values())[:5])
    _check_atomic(con, "visits", path)
