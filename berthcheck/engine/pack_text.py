"""The text of a pack's SQL files: a rule file's header, comments, statements, parameters.

A rule file starts with a header of SQL comments, `-- key: value`, continued on lines
indented by two or more spaces after `--`:

    -- id: AB06
    -- name: control.late_connection
    -- title: ...
    -- section: 17 CCR § ...
    -- severity: violation
    -- description: ...
    --   continued ...
    -- compliant: ...
    -- non_compliant: ...

The rest of the file is one SELECT returning `visit_id, message, evidence, minutes`.
Parameters are written `$name` and bound at run time; they are never pasted into the text.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from berthcheck.engine.pack_spec import PackFileError

SEVERITIES = ("info", "warning", "violation")
HEADER_KEYS = ("id", "name", "title", "section", "severity", "description", "compliant",
               "non_compliant")
PARAM_RE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_HEADER_LINE = re.compile(r"^--\s?([a-z_]+):\s?(.*)$")
_CONT_LINE = re.compile(r"^--\s{2,}(.*)$")


def strip_comments(sql: str) -> str:
    """Remove `--` comments (our SQL never has `--` inside string literals)."""
    return "\n".join(line.split("--", 1)[0] for line in sql.splitlines())


def split_statements(sql: str) -> list[str]:
    """Split a stage file into statements at semicolons that end a line."""
    return list(_statements(sql))


@functools.lru_cache(maxsize=1024)
def _statements(sql: str) -> tuple[str, ...]:
    """split_statements, once per stage text (every check splits the same stage files)."""
    body = strip_comments(sql)
    parts = re.split(r";[ \t]*(?:\n|$)", body)
    return tuple(p.strip() for p in parts if p.strip())


def parse_header(text: str, path: Path) -> tuple[dict[str, str], str]:
    header: dict[str, str] = {}
    key = None
    lines = text.splitlines()
    body_start = len(lines)
    for i, line in enumerate(lines):
        if not line.startswith("--"):
            body_start = i
            break
        cont = _CONT_LINE.match(line)
        m = _HEADER_LINE.match(line)
        if cont and key is not None:
            header[key] += " " + cont.group(1).strip()
        elif m:
            key = m.group(1)
            header[key] = m.group(2).strip()
        else:
            raise PackFileError(f"{path}: cannot read header line {i + 1}: {line!r}")
    missing = [k for k in HEADER_KEYS if not header.get(k)]
    if missing:
        raise PackFileError(f"{path}: header lacks {', '.join(missing)}")
    if header["severity"] not in SEVERITIES:
        raise PackFileError(f"{path}: severity must be one of {', '.join(SEVERITIES)}")
    return header, "\n".join(lines[body_start:]).strip()
