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


# a quoted text ('...', '' inside it), a quoted name ("...", "" inside it) or a `--` comment
# to the end of its line, leftmost first: a `--` inside quotes is text, not a comment
_QUOTED_OR_COMMENT = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*")


def strip_comments(sql: str) -> str:
    """Remove `--` comments, not a `--` inside a quoted text or name (a pack's message may
    say 'see -- note'; cut there, the rest of its line was lost and DuckDB read an
    unterminated string). Lines stay where they were; `\r\n` and `\r` end lines as `\n`."""
    text = "\n".join(sql.splitlines())
    if "--" not in text:
        return text
    return _QUOTED_OR_COMMENT.sub(
        lambda m: "" if m.group().startswith("--") else m.group(), text)


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def parameter_names(sql: str) -> set[str]:
    """The `$name`s a pack's SQL uses: outside comments, quoted texts and quoted names (a
    message saying '$fee per hour' is text DuckDB never binds; read as a parameter, the pack
    was refused for not declaring it)."""
    return set(PARAM_RE.findall(_QUOTED.sub("''", strip_comments(sql))))


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
            if key not in HEADER_KEYS or key in header:
                what = "is given twice" if key in header else "is not a header key"
                raise PackFileError(f"{path}, line {i + 1}: {key!r} {what}; a rule's header "
                                    f"has {', '.join(HEADER_KEYS)} once each (a comment "
                                    "goes after the header)")
            header[key] = m.group(2).strip()
        else:
            raise PackFileError(f"{path}: cannot read header line {i + 1}: {line!r}")
    missing = [k for k in HEADER_KEYS if not header.get(k)]
    if missing:
        raise PackFileError(f"{path}: header lacks {', '.join(missing)}")
    if header["severity"] not in SEVERITIES:
        raise PackFileError(f"{path}: severity must be one of {', '.join(SEVERITIES)}")
    return header, "\n".join(lines[body_start:]).strip()


def error_position(file_text: str, message: str, sql: str | None = None) -> tuple[int, int | None] | None:
    """Where in a pack file DuckDB's error points: its `LINE n: <text>` (and the `^` under it)
    are relative to the statement that ran, which is the file's text without comments, cut
    to one statement (a stage) or wrapped in the engine's query (a rule, assemble.sql). The
    shown text is found in the file: at the statement's line n when `sql`, the statement run,
    is known, else where it occurs once. (line, column) 1-based, the column None when DuckDB
    shows no caret; None when the text cannot be placed."""
    found = re.search(r"^LINE (\d+): (.*)$", message, flags=re.MULTILINE)
    if not found:
        return None
    number, shown = int(found.group(1)), found.group(2)
    after = message[found.end():].split("\n", 2)
    caret = after[1].find("^") if len(after) > 1 else -1
    caret -= len(f"LINE {number}: ")
    lead = 3 if shown.startswith("...") else 0  # DuckDB cuts a long line with "..."
    shown = shown[lead:].removesuffix("...")
    needle = shown.strip()
    if not needle:
        return None
    code = strip_comments(file_text).split("\n")
    line = None
    if sql is not None:
        start = "\n".join(code).find(sql)
        if start >= 0:
            candidate = "\n".join(code).count("\n", 0, start) + number
            if candidate <= len(code) and needle in code[candidate - 1]:
                line = candidate
    if line is None:
        matches = [i for i, text in enumerate(code, start=1) if needle in text]
        if len(matches) != 1:
            return None
        line = matches[0]
    if caret < lead:
        return line, None
    offset = caret - lead - (len(shown) - len(shown.lstrip()))
    return line, code[line - 1].index(needle) + max(offset, 0) + 1
