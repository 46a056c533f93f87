"""Per-visit notes (`[pack] notes`, issue 16 item 7): a note rule's text is a result column.

A note rule says something about a visit that nobody acts on (CARB AB01: why a visit is not
applicable). Run as findings it was most of a check's findings (734 k of 904 k at a million
visits), each with an id, a digest line and a stored row; so by default a check does not run
it and the pack's assemble.sql writes the same text into a declared column. `check --notes`
runs it as findings as before (same ids), and then the engine checks that the two agree: on
each visit the column holds the note's message, NULL where the rule has no finding. Fixture
cases run with notes on (engine/pack_fixtures.py), so every case of a pack proves it.
"""

from __future__ import annotations

from berthcheck.engine.pack import Pack

_SHOWN = 3  # visits named in a message


def check_notes(pack: Pack, results, findings) -> None:
    """Each note rule's findings against its column (a check run with notes=True): at most one
    finding per visit, and its message equal to the column's text; otherwise a pack failure
    naming the rule file, the column and the first visits that differ."""
    import polars as pl

    from berthcheck.engine.sandbox import pack_failure

    for rule_id, column in pack.notes.items():
        mine = findings.filter(pl.col("rule_id") == rule_id).select("visit_id", "message")
        twice = mine.group_by("visit_id").len().filter(pl.col("len") > 1)
        if twice.height:
            raise pack_failure(pack, f"{rule_id}.sql", ValueError(
                f"note rule {rule_id} gives more than one finding on visit(s) "
                + ", ".join(twice["visit_id"].sort().head(_SHOWN).to_list())
                + f"; a note is one text per visit (result column {column})"))
        both = (results.select("visit_id", pl.col(column).alias("_text"))
                .join(mine, on="visit_id", how="left"))
        differ = both.filter(pl.col("_text").ne_missing(pl.col("message"))).sort("visit_id")
        if differ.height:
            row = differ.row(0, named=True)
            raise pack_failure(pack, pack.assemble_file, ValueError(
                f"result column {column} is the text of note rule {rule_id}, but on "
                f"{differ.height} visit(s) it differs from the rule's message (first: visit "
                f"{row['visit_id']}: column {row['_text']!r}, {rule_id} {row['message']!r})"))
