"""What an outside developer met writing a rule pack from the docs alone (a port's own
shore-power discount scheme, with a previous-12-months provision): each obstacle the engine
put in the way, fixed, and kept fixed here."""

from __future__ import annotations

from typer.testing import CliRunner

from berthcheck.cli import app
from tests.conftest import good_visit, write_csv

runner = CliRunner()


def test_a_vessel_name_in_brackets_is_printed_as_written_in_the_worst_visits(tmp_path):
    # The terminal tables read cell text as rich markup: `[/x]` raised MarkupError (a
    # traceback from `check`), `[bold]` vanished; so did the summary's scope line (a fleet).
    # A vessel or fleet name is untrusted text.
    db = str(tmp_path / "s.duckdb")
    visits = write_csv(tmp_path / "visits.csv", [
        good_visit(visit_id="V1", vessel_name="Tokai [/x] Bridge", fleet="Line [/f]"),
        good_visit(visit_id="V2", imo="9074729", vessel_name="[bold]Ise", berth="B137",
                   fleet="Line [/f]"),
    ])
    assert runner.invoke(app, ["load", "visits", str(visits), "--db", db, "--quiet"]).exit_code == 0
    result = runner.invoke(app, ["check", "--db", db, "--fleet", "Line [/f]", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "fleet Line [/f]" in result.output  # the scope line
    assert "Tokai [/x] Bridge" in result.output
    assert "[bold]Ise" in result.output
