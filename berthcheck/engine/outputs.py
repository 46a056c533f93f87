"""The files `check --out` writes, in one place, so `runs export` writes a past run's files
through the same code and they come out byte-identical."""

from __future__ import annotations

from pathlib import Path

from berthcheck.engine.export import default_findings_path, write_frame


def write_check_outputs(results, findings, out: Path | None,
                        findings_out: Path | None = None) -> list[Path]:
    """Results to `out` and findings to `findings_out` (default findings.<ext> beside `out`);
    only findings when `out` is None. Returns the paths written."""
    written = []
    if out is not None:
        write_frame(results, out, sheet="results")
        written.append(Path(out))
        target = findings_out or default_findings_path(out)
        write_frame(findings, target, sheet="findings")
        written.append(Path(target))
    elif findings_out is not None:
        write_frame(findings, findings_out, sheet="findings")
        written.append(Path(findings_out))
    return written
