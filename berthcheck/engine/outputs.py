"""The files `check --out` writes, in one place, so `runs export` writes a past run's files
through the same code and they come out byte-identical.

The writers themselves (atomic, formula-neutral, one XLSX workbook, `--out -`) and the
option check before any work (`export.plan_outputs`) live in `engine/export.py`; this module
only hands standard output to the writer when `--out -` asks for it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from berthcheck import atomic
from berthcheck.engine import export


def write_check_outputs(results, findings, out: Path | None, findings_target: Path | None, *,
                        stream_format: str | None = None, mkdir: bool = False) -> list[str]:
    """Write what `export.plan_outputs` planned; return the files written, for the summary."""
    stream = sys.stdout.buffer if atomic.is_stdout(out) else None
    return export.write_check_outputs(results, findings, out, findings_target, stream=stream,
                                      stream_format=stream_format, mkdir=mkdir)
