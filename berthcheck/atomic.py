"""Every file berthcheck writes appears whole or not at all.

A file is written under a temporary name in its own folder and renamed over the target once
complete (a rename within one folder is atomic on POSIX and Windows): a reader never sees half
a file, and a write that fails (disk full, no permission, a folder such as `/proc` that takes
no new files) leaves neither a 0-byte nor a half-written file behind, only a clear message.

A missing parent folder is an error unless the caller asks for it to be made (`--mkdir`), so
a typo in a path does not silently create a tree of folders.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO

from berthcheck.errors import BerthcheckError, UsageError

STDOUT = "-"  # `--out -`: standard output


def is_stdout(path: Path | str | None) -> bool:
    return path is not None and str(path) == STDOUT


def check_parent(path: Path, *, mkdir: bool = False, what: str = "output") -> None:
    """The folder `path` goes into exists (or is made, with `mkdir`)."""
    parent = Path(path).parent
    if parent.is_dir():
        return
    if parent.exists():
        raise UsageError(f"cannot write {what} {path}: {parent} is not a folder")
    if not mkdir:
        raise UsageError(
            f"cannot write {what} {path}: folder {parent} does not exist "
            "(create it, or give --mkdir)"
        )
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BerthcheckError(f"cannot create folder {parent}: {exc.strerror or exc}") from None


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


@contextlib.contextmanager
def replacing(path: Path, *, mkdir: bool = False, what: str = "output") -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success rename it over `path`.

    On any failure the temporary file is removed and the target is left as it was; an
    OSError becomes a one-line BerthcheckError naming the file.
    """
    path = Path(path)
    check_parent(path, mkdir=mkdir, what=what)
    if path.is_dir():
        raise UsageError(f"cannot write {what} {path}: it is a folder")
    try:
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".part", dir=path.parent
        )
    except OSError as exc:
        raise BerthcheckError(f"cannot write {what} {path}: {_reason(exc)}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        _keep_mode(path, tmp)
        os.replace(tmp, path)
    except OSError as exc:
        _discard(tmp)
        raise BerthcheckError(f"cannot write {what} {path}: {_reason(exc)}") from None
    except BaseException:
        _discard(tmp)
        raise


def _keep_mode(path: Path, tmp: Path) -> None:
    """mkstemp makes the file 0600; give it the mode a plain `open` would (umask applied), or
    the mode of the file it replaces."""
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp, mode)


def _sync(tmp: Path) -> None:
    """The file's bytes on disk before it is renamed into place (as `write_bytes` does)."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        tmp.unlink()


def write_bytes(path: Path, data: bytes, *, mkdir: bool = False, what: str = "output") -> None:
    with replacing(path, mkdir=mkdir, what=what) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_with(
    path: Path, writer: Callable[[Path], None], *, mkdir: bool = False, what: str = "output"
) -> None:
    """`writer(tmp_path)` writes the whole file; it is then renamed into place."""
    with replacing(path, mkdir=mkdir, what=what) as tmp:
        writer(tmp)


@contextlib.contextmanager
def text_file(path: Path, *, mkdir: bool = False, what: str = "output") -> Iterator[IO[str]]:
    """An open text file (UTF-8, `\\n` line ends) that appears at `path` only when closed
    without error."""
    with replacing(path, mkdir=mkdir, what=what) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            yield fh


def write_all(
    targets: Sequence[tuple[Path, Callable[[Path], object], str]], *, mkdir: bool = False
) -> list[Path]:
    """Several files that appear together or not at all (a check's results and findings, an
    export's files): each `(path, writer, what)` has `writer(tmp)` write the whole file
    beside its target, and only when every one is written are they renamed into place. A
    failing writer (disk full, no permission) leaves every target as it was. A rename is not
    expected to fail after its folder took the temporary file; if one does, the message
    names the files already in place, so nothing is claimed that did not happen."""
    pending: list[tuple[Path, Path, str]] = []

    def discard_pending() -> None:
        for _path, tmp, _what in pending:
            _discard(tmp)

    try:
        for path, writer, what in targets:
            path = Path(path)
            check_parent(path, mkdir=mkdir, what=what)
            if path.is_dir():
                raise UsageError(f"cannot write {what} {path}: it is a folder")
            try:
                fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                            dir=path.parent)
            except OSError as exc:
                raise BerthcheckError(f"cannot write {what} {path}: {_reason(exc)}") from None
            os.close(fd)
            pending.append((path, Path(name), what))
            try:
                writer(Path(name))
                _sync(Path(name))
            except OSError as exc:
                raise BerthcheckError(f"cannot write {what} {path}: {_reason(exc)}") from None
    except BaseException:
        discard_pending()
        raise
    placed: list[Path] = []
    for i, (path, tmp, what) in enumerate(pending):
        try:
            _keep_mode(path, tmp)
            os.replace(tmp, path)
        except OSError as exc:
            for _path, left, _what in pending[i:]:
                _discard(left)
            done = ", ".join(str(p) for p in placed) or "none"
            raise BerthcheckError(f"cannot write {what} {path}: {_reason(exc)} (already "
                                  f"written: {done})") from None
        placed.append(path)
    return placed


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.abspath(a) == os.path.abspath(b)


def check_distinct(outputs: Sequence[tuple[str, Path | None]],
                   inputs: Sequence[Path | str] = (), *,
                   reason: str = "is an input file; writing it would overwrite what is being "
                                 "read") -> None:
    """Usage error when two outputs are the same file, or an output is one of the inputs
    (writing it would destroy what is being read)."""
    named = [(label, Path(p)) for label, p in outputs if p is not None and not is_stdout(p)]
    for i, (label_a, a) in enumerate(named):
        for label_b, b in named[i + 1:]:
            if _same_file(a, b):
                raise UsageError(f"{label_a} and {label_b} are the same file ({a}); give two "
                                 "different paths")
        for source in inputs:
            if _same_file(a, Path(source)):
                raise UsageError(f"{label_a} {a} {reason}")


class FileSet:
    """Several text files that appear together when the block ends without error, or not at
    all (e.g. the CSV files of `berthcheck sample`)::

        with FileSet() as files:
            fh = files.open(out_dir / "visits.csv")
            ...
    """

    def __init__(self, *, what: str = "output") -> None:
        self.what = what
        self._pending: list[tuple[Path, Path, IO[str]]] = []

    def open(self, path: Path) -> IO[str]:
        path = Path(path)
        check_parent(path, what=self.what)
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
        except OSError as exc:
            raise BerthcheckError(f"cannot write {self.what} {path}: {_reason(exc)}") from None
        handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._pending.append((path, Path(name), handle))
        return handle

    def __enter__(self) -> FileSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        for _path, _tmp, handle in self._pending:
            with contextlib.suppress(OSError):
                handle.close()
        if exc_type is not None:
            for _path, tmp, _handle in self._pending:
                _discard(tmp)
            return
        try:
            for path, tmp, _handle in self._pending:
                _keep_mode(path, tmp)
                os.replace(tmp, path)
        except OSError as exc:
            for _path, tmp, _handle in self._pending:
                _discard(tmp)
            raise BerthcheckError(f"cannot write {self.what}: {_reason(exc)}") from None
