"""`written_files`: the one shape in which every command with `--json` that writes files names
them (docs/contract.md 3, "Output options"): a list, in the order written, of
`{"path": the path as given, "sha256": of the file's bytes}`. The keys each command gave before
(`check`'s `written` lines, `runs export`'s `files` and `sha256`, the exports' `files` map)
stay as they were; this one reads alike everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from berthcheck.ingest.read import file_sha256  # the loader's, which hashes its inputs


def written_files(paths: Iterable[Path | None],
                  known: dict[str, str] | None = None) -> list[dict[str, str]]:
    """A record per file written (None, and standard output `-`, are none). `known`: digests
    the command already has, by path as given, so a file is not read again."""
    from berthcheck.atomic import is_stdout

    known = known or {}
    return [{"path": str(p), "sha256": known.get(str(p)) or file_sha256(Path(p))}
            for p in paths if p is not None and not is_stdout(p)]
