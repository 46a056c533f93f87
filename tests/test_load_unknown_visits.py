"""A session or event naming a visit that is not loaded is refused once, by the file's typing
(issue 16).

The typing looks up each row's visit for its time zone and refuses a row whose visit is not
loaded (prepare.py). The cross-row checks searched the stored visits for the staged rows'
visits a second time, a join over every stored visit, and found none: the rows refused had
left the stage. They no longer search; the same rows are refused with the same words, once.
"""

from __future__ import annotations

import csv
import shutil

import pytest

from berthcheck import store
from berthcheck.demo import load_sample
from berthcheck.ingest import cross_rows
from berthcheck.ingest.load import load_files
from berthcheck.resources import sample_data_dir

_FILES = {"shore-power": "shore_power.csv", "capture": "capture.csv", "events": "events.csv"}


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    base = tmp_path_factory.mktemp("unknown-visits")
    source = base / "sample"
    shutil.copytree(sample_data_dir(), source, ignore=shutil.ignore_patterns("*-*", "dirty"))
    con = store.connect(base / "bc.duckdb")
    load_sample(con, source)
    con.close()
    return base / "bc.duckdb", source


@pytest.mark.parametrize("kind", sorted(_FILES))
def test_rows_of_visits_not_loaded_are_refused_once_without_a_second_search(
        sample_store, tmp_path, monkeypatch, kind):
    db, source = sample_store
    with open(source / _FILES[kind], newline="", encoding="utf-8") as fh:
        header, first, *_ = list(csv.reader(fh))
    key, visit = header.index(header[0]), header.index("visit_id")

    def row(suffix: str, visit_id: str) -> list[str]:
        cells = list(first)
        cells[key] = first[key] + suffix
        cells[visit] = visit_id
        return cells

    rows = [row("-NEW", first[visit]),               # row 2: a loaded visit (overlapping)
            row("-LOST", "NO-SUCH-VISIT"),           # row 3: a visit never loaded
            row("-CASE", first[visit].lower())]      # row 4: a loaded visit in lower case
    path = tmp_path / _FILES[kind]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    copy = tmp_path / "bc.duckdb"
    shutil.copy(db, copy)

    def searched(*args, **kwargs):
        raise AssertionError("the stored visits were searched a second time")

    monkeypatch.setattr(cross_rows, "_unknown_visits", searched)
    con = store.connect(copy)
    try:
        report = load_files(con, kind, [path], quarantine=True)
    finally:
        con.close()
    problems = [(e.row, e.column, e.value, e.reason) for e in report.errors
                if e.column == "visit_id"]
    assert problems == [
        (3, "visit_id", "NO-SUCH-VISIT", "no such visit is loaded (load the visits first)"),
        (4, "visit_id", first[visit].lower(),
         f"no such visit is loaded; the loaded visits have {first[visit]!r}, which differs "
         "only by case or spaces (visit ids match letter for letter)"),
    ]
