"""WeasyPrint imported with its libraries found from one reading of the linker's cache
(berthcheck/report/shared_libraries.py): the same libraries as the standard lookup, fewer
programs started, and the standard lookup put back."""

import json
import subprocess
import sys

import pytest

from berthcheck.report import shared_libraries

LISTING = b"""1234 libs found in cache `/etc/ld.so.cache'
\tlibgobject-2.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgobject-2.0.so.0
\tlibpango-1.0.so.0 (libc6) => /lib/i386-linux-gnu/libpango-1.0.so.0
\tlibpango-1.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpango-1.0.so.0
\tlibharfbuzz.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libharfbuzz.so.0
"""

# Each process writes the shared objects it has mapped for WeasyPrint's libraries and how
# many programs it started (through subprocess) while importing.
PROBE = """
import json, subprocess, sys
started = []
real = subprocess.Popen.__init__
def counting(self, args, *a, **k):
    started.append(str(args[0] if isinstance(args, (list, tuple)) else args))
    return real(self, args, *a, **k)
subprocess.Popen.__init__ = counting
import ctypes.util
standard = ctypes.util.find_library
if sys.argv[1] != "weasyprint":
    from berthcheck.report import shared_libraries
    if sys.argv[1] == "fails-once":  # the first import fails, printing WeasyPrint's advice
        class FailOnce:
            failed = False
            def find_spec(self, name, path, target=None):
                if name == "weasyprint" and not FailOnce.failed:
                    FailOnce.failed = True
                    print("WeasyPrint could not import some external libraries")
                    raise OSError("cannot load library")
        sys.meta_path.insert(0, FailOnce())
    shared_libraries.import_weasyprint()
else:
    import weasyprint
names = ("gobject", "pango-1", "pangoft2", "harfbuzz", "fontconfig")
with open("/proc/self/maps") as maps:
    mapped = sorted({line.split()[-1] for line in maps
                     if any("/lib" + n in line for n in names)})
print(json.dumps({"mapped": mapped, "started": len(started),
                  "restored": ctypes.util.find_library is standard}))
"""


def test_the_listing_answers_as_cpython_reads_it():
    abi = "libc6,x86-64"
    assert shared_libraries.soname(LISTING, "gobject-2.0", abi) == "libgobject-2.0.so.0"
    assert shared_libraries.soname(LISTING, "pango-1.0", abi) == "libpango-1.0.so.0"
    # Windows' and MinGW's names, which WeasyPrint asks for first, are not found
    assert shared_libraries.soname(LISTING, "libgobject-2.0-0", abi) is None
    assert shared_libraries.soname(LISTING, "gobject-2.0-0", abi) is None
    # another machine's build of a library is not this machine's
    assert shared_libraries.soname(LISTING, "pango-1.0", "libc6,64bit") is None
    # a name is matched as text, not as a pattern
    assert shared_libraries.soname(LISTING, "harf.uzz", abi) is None


def test_no_listing_where_there_is_no_ldconfig(tmp_path):
    assert shared_libraries.linker_cache(str(tmp_path / "no-ldconfig")) is None


@pytest.mark.skipif(not sys.platform.startswith("linux") or shared_libraries.linker_cache() is None,
                    reason="the listing is read on glibc Linux only")
def test_the_same_libraries_load_with_fewer_programs_started():
    runs = {}
    for how in ("weasyprint", "berthcheck"):
        done = subprocess.run([sys.executable, "-c", PROBE, how], capture_output=True, text=True,
                              check=True)
        runs[how] = json.loads(done.stdout.strip().splitlines()[-1])
    standard, ours = runs["weasyprint"], runs["berthcheck"]
    assert ours["mapped"] == standard["mapped"]
    assert any("libpango-1.0" in path for path in ours["mapped"])
    assert ours["restored"]
    # one ldconfig listing, against a lookup per name WeasyPrint tries
    assert ours["started"] == 1
    assert standard["started"] > 10


@pytest.mark.skipif(not sys.platform.startswith("linux") or shared_libraries.linker_cache() is None,
                    reason="the listing is read on glibc Linux only")
def test_an_import_that_fails_is_made_again_the_standard_way():
    """Should WeasyPrint fail to import with the listing, it is imported again with the
    standard lookup, and the failed try's advice is not printed."""
    done = subprocess.run([sys.executable, "-c", PROBE, "fails-once"], capture_output=True,
                          text=True, check=True)
    lines = done.stdout.strip().splitlines()
    assert len(lines) == 1, done.stdout  # only the probe's own line
    run = json.loads(lines[0])
    assert any("libpango-1.0" in path for path in run["mapped"])
    assert run["restored"]
    assert run["started"] > 10  # the listing, then a lookup per name WeasyPrint tries
