"""docs/interchange.md lists every column of every export, with the same status."""

from __future__ import annotations

from pathlib import Path

from berthcheck.export import carb_visits, fueleu_calls, indicators, wharfinger

DOC = Path(__file__).resolve().parents[1] / "docs" / "interchange.md"


def test_interchange_lists_every_export_column():
    text = DOC.read_text(encoding="utf-8")
    assert "## Exports" in text
    columns = [c for party in carb_visits.PARTIES
               for c, _ in carb_visits.columns_for(party, ["violation_days"])]
    columns += wharfinger.VISIT_COLUMNS + wharfinger.COUNT_COLUMNS + fueleu_calls.COLUMNS
    missing = [c.name for c in columns if f"| `{c.name}` |" not in text]
    assert not missing, f"document these columns in docs/interchange.md: {missing}"
    for c in columns:
        if c.status == "UNCONFIRMED":
            assert f"| `{c.name}` | {c.type}" in text
    assert all(f"| `{c.name}` | {c.type} |" in text for c in indicators.COLUMNS)
