"""The CLI surface: every command is documented, and --help stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import typer

from berthcheck.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def _command_paths() -> list[str]:
    root = typer.main.get_command(app)
    paths = []

    def walk(command, prefix: str) -> None:
        if hasattr(command, "commands"):  # a group
            for name, sub in sorted(command.commands.items()):
                walk(sub, f"{prefix} {name}".strip())
        else:
            paths.append(prefix)

    walk(root, "")
    return paths


def test_every_command_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    missing = [p for p in _command_paths() if f"berthcheck {p}" not in readme]
    assert not missing, f"document these commands in README.md: {missing}"


def test_every_option_is_documented_in_its_commands_readme_section():
    # a section is a `### ` heading naming `berthcheck <command>` and the text up to the next
    # heading; --db is documented once for every command ("`--db` before or after the command")
    import re

    readme = README.read_text(encoding="utf-8")
    sections = [s for s in re.split(r"(?m)^(?=#{2,3} )", readme) if s.startswith("### ")]
    root = typer.main.get_command(app)
    missing = []

    def walk(command, prefix: str) -> None:
        if hasattr(command, "commands"):
            for name, sub in sorted(command.commands.items()):
                walk(sub, f"{prefix} {name}".strip())
            return
        text = "".join(s for s in sections if f"berthcheck {prefix}" in s.splitlines()[0])
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option not in ("--help", "--db") \
                        and not re.search(re.escape(option) + r"(?![\w-])", text):
                    missing.append(f"{prefix} {option}")

    walk(root, "")
    assert not missing, f"document these options in their README sections: {missing}"


def test_every_command_has_help_text():
    root = typer.main.get_command(app)
    for name, command in root.commands.items():
        assert (command.help or "").strip(), f"{name} has no help text"


def test_help_does_not_import_heavy_libraries():
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from berthcheck.cli import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "heavy = [m for m in ('polars', 'duckdb', 'pandera', 'weasyprint', 'pyarrow') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_readme_empty_table_warnings_are_the_ones_printed():
    # the README quotes the lines `load-dir` and `check` print for an empty table
    # (`warning: no events table: ...`); `...` in a quote stands for words left out
    import re

    from berthcheck.engine.readiness import EMPTY_MEANING

    readme = " ".join(README.read_text(encoding="utf-8").split())
    quoted = re.findall(r"`(warning: no [\w-]+ table: [^`]*)`", readme)
    assert len(quoted) >= 3
    printed = {f"warning: {line}" for line in EMPTY_MEANING.values()}
    wrong = []
    for quote in quoted:
        pattern = ".*".join(re.escape(part.strip()) for part in quote.split("..."))
        if not any(re.fullmatch(pattern + (".*" if quote.endswith("...") else ""), line)
                   for line in printed):
            wrong.append(quote)
    assert not wrong, f"README quotes warnings berthcheck does not print: {wrong}"


def test_readme_names_every_built_in_port_whose_zone_it_knows():
    # README, load, "Time": "zones come from the built-in ports table — USLAX, ... — or from
    # ports you load": a port left out of the list reads as one a user must load first
    import csv
    import re

    from berthcheck.resources import reference_dir

    readme = " ".join(README.read_text(encoding="utf-8").split())
    listed = re.search(r"zones come from the built-in ports table — ([A-Z0-9, ]+) —", readme)
    assert listed, "README's Time item lists the built-in ports"
    with (reference_dir() / "ports.csv").open(encoding="utf-8") as f:
        built_in = [row["port"] for row in csv.DictReader(f)]
    assert listed.group(1).split(", ") == built_in


def test_top_level_help_names_the_regulations_of_the_built_in_packs():
    # the first thing `berthcheck --help` says: every regulation a shipped pack checks
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    summary = " ".join(result.output.split())
    for regime in ("CARB At-Berth", "FuelEU Maritime Art. 6", "China's shore-power rule"):
        assert regime in summary
