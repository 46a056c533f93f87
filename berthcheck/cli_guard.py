"""The last line of defence of the command line: no Python traceback, ever.

Every command already turns the problems it expects into a message and an exit code. What is
left — Ctrl-C, the disk filling up, DuckDB running out of the memory it was given, a database
or a stored run damaged outside berthcheck — is turned here into one line on standard error
and a documented exit code. `BERTHCHECK_DEBUG=1` lets the traceback through, for developers.
"""

from __future__ import annotations

import errno
import os

import typer
from typer._click.exceptions import ClickException
from typer.core import TyperGroup
from typer.exceptions import Abort, Exit

from berthcheck.errors import BerthcheckError

EXIT_INTERRUPTED = 130  # the shell's convention for Ctrl-C (128 + SIGINT)
EXIT_PIPE_CLOSED = 141  # the shell's for a reader that stopped reading (128 + SIGPIPE)


def stop_quietly_on_closed_pipe() -> None:
    """The reader of standard output went away (`berthcheck ... | head`): say nothing, as
    command-line tools do. Standard output now goes nowhere, so the interpreter's last flush
    at exit does not fail a second time."""
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def describe(exc: BaseException) -> tuple[str, int] | None:
    """(one-line message, exit code) for an unexpected exception; None for click's own."""
    if isinstance(exc, (Exit, ClickException, Abort)):
        return None
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted; nothing was written (the database is as it was)", EXIT_INTERRUPTED
    if isinstance(exc, BerthcheckError):
        return f"error: {exc}", exc.exit_code
    text = _first_line(exc)
    import duckdb  # only reached once a command failed: the import is not on --help's path

    if isinstance(exc, duckdb.OutOfMemoryException):
        limit = os.environ.get("BERTHCHECK_MEMORY_LIMIT") or "3GB (the default)"
        return (f"error: DuckDB ran out of memory under BERTHCHECK_MEMORY_LIMIT={limit}; raise "
                "BERTHCHECK_MEMORY_LIMIT (e.g. 4GB) or check a shorter period; nothing was "
                "written"), 1
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or "No space left" in text:
        return ("error: the disk is full (no space left on device); nothing was written; free "
                "some space and run the command again"), 1
    if isinstance(exc, duckdb.Error):
        return (f"error: the database reported a problem ({type(exc).__name__}): {text}; "
                "nothing was written"), 1
    if isinstance(exc, OSError):
        name = f" {exc.filename}" if exc.filename else ""
        return f"error: cannot access{name}: {exc.strerror or text}", 1
    return (f"error: unexpected {type(exc).__name__}: {text} (this is a bug in berthcheck; "
            "please report it with the command you ran)"), 1


class GuardedGroup(TyperGroup):
    """A Typer group whose commands never end in a traceback."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except BaseException as exc:  # noqa: BLE001 - turned into a message below
            if os.environ.get("BERTHCHECK_DEBUG") or isinstance(exc, (SystemExit,
                                                                      GeneratorExit)):
                raise
            if isinstance(exc, BrokenPipeError):
                stop_quietly_on_closed_pipe()
                raise typer.Exit(EXIT_PIPE_CLOSED) from None
            outcome = describe(exc)
            if outcome is None:
                raise
            message, code = outcome
            typer.echo(message, err=True)
            raise typer.Exit(code) from None
