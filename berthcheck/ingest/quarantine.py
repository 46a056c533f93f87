"""The quarantine: bad rows kept in the store with their reasons and their cells as written,
in the batch that loaded the file's good rows (`--quarantine`).
"""

from __future__ import annotations

import json
import re

import polars as pl

from berthcheck import store
from berthcheck.errors import RowError
from berthcheck.ingest.kinds import Kind
from berthcheck.ingest.prepare import Prepared
from berthcheck.ingest.read import ROW


def raw_records(prep: Prepared, kind: Kind, errors: list[RowError]) -> dict[int, str]:
    """The bad rows' cells as written (JSON), by row: what the quarantine keeps of each."""
    raw_cols = [c.name for c in kind.columns]
    bad = prep.typed.filter(pl.col(ROW).is_in(sorted({e.row for e in errors})))  # not every row
    return {
        r[ROW]: _json_escaped(json.dumps({c: r["_raw_" + c] for c in raw_cols},
                                         ensure_ascii=False))
        for r in bad.select([ROW, *("_raw_" + c for c in raw_cols)]).iter_rows(named=True)
    }


_DEL_C1 = re.compile("[\x7f-\x9f]")


def _json_escaped(text: str) -> str:
    """JSON written by `json.dumps(..., ensure_ascii=False)` with DEL and the C1 controls
    escaped too (`\\u0085`), as it escapes C0: the record of a row refused for such a
    character reads back as written, without storing the invisible character itself."""
    return _DEL_C1.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _text(value) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def quarantine_rows(
    con, records: dict[int, str], kind: Kind, errors: list[RowError], batch_id: int
) -> None:
    # one INSERT from a frame (in the same order as the rows were once inserted one by one)
    ordered = sorted(errors)
    frame = pl.DataFrame(
        {
            "batch_id": [batch_id] * len(ordered),
            "kind": [kind.name] * len(ordered),
            "source_file": [e.file for e in ordered],
            "source_row": [e.row for e in ordered],
            "column_name": [_text(e.column) for e in ordered],
            "value": [_text(e.value) for e in ordered],
            "reason": [f"{e.reason} [{e.path}]" if e.path else e.reason for e in ordered],
            "record": [records.get(e.row, "{}") for e in ordered],
        },
        schema={"batch_id": pl.Int32, "kind": pl.Utf8, "source_file": pl.Utf8,
                "source_row": pl.Int64, "column_name": pl.Utf8, "value": pl.Utf8,
                "reason": pl.Utf8, "record": pl.Utf8},
    )
    store.register(con, "_quarantined", frame)
    try:
        store.run(con, "INSERT INTO quarantine SELECT * FROM _quarantined")
    finally:
        con.unregister("_quarantined")
