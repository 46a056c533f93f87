"""`compare` as two partner ports use it (Los Angeles under CARB, Nagoya exporting with the
same pack, where no visit is regulated): what the page shows must read the same to both, and
a partner's package that is not what `export indicators` writes is refused naming the JSON
path or row, column and value."""

from __future__ import annotations

from berthcheck.export.compare import build_model, draw, read_package
from tests.test_compare import _package, _row


def _not_applicable(port: str, **over) -> dict:
    """A port-month no visit of which the pack regulates (Nagoya under the CARB pack)."""
    return _row(port, compliant_visits=0, non_compliant_visits=0, not_applicable_visits=10,
                regulated_visits=0, compliance_rate=None, uncontrolled_hours=0.0, **over)


def test_a_port_without_regulated_visits_is_not_charted_as_zero_compliance(tmp_path):
    """The compliance chart drew Nagoya (no regulated visit: no rate, `–` in the table) as an
    empty bar, the same as a port whose every regulated visit failed (0 %, whose bar had no
    value either): a reader saw two ports at 0 %."""
    failed = _package(tmp_path / "lax", [_row("USLAX", compliant_visits=0,
                                              non_compliant_visits=10, compliance_rate=0.0)])
    ngo = _package(tmp_path / "ngo", [_not_applicable("JPNGO")])
    model = build_model([read_package(failed), read_package(ngo)])
    assert [(ln["port"], ln["rate"]) for ln in model["lines"]] == [("USLAX", 0.0),
                                                                   ("JPNGO", None)]
    svg = str(draw(model)["rate"])
    assert ">0.0</text>" in svg  # the port whose regulated visits all failed
    assert ">–</text>" in svg and "–: no regulated visits, so no compliance rate" in svg
