"""Every command's output options are the ones docs/contract.md 3 ("Output options") lists:
a command that prints data keeps its `--json` (and `--csv` where it is a table), and a new
command, or one that loses or gains an option, fails here until the contract says so (and,
for one without, why). As tests/test_cli_docs.py keeps every option documented."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from berthcheck.cli import app

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "contract.md"


def _documented() -> dict[str, tuple[bool, bool, str]]:
    """command -> (--json, --csv, why not), from the contract's table."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text[text.index("**Output options.**"):]
    out = {}
    for line in section.splitlines()[1:]:
        line = line.strip()
        if not line.startswith("| `"):
            if out:
                break
            continue
        # the fifth cell, what `written_files` names, is prose
        commands, json_cell, csv_cell, why, *_ = (c.strip() for c in line.strip("|").split("|"))
        for command in re.findall(r"`([^`]+)`", commands):
            out[command] = (json_cell == "yes", csv_cell == "yes", why)
    return out


def _commands() -> dict[str, tuple[bool, bool]]:
    found = {}

    def walk(command, prefix: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                walk(sub, f"{prefix} {name}".strip())
            return
        options = {o for p in command.params for o in p.opts}
        found[prefix] = ("--json" in options, "--csv" in options)

    walk(typer.main.get_command(app), "")
    return found


def test_every_command_is_in_the_contracts_output_table():
    documented, actual = _documented(), _commands()
    assert sorted(actual) == sorted(documented), (
        "list every command in docs/contract.md 3, Output options: "
        f"missing {sorted(set(actual) - set(documented))}, "
        f"no such command {sorted(set(documented) - set(actual))}")


def test_each_commands_output_options_are_the_contracts():
    documented = _documented()
    wrong = {c: (documented[c][:2], has) for c, has in _commands().items()
             if c in documented and documented[c][:2] != has}
    assert not wrong, f"(contract, CLI) --json/--csv differ: {wrong}"


def test_a_command_without_an_output_option_says_why():
    missing = [c for c, (j, s, why) in _documented().items() if not (j and s) and not why]
    assert not missing, f"say why these have no --json or --csv: {missing}"
