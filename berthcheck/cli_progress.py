"""Progress on standard error for long commands (load, load-dir, check, report, sample), and
the number formats every terminal table uses.

Bars are drawn only when standard error is a terminal and `--quiet` is not given, so pipes,
CI logs and tests see only the command's own output.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator


def enabled(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class _Silent:
    def advance(self, label: str | None = None) -> None:
        pass


class _Bar:
    def __init__(self, progress, task) -> None:
        self._progress = progress
        self._task = task

    def advance(self, label: str | None = None) -> None:
        if label is not None:
            self._progress.update(self._task, description=label)
        self._progress.advance(self._task)


@contextlib.contextmanager
def progress(label: str, total: int | None = None, *, quiet: bool = False) -> Iterator:
    """A bar over `total` steps (or a spinner with elapsed time when total is None)."""
    if not enabled(quiet):
        yield _Silent()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}")]
    if total is not None:
        columns += [BarColumn(), MofNCompleteColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield _Bar(bar, task)


# --- number formats shared by every terminal table -------------------------------------------


def count(n) -> str:
    """Whole numbers with thousands separators: 12,345."""
    return "" if n is None else f"{int(n):,}"


def hours(h) -> str:
    """Hours to two decimals: 1,234.50."""
    return "" if h is None else f"{float(h):,.2f}"


def money(amount, currency: str | None) -> str:
    """Money to cents, currency first: EUR 12,345.00."""
    if amount is None:
        return ""
    return f"{currency + ' ' if currency else ''}{float(amount):,.2f}"


def percent(part, whole) -> str:
    """As the report prints a share (report.fmt.percent): never `100.0 %` for less than all."""
    from berthcheck.report.fmt import percent as report_percent

    return report_percent(part, whole)


def table(title: str | None, columns: list[tuple[str, str]], rows: list[list[str]], *,
          show_header: bool = True):
    """A rich table: columns as (header, "left"|"right"). Every text is shown as written:
    rich would read `[bold]` or `[/x]` in a cell as markup (a vessel name, a pack's message
    quoting `[pack] history`), dropping it or failing on it."""
    from rich.table import Table
    from rich.text import Text

    out = Table(title=None if title is None else Text(title), title_justify="left",
                header_style="bold", box=None, pad_edge=False, show_header=show_header)
    for header, justify in columns:
        out.add_column(Text(header), justify=justify, no_wrap=justify == "right")  # type: ignore[arg-type]
    for row in rows:
        out.add_row(*(Text(cell) if isinstance(cell, str) else cell for cell in row))
    return out


def render(rendered, width: int = 200) -> str:
    """A rich renderable as plain text: no colour, no trailing spaces, never wrapped below
    `width` columns (so piped output keeps one row per line)."""
    import io

    from rich.console import Console

    buffer = io.StringIO()
    Console(file=buffer, width=width, color_system=None, highlight=False,
            soft_wrap=False).print(rendered)
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines())


def print_table(rendered) -> None:
    """Print a rich renderable to standard output."""
    import typer

    typer.echo(render(rendered))
