"""Import WeasyPrint with its system libraries (Pango, GObject, HarfBuzz, fontconfig) found from
one reading of the dynamic linker's cache.

WeasyPrint asks cffi for each library under several platforms' names, Windows' first
('libgobject-2.0-0', 'gobject-2.0-0', then 'gobject-2.0', ...). cffi answers a name that does not
open as given through `ctypes.util.find_library`, which on Linux runs `/sbin/ldconfig -p`, then
`gcc` and `ld` for each name it does not know: 26 lookups and 68 programs started in every
process that writes a report, 0.2-0.3 s of wall on an idle machine and over a second on a busy
one (docs/scaling.md, "Thirty-first session").

While WeasyPrint is imported, `find_library` answers from one `ldconfig -p` listing, with the
very match CPython makes on it (the same names, the same machine's libraries), and answers
"not found" for a name the listing lacks instead of asking `gcc` and `ld`. The libraries loaded
are the same: a name `gcc`/`ld` could resolve is one the dynamic loader must still find by its
soname, and WeasyPrint also asks for every library by its soname ('libgobject-2.0.so.0'), which
cffi opens directly (LD_LIBRARY_PATH included). Should the import fail all the same, it is made
again with the standard lookup. Elsewhere than glibc Linux, or without `ldconfig`, nothing changes.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import struct
import subprocess
import sys

LDCONFIG = "/sbin/ldconfig"
# CPython's ctypes.util: the ABI tag ldconfig prints for this machine's libraries
_ABI_TAGS = {"x86_64-64": "libc6,x86-64", "ppc64-64": "libc6,64bit", "sparc64-64": "libc6,64bit",
             "s390x-64": "libc6,64bit", "ia64-64": "libc6,IA-64"}


def linker_cache(ldconfig: str = LDCONFIG) -> bytes | None:
    """`ldconfig -p`'s listing, or None where there is none to read (not glibc Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        done = subprocess.run([ldconfig, "-p"], stdin=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              env={"LC_ALL": "C", "LANG": "C"}, check=False)
    except OSError:
        return None
    return done.stdout if done.returncode == 0 and done.stdout else None


def abi_tag() -> str:
    """The ABI tag of this machine's libraries in ldconfig's listing, as CPython reads it."""
    machine = os.uname().machine + ("-32" if struct.calcsize("l") == 4 else "-64")
    return _ABI_TAGS.get(machine, "libc6")


def soname(listing: bytes, name: str, abi: str) -> str | None:
    """The library `ctypes.util.find_library(name)` finds through ldconfig in `listing`."""
    pattern = os.fsencode(rf"\s+(lib{re.escape(name)}\.[^\s]+)\s+\({abi}")
    found = re.search(pattern, listing)
    return os.fsdecode(found.group(1)) if found else None


def import_weasyprint() -> None:
    """Import WeasyPrint once per process (see the module's docstring)."""
    if "weasyprint" in sys.modules:
        return
    listing = linker_cache()
    if listing is None:
        import weasyprint  # noqa: F401
        return
    import ctypes.util

    abi = abi_tag()

    def find_library(name: str) -> str | None:
        return soname(listing, name, abi)

    standard = ctypes.util.find_library
    ctypes.util.find_library = find_library
    try:  # WeasyPrint prints its own advice before failing: kept for the standard lookup's try
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint  # noqa: F401
    except OSError:
        ctypes.util.find_library = standard
        for module in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[module]
        import weasyprint  # noqa: F401
    finally:
        ctypes.util.find_library = standard
