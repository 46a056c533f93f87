"""The files `check --out` writes, in one place, so `runs export` writes a past run's files
through the same code and they come out byte-identical.

The writers themselves (atomic, formula-neutral, one XLSX workbook, `--out -`) live in
`engine/export.py`; this module only plans and dispatches, for both commands.
"""

from __future__ import annotations

import sys
from pathlib import Path

from berthcheck import atomic
from berthcheck.engine import export


def plan_check_outputs(out: Path | None, findings_out: Path | None, *,
                       manifest_out: Path | None = None, inputs: tuple[Path, ...] = (),
                       stream_format: str | None = None, mkdir: bool = False) -> Path | None:
    """Check the output options before any work; return where the findings go (None: nowhere,
    or into the results workbook). See `export.plan_outputs`."""
    return export.plan_outputs(out, findings_out, manifest_out=manifest_out, inputs=inputs,
                               stream_format=stream_format, mkdir=mkdir)


def write_check_outputs(results, findings, out: Path | None, findings_target: Path | None, *,
                        stream_format: str | None = None, mkdir: bool = False) -> list[str]:
    """Write what `plan_check_outputs` planned; return the files written, for the summary."""
    stream = sys.stdout.buffer if atomic.is_stdout(out) else None
    return export.write_check_outputs(results, findings, out, findings_target, stream=stream,
                                      stream_format=stream_format, mkdir=mkdir)
