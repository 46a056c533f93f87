"""The README's walk-through, run as written (its own fenced block, in bash, from a folder laid
out like a fresh clone), gives the figures the demo gives."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = "<!-- walk-through:"

# one worker runs this file with the report files: the walk-through's figures and PDF are
# compared with the demo's (conftest's `sample_report`, run once for the three; tests/scheduling.py)
WORK_UNIT = "sample-report"


def walkthrough_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    after = readme[readme.index(MARKER):]
    block = re.search(r"```[^\n]*\n(.*?)```", after, re.DOTALL)
    assert block, "the walk-through's fenced block follows its marker"
    return [line for line in block.group(1).splitlines() if line.strip()]


def demo_figures(demo_output: str) -> list[str]:
    """What `berthcheck demo` printed for the sample month: its summary, from the pack's line
    to the files it wrote (run id, counts, rate, worst visits)."""
    lines = demo_output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("carb-at-berth-2020@"))
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("results:"))
    figures = lines[start:end]
    while figures and not figures[-1].strip():
        figures.pop()
    assert len(figures) > 10 and "compliance rate" in "\n".join(figures)
    return figures


def test_readme_walkthrough_reproduces_the_demo_figures_and_pdf(sample_report, tmp_path):
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
    figures = demo_figures(sample_report["demo"].output)
    start = out.index(figures[0])
    assert out[start:start + len(figures)] == figures  # same run id, counts, rate, worst visits
    assert (clone / "results.csv").is_file() and (clone / "findings.csv").is_file()
    # another process, folder and store (loaded by load-dir, not the demo's loader): the
    # demo's PDF, byte for byte (the report's determinism across processes)
    assert (clone / "october.pdf").read_bytes() == sample_report["outcome"].path.read_bytes()
    run_id = re.search(r"run ([0-9a-f]{16})", figures[1]).group(1)
    assert any(line.startswith(run_id) for line in out[start + len(figures):])  # runs list
    assert f"stored run {run_id}" in done.stdout  # the report is made from the check's run
