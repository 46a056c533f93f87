"""How codes (visit ids, terminal and berth codes) are compared: letter for letter, as the
identifiers they are (docs/contract.md 2, "Codes"). The fold below only finds the near match
a message names (`v1` for the visits' `V1`), never a match: lower case, no whitespace, as the
scope options fold a value (engine.scope._folded)."""

from __future__ import annotations


def folded_sql(expression: str) -> str:
    """SQL folding a text expression (a column name from the code, never a user's value)."""
    return f"lower(regexp_replace({expression}, '\\s', '', 'g'))"
