"""A file's unread columns are kept in `extra`, each row's cells as one JSON object, the text
`json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)` writes. It is part of every
row's hashes, so the text must stay that, to the byte, whoever writes it (polars for text
cells, `read.extra_json`; the row loop for other cells)."""

from __future__ import annotations

import json

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from berthcheck.ingest.read import extra_json

_NAMES = st.text(min_size=1, max_size=6)  # headers: any text, quotes, controls, emoji
_CELLS = st.one_of(st.none(), st.text(max_size=12),
                   st.sampled_from(["", " ", '"', "\\", "\n", "\x00", "\x7f", "\u2028", "é"]))


def _by_the_loop(frame: pl.DataFrame, extras: list[str]) -> list[str]:
    # the columns by name as written (`frame.select` would read `*` as every column)
    return [json.dumps(r, sort_keys=True, ensure_ascii=False, default=str)
            for r in pl.DataFrame([frame.get_column(n) for n in extras]).to_dicts()]


@given(st.lists(_NAMES, min_size=1, max_size=5, unique=True), st.data())
@settings(max_examples=200, deadline=None)
def test_text_cells_are_written_as_json_dumps_writes_them(names, data):
    rows = data.draw(st.integers(0, 6))
    frame = pl.DataFrame(
        {name: pl.Series([data.draw(_CELLS) for _ in range(rows)], dtype=pl.Utf8)
         for name in names})
    extra = extra_json(frame, names)
    assert extra.name == "extra" and extra.dtype == pl.Utf8
    assert extra.to_list() == _by_the_loop(frame, names)


def test_every_character_is_escaped_as_json_dumps_escapes_it():
    # the first 0x3000 code points one by one (controls, quotes, Latin, ...), the rest
    # sampled, and the planes' edges (every code point was compared once: no difference)
    points = [*range(0x3000), *range(0x3000, 0x110000, 97), 0xFEFF, 0xFFFF, 0x10FFFF]
    cells = ["a" + chr(c) + "b" for c in points if not 0xD800 <= c <= 0xDFFF]
    frame = pl.DataFrame({"note": cells, "Ref \"no\"": [None] * len(cells)})
    assert extra_json(frame, frame.columns).to_list() == _by_the_loop(frame, frame.columns)


def test_cells_of_other_types_take_the_row_loop():
    frame = pl.DataFrame({"n": [1, None], "when": ["x", None], "f": [1.5, 2.0]})
    assert extra_json(frame, ["n", "when", "f"]).to_list() == _by_the_loop(
        frame, ["n", "when", "f"])


def test_headers_polars_would_read_as_patterns_are_names_like_any_other():
    """`*` and `^...$` are headers a file may have: polars' `pl.col` reads them as every
    column and a pattern. The cells under them are kept under those names (a visits file with
    an unread column `*` failed to load: "unexpected DuplicateError")."""
    frame = pl.DataFrame({"0": ["a", None], "*": ["b", "c"], "^.*$": [None, "d"]})
    names = ["0", "*", "^.*$"]
    assert extra_json(frame, names).to_list() == _by_the_loop(frame, names) == [
        '{"*": "b", "0": "a", "^.*$": null}', '{"*": "c", "0": null, "^.*$": "d"}']
    typed = frame.with_columns(pl.Series("*", [1, 2]))  # a cell not text: the row loop
    assert extra_json(typed, names).to_list() == _by_the_loop(typed, names)


def test_a_file_with_such_headers_loads_and_keeps_their_cells(tmp_path):
    from berthcheck import store
    from berthcheck.ingest.load import load_files
    from tests.conftest import good_visit, write_csv

    row = good_visit(**{"*": "starred", "^remark$": "pattern"})
    con = store.connect(tmp_path / "s.duckdb")
    try:
        load_files(con, "visits", [write_csv(tmp_path / "visits.csv", [row])])
        assert store.run(con, "SELECT visit_id, imo, extra FROM visits") == [
            ("V1", "9321483", '{"*": "starred", "^remark$": "pattern"}')]
    finally:
        con.close()
