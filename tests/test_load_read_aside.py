"""The 1M load's read, with less work before and beside polars' reader, reads what it read before
(issue 16).

* A CSV file whose first MiB holds a UTF-8 header line and an LF is not scanned for UTF-8
  before polars reads it: polars refuses a field that is not UTF-8, and only then is the
  file scanned, so a bad byte anywhere is still refused with the scan's own message (offset,
  row, byte), and before any other problem, as when every file was scanned first.
* A large file's sha256 is made on a thread beside the reader: the same digest.
"""

from __future__ import annotations

import hashlib

import pytest

from berthcheck.errors import InputRejected
from berthcheck.ingest import read, text_encoding
from berthcheck.ingest.kinds import KINDS

from .conftest import good_visit

_BAD = [b"\x80", b"\xc0\x80", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe9", b"\xff\xfe"]
_LINE = "V1,café,x\n".encode()
_DEEP = (1 << 20) // len(_LINE) + 10  # lines: past the first MiB


def _files(bad: bytes) -> dict[str, bytes]:
    body = b"a,b,c\n" + _LINE * _DEEP
    return {
        "field": body + b"V2," + bad + b",x\n" + _LINE,
        "quoted field": body + b'V2,"q' + bad + b'",x\n' + _LINE,
        "last field": body + b"V2,y,x" + bad + b"\n",
        "end of file": body + b"V2,y,x" + bad,
        "early field": b"a,b,c\n" + _LINE * 3 + b"V2," + bad + b",x\n",
        "header": b"a,b" + bad + b",c\n" + _LINE * 3,
        "extra column": b"a,b,c,zz\n" + b"V1,y,x,1\n" * 3 + b"V2,y,x," + bad + b"\n",
        "and a repeated header": b"a,a,c\n" + _LINE * _DEEP + b"V2," + bad + b",x\n",
    }


def _outcome(call):
    try:
        return call()
    except InputRejected as exc:
        return exc.headline


@pytest.mark.parametrize("bad", _BAD, ids=lambda b: b.hex())
def test_a_byte_that_is_not_utf8_is_refused_as_the_full_scan_refuses_it(tmp_path, bad):
    path = tmp_path / "f.csv"
    for where, data in _files(bad).items():
        path.write_bytes(data)
        scanned = _outcome(lambda: text_encoding.scan_utf8(path, "f.csv"))
        assert "not UTF-8" in scanned, where
        assert _outcome(lambda: read._read_csv(path, "f.csv", read.ReadOptions())) == scanned, where


def test_a_large_file_reads_the_same_with_its_sha256_made_beside(tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    row = good_visit()
    path.write_text(",".join(row) + "\n" + (",".join(row.values()) + "\n") * 1000,
                    encoding="utf-8")
    kind = KINDS["visits"]
    inline = read.read_table(path, kind)
    monkeypatch.setattr(read, "_HASH_ASIDE_BYTES", 1)  # every file hashed on the thread
    aside = read.read_table(path, kind)
    assert aside.sha256 == inline.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert aside.frame.equals(inline.frame)
