"""Issue 16, the check's tail (docs/scaling-history.md, "Tenth pass, O"): a big check hashes its
results column by column while the sorted frame is made (`digest_v3.ColumnDigests`), on the
core the sort leaves free, instead of beside the stored run's inserts. The digests must be
the ones `frame_sha256` computes from the final frame, and a column the engine replaced
after it was hashed (cast to another type) is hashed again."""

from __future__ import annotations

import importlib
import threading

import polars as pl

from berthcheck.engine import digest_v3, manifest, results_frame


def _frame() -> pl.DataFrame:
    return pl.DataFrame({
        "visit_id": [f"V{i:03d}" for i in range(40)],
        "verdict": ["compliant" if i % 3 else None for i in range(40)],
        "hours": [i / 7 if i % 5 else None for i in range(40)],
        "days": pl.Series([i % 4 for i in range(40)], dtype=pl.Int32),
    })


def test_known_column_digests_give_the_frames_digest():
    frame = _frame()
    plain = digest_v3.frame_sha256(frame)
    known = digest_v3.ColumnDigests()
    try:
        for name in frame.columns:
            known.add(name, frame.get_column(name))
        assert digest_v3.frame_sha256(frame, known=known) == plain
        # only some columns known: the rest are hashed as before
        partial = digest_v3.ColumnDigests()
        partial.add("hours", frame.get_column("hours"))
        assert digest_v3.frame_sha256(frame, known=partial) == plain
        partial.close()
        # sorted first: the known digests (of the unsorted rows) are not used
        shuffled = frame.reverse()
        assert digest_v3.frame_sha256(shuffled, order=["visit_id"], known=known) == plain
    finally:
        known.close()


def test_a_column_cast_after_it_was_hashed_is_hashed_again():
    frame = _frame()
    known = digest_v3.ColumnDigests()
    try:
        for name in frame.columns:
            known.add(name, frame.get_column(name))
        # the engine's one replacement: a narrower integer column cast to BIGINT
        cast = frame.with_columns(pl.col("days").cast(pl.Int64),
                                  pl.col("hours").cast(pl.Float32))
        assert known.take("days", cast.get_column("days")) is None
        assert known.take("verdict", cast.get_column("verdict")) is not None
        assert known.take("not_a_column", cast.get_column("verdict")) is None
        assert digest_v3.frame_sha256(cast, known=known) == digest_v3.frame_sha256(cast)
        assert digest_v3.frame_sha256(cast) != digest_v3.frame_sha256(frame)  # float32 bits
    finally:
        known.close()


def test_a_big_checks_manifest_digests_are_the_frames(monkeypatch):
    """A small check forced down the big check's path (results in batches of 7 rows, sorted
    three columns at a time): every results column is hashed as it is made, and the run's
    manifest holds the digests of the final frames."""
    from tests.test_engine import _store_with_visits

    engine = importlib.import_module("berthcheck.engine.check")
    added: list[str] = []
    real = digest_v3.ColumnDigests.add

    def add(self, name, series):
        added.append(name)
        return real(self, name, series)

    monkeypatch.setattr(digest_v3.ColumnDigests, "add", add)
    hashed: list[str] = []  # the threads that hashed a column
    real_hash = digest_v3.series_sha256

    def series_sha256(series, tag=None):
        hashed.append(threading.current_thread().name)
        return real_hash(series, tag)

    monkeypatch.setattr(digest_v3, "series_sha256", series_sha256)
    monkeypatch.setattr(results_frame, "FETCH_BATCH_ROWS", 7)
    monkeypatch.setattr(results_frame, "SORT_APART_ROWS", 0)
    monkeypatch.setattr(results_frame, "SORT_GROUP_COLUMNS", 3)
    con = _store_with_visits(60)
    try:
        outcome = engine.check(con, period="2026-10", store_run=False)
    finally:
        con.close()
    assert sorted(added) == sorted(outcome.results.columns)
    assert outcome.column_digests is None  # its thread stopped with the check
    # no results column hashed twice: after the frame, only the findings' columns
    early = [name for name in hashed if name.startswith("bc-digest")]
    assert len(early) == outcome.results.width
    assert len(hashed) - len(early) == len(manifest.finding_columns())
    want = manifest.output_hashes(outcome.results, outcome.findings)
    assert (outcome.manifest["results_sha256"], outcome.manifest["findings_sha256"]) == want
