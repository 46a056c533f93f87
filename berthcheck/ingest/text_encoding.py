"""Whether a text file is UTF-8, and where it is not: a streaming scan that names the byte
offset and row of the first bad byte and guesses the encoding the file most likely is (GBK /
GB18030 for a Chinese export, Windows-1252 or Latin-1 for accented Latin text), UTF-16 refused
with a hint, and the file decoded from a given `--encoding`. Never a silent U+FFFD: a cell
must be reported as the user wrote it (ingest/read.py reads the text after this)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from berthcheck.errors import InputRejected, UsageError


def _guess_single_byte(data: bytes) -> str:
    return "cp1252" if any(0x80 <= b <= 0x9F for b in data) else "latin-1"


def _encoding_hint(data: bytes) -> tuple[str, str]:
    """The encoding a file that is not UTF-8 most likely is, and what to call it. Chinese text
    in GBK / GB18030 (a Shanghai terminal's export) is mostly pairs of bytes 0xA1-0xFE and
    decodes as GB18030; accented Latin text has its high bytes one at a time."""
    whole = data[:data.rfind(b"\n") + 1] or data
    high = sum(b >= 0x80 for b in whole)
    pairs = len(re.findall(rb"[\xa1-\xfe][\xa1-\xfe]", whole))
    if pairs >= 2 and 2 * pairs >= 0.8 * high:
        try:
            whole.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            return "gb18030", "Chinese GBK/GB18030"
    return _guess_single_byte(data), "Latin-1/Windows-1252"


def _row_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


_UTF16_HINT = ("the file is UTF-16 text, not UTF-8; save it as UTF-8 (CSV UTF-8 in Excel) or "
               "give --encoding utf-16; nothing was loaded")
_CHUNK = 1 << 20


@dataclass
class CsvShape:
    header: bytes  # the first line, without its line end
    has_lf: bool
    has_cr: bool


def _looks_utf16(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) >= 4 and head[:200].count(b"\x00") >= len(head[:200]) // 4)


def scan_utf8(path: Path, label: str) -> CsvShape:
    """One streaming pass (1 MiB at a time, so a large file is never held twice): the text
    must be UTF-8, else InputRejected with the byte offset and row of the first bad byte;
    also the header line and which line ends the file uses. Never a silent `\ufffd`."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = lines = 0
    header = b""
    has_lf = has_cr = False
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            if offset == 0:
                if _looks_utf16(chunk):
                    raise InputRejected(label, [], headline=f"{label}: {_UTF16_HINT}")
                header = chunk.split(b"\n", 1)[0].rstrip(b"\r")
            pending = decoder.getstate()[0]
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                buffer = pending + chunk
                at = offset - len(pending) + exc.start
                row = lines + buffer[:exc.start].count(b"\n") + 1
                guess, family = _encoding_hint(chunk)
                raise InputRejected(label, [], headline=(
                    f"{label}: not UTF-8 at byte {at} (row {row}, byte 0x{buffer[exc.start]:02X}); "
                    f"the file looks like {guess} ({family}): save it as UTF-8 or "
                    f"give --encoding {guess}; nothing was loaded")) from None
            lines += chunk.count(b"\n")
            has_lf = has_lf or b"\n" in chunk
            has_cr = has_cr or b"\r" in chunk
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise InputRejected(label, [], headline=(
            f"{label}: not UTF-8: the file ends inside a character (byte {offset}); nothing "
            "was loaded")) from None
    return CsvShape(header.removeprefix(b"\xef\xbb\xbf"), has_lf, has_cr)


def head_shape(path: Path) -> CsvShape | None:
    """The shape from the file's first MiB alone, when that settles it: a header line that is
    UTF-8 and ends there (so the file has LF line ends). The rest of the text is then checked
    by polars' reader, which refuses any field that is not UTF-8 (it would only make the header
    lossy: hence the header's own check here); the CSV reader (ingest/read.py) runs the full scan when the reader
    fails, so a bad byte is still named by offset and row. None: scan the whole file."""
    with open(path, "rb") as fh:
        head = fh.read(_CHUNK)
    if _looks_utf16(head) or b"\n" not in head:
        return None
    header = head.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        header.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return CsvShape(header.removeprefix(b"\xef\xbb\xbf"), True, b"\r" in head)


def decoded(path: Path, label: str, encoding: str) -> bytes:
    """The whole file decoded from `--encoding`, as UTF-8 bytes."""
    data = path.read_bytes()
    try:
        text = data.decode(encoding)
    except LookupError:
        raise UsageError(f"--encoding {encoding!r} is not an encoding Python knows (e.g. "
                         "utf-8, cp1252, latin-1, utf-16)") from None
    except UnicodeDecodeError as exc:
        raise InputRejected(label, [], headline=(
            f"{label}: not valid {encoding} at byte {exc.start} (row "
            f"{_row_of(data, exc.start)}); nothing was loaded")) from None
    _refuse_control_characters(text, data, label, encoding)
    return text.lstrip("\ufeff").encode("utf-8")


_C1 = re.compile("[\u0080-\u009f]")


def _refuse_control_characters(text: str, data: bytes, label: str, encoding: str) -> None:
    """Latin-1 (ISO 8859-1, -15, ...) decodes every byte, 0x80-0x9F as C1 control characters,
    which no text holds: a Windows-1252 file read as `--encoding latin-1` (what most people
    call Latin-1) stored O'BRIEN's curly quote as an invisible U+0092, silent damage. Such a
    character is refused, naming its row and byte, with the encoding it most likely is."""
    found = _C1.search(text)
    if found is None:
        return
    row = text.count("\n", 0, found.start()) + 1
    try:
        data.decode("cp1252")
        hint = "the file is most likely Windows-1252: give --encoding cp1252"
    except UnicodeDecodeError:
        hint = "check which encoding the file was saved in"
    raise InputRejected(label, [], headline=(
        f"{label}: row {row} holds U+{ord(found.group()):04X}, a control character no text "
        f"holds, as read with --encoding {encoding}; {hint}; nothing was loaded"))
