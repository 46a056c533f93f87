"""The README's walk-through, run as written (its own fenced block, in bash, from a folder laid
out like a fresh clone), gives the figures the demo gives."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from berthcheck import store
from berthcheck.cli_summary import summary_text
from berthcheck.demo import SAMPLE_PERIOD
from berthcheck.engine import check
from tests.conftest import copy_store

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- walk-through:"


def walkthrough_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index(MARKER):]
    block = re.search(r"```[^\n]*\n(.*?)```", after, re.DOTALL)
    assert block, "the walk-through's fenced block follows its marker"
    return [line for line in block.group(1).splitlines() if line.strip()]


def demo_figures(sample_month: Path, tmp_path: Path) -> list[str]:
    """What `berthcheck demo` prints for the sample month (its summary lines), computed the
    way the demo computes them (the bundled sample_data loaded: conftest's `sample_month`),
    without its PDF."""
    con = store.connect(copy_store(sample_month, tmp_path / "demo.duckdb"))
    try:
        return summary_text(check(con, period=SAMPLE_PERIOD)).splitlines()
    finally:
        con.close()


def test_readme_walkthrough_reproduces_the_demo_figures(sample_month, tmp_path):
    commands = walkthrough_commands()
    assert commands[0] == ". .venv/bin/activate"
    assert any(" check " in c for c in commands) and any(" report " in c for c in commands)

    clone = tmp_path / "clone"
    clone.mkdir()
    (clone / "sample_data").symlink_to(ROOT / "sample_data")
    (clone / ".venv").symlink_to(Path(sys.prefix))  # the environment running the tests
    env = {k: v for k, v in os.environ.items() if k not in ("BERTHCHECK_DB", "VIRTUAL_ENV")}
    done = subprocess.run(
        ["bash", "-e", "-c", "\n".join(commands)], cwd=clone, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr

    out = done.stdout.splitlines()
    figures = demo_figures(sample_month, tmp_path)
    start = out.index(figures[0])
    assert out[start:start + len(figures)] == figures  # same run id, counts, rate, worst visits
    assert (clone / "results.csv").is_file() and (clone / "findings.csv").is_file()
    assert (clone / "october.pdf").read_bytes().startswith(b"%PDF")
    run_id = re.search(r"run ([0-9a-f]{16})", figures[1]).group(1)
    assert any(line.startswith(run_id) for line in out[start + len(figures):])  # runs list
    assert f"stored run {run_id}" in done.stdout  # the report is made from the check's run
