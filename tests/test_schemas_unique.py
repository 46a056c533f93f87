"""`holds` tests a unique column of sorted values by its neighbours (engine/schemas.py
`_unique_when_sorted`): it must find a repeated value exactly as the hashing test does."""

import pandera.polars as pa
import polars as pl

from berthcheck.engine.schemas import holds


def _schema(dtype=str):
    return pa.DataFrameSchema({"visit_id": pa.Column(dtype, unique=True, nullable=True)})


def test_sorted_unique_column_holds_and_a_repeat_is_found():
    ids = [f"LAX-{i:06d}" for i in range(1000)]
    assert holds(_schema(), pl.DataFrame({"visit_id": ids}))
    repeated = sorted([*ids, "LAX-000500"])  # sorted: the repeat sits next to itself
    assert pl.Series(repeated).is_sorted()
    assert not holds(_schema(), pl.DataFrame({"visit_id": repeated}))
    # the same repeat in unsorted rows (the hashing test) and in integers
    assert not holds(_schema(), pl.DataFrame({"visit_id": [*ids, "LAX-000500"]}))
    assert holds(_schema(int), pl.DataFrame({"visit_id": list(range(50))}))
    assert not holds(_schema(int), pl.DataFrame({"visit_id": [1, 2, 2, 3]}))


def test_nulls_are_left_to_the_hashing_test():
    # two nulls repeat each other for pandera's unique; neighbours' != would skip them
    assert not holds(_schema(), pl.DataFrame({"visit_id": [None, None, "a", "b"]}))
    assert holds(_schema(), pl.DataFrame({"visit_id": [None, "a", "b"]}))
