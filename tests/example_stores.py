"""One store for the examples of a property test, reused while they leave it unchanged.

A property test's examples each need a store in a known state. Most examples are files the
loader rejects, and a rejected file must leave the store as it was (the tests assert it); a
new DuckDB file per example cost about 60 ms of CPU (a copy, an open and its schema check,
and for some tests a first load), most of the examples' time. So the store an example was
given is handed to the next one only when the example ended by marking it `unchanged` (after
asserting that nothing was written); otherwise (rows loaded, an assertion failed, anything
raised) it is closed and the next example gets a fresh copy of the prepared template.
"""

from __future__ import annotations

import contextlib
import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from berthcheck import store


class ExampleStores:
    def __init__(self, folder: Path, prepare: Callable | None = None) -> None:
        self.folder = folder
        self.template = folder / "template.duckdb"
        con = store.connect(self.template)
        try:
            if prepare is not None:
                prepare(con, folder)
        finally:
            con.close()
        self.unchanged = False
        self._con = None
        self._fresh = itertools.count(1)

    @contextlib.contextmanager
    def store(self) -> Iterator:
        """The store for one example: the last one's if it marked it unchanged, else a copy of
        the template. Set `unchanged = True` inside, once nothing was written, to pass it on."""
        if self._con is None:
            path = self.folder / f"example-{next(self._fresh)}.duckdb"
            shutil.copyfile(self.template, path)
            self._con = store.connect(path)
        self.unchanged = False
        try:
            yield self._con
        finally:
            if not self.unchanged:
                self.close()

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None
