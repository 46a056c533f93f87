"""`load-dir`'s `--encoding`, `--sheet` and `--delimiter`: how to read each file of a folder.

Each option is repeatable and takes either a plain value, for every file of the folder it
applies to (`--encoding cp1252`: every CSV file; `--sheet Data`: every workbook), or
`FILE=VALUE` for one file of the folder, named as in the folder (`--encoding
visits.csv=latin-1`, `--sheet shore_power.xlsx=Sessions`), which overrides the plain value for
that file. So one command loads a folder holding a Latin-1 CSV and a workbook whose data is
on its second sheet. A value with `=` in it is always `FILE=VALUE`: FILE is the name of a file
of the folder that the text starts with, followed by `=` (so a file whose name holds `=`,
`visits_2026=10.csv=cp1252`, is named whole), else the text up to its first `=` (a sheet named
`a=b` is given as `FILE=a=b`; a delimiter `=` as `FILE==`, file by file). Decision: the folder's
own file names decide the split, not a guess from the value (is `10.csv=cp1252` an encoding?),
since FILE must name one of them anyway; two names of the folder that both fit (`a.csv` and
`a.csv=b.csv`, which no kind's file is named) are refused as ambiguous. Refused, before anything is read (usage error, exit 2):
a FILE that is not in the folder or that load-dir does not load (its name is not a kind), the
message saying how the value was split when that is what named no file, a FILE or the plain
form given twice for one option, an empty value, an option for a file of another format
(`--encoding` and `--delimiter` read CSV files, `--sheet` workbooks), as `load` refuses them,
a plain form for a format of which load-dir loads no file (it would read nothing, unsaid), an
encoding Python does not know and a delimiter that is not one character. A sheet the workbook
lacks is refused when the workbook is read, naming the file and its sheets.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from berthcheck.errors import UsageError
from berthcheck.ingest.read import FORMATS, ReadOptions, delimiter_usable, encoding_known

# option -> (the ReadOptions field, the file format it reads, that format in words)
OPTIONS = {"--encoding": ("encoding", "csv", "CSV files"),
           "--sheet": ("sheet", "xlsx", "XLSX workbooks"),
           "--delimiter": ("delimiter", "csv", "CSV files")}


def folder_read_options(folder: Path, files: dict[str, list[Path]], skipped: list[Path],
                        given: dict[str, list[str]]) -> dict[Path, ReadOptions]:
    """{path: ReadOptions} for every file load-dir loads (`files`: kind -> paths, as `plan`
    gives them), from `given`: option -> the values typed (e.g. {"--sheet": ["x.xlsx=Data"]})."""
    loaded = {p.name: p for paths in files.values() for p in paths}
    others = {p.name for p in skipped}
    options = {path: ReadOptions() for path in loaded.values()}
    for option, values in given.items():
        field, file_format, words = OPTIONS[option]
        plain: str | None = None
        chosen: dict[Path, str] = {}
        for text in values:
            name, sep, value = _split(option, text, [*loaded, *others])
            if not sep:
                if plain is not None:
                    raise UsageError(
                        f"{option} {plain!r} and {option} {text!r}: give the plain form once "
                        f"(for every file), and {option} FILE=VALUE for a file of its own")
                if not text.strip():
                    raise UsageError(f"{option} is empty: give a value, or FILE=VALUE")
                _check_value(option, text, text)
                plain = text
                continue
            path = _file(folder, option, text, name.strip(), loaded, others)
            if not value.strip():
                raise UsageError(f"{option} {text!r}: no value after '=' for {path.name}")
            _check_value(option, text, value)
            if path in chosen:
                raise UsageError(f"{option} is given twice for {path.name} "
                                 f"({chosen[path]!r} and {value!r})")
            if FORMATS.get(path.suffix.lower()) != file_format:
                raise UsageError(f"{option} {text!r}: {option} applies to {words} only, and "
                                 f"{path.name} is not one")
            chosen[path] = value
        if plain is not None and not any(FORMATS.get(p.suffix.lower()) == file_format
                                         for p in options):
            raise UsageError(f"{option} {plain!r}: {option} applies to {words} only, and "
                             f"load-dir loads none from {folder}")
        for path in options:
            if path not in chosen and plain is not None \
                    and FORMATS.get(path.suffix.lower()) == file_format:
                chosen[path] = plain  # the plain form: every file of its format
            if path in chosen:
                options[path] = replace(options[path], **{field: chosen[path]})
    return options


def _split(option: str, text: str, names: list[str]) -> tuple[str, str, str]:
    """(FILE, '=', VALUE) of a FILE=VALUE, FILE the folder's file name the text starts with
    (whole, `=` and all); else split at the first '=' ('' for '=': a plain value)."""
    fits = sorted({n for n in names if "=" in n and text.startswith(n + "=")}
                  | {n for n in names if "=" not in n and text.partition("=")[0].strip() == n})
    if len(fits) > 1:
        raise UsageError(f"{option} {text!r}: FILE=VALUE could name {' or '.join(fits)}; "
                         "rename one of them")
    if fits and "=" in fits[0]:
        return fits[0], "=", text[len(fits[0]) + 1:]
    return text.partition("=")


def _check_value(option: str, text: str, value: str) -> None:
    """The value itself, before any file is read or the database made (`load` checks it when
    it reads the file): named as typed, so a FILE=VALUE names its file."""
    if option == "--encoding" and not encoding_known(value):
        raise UsageError(f"{option} {text!r}: {value!r} is not an encoding Python knows (e.g. "
                         "utf-8, cp1252, latin-1, utf-16)")
    if option == "--delimiter" and not delimiter_usable(value):
        raise UsageError(f"{option} {text!r}: the delimiter is one character (or 'tab'), not "
                         f"{value!r}")


def _file(folder: Path, option: str, text: str, name: str, loaded: dict[str, Path],
          others: set[str]) -> Path:
    if name in loaded:
        return loaded[name]
    if name in others:
        raise UsageError(f"{option} {text!r}: load-dir does not load {name} (its name is not a "
                         "kind, e.g. visits.csv)")
    listed = ", ".join(sorted(loaded))
    split = (f"{option} {text!r} is read as FILE=VALUE, split at the first '=' (FILE {name!r}, "
             f"VALUE {text.partition('=')[2]!r})")
    if not name:  # `--delimiter =` read as FILE '' and VALUE ''
        raise UsageError(f"{split}: no FILE is named; {_equals_hint(option, loaded)}")
    raise UsageError(f"{option} {text!r}: no file {name!r} in {folder} that load-dir loads "
                     f"(FILE is a file's name in the folder: {listed})")


def _equals_hint(option: str, loaded: dict[str, Path]) -> str:
    """How a value holding '=' is given: FILE=VALUE for one file, file by file (a plain value
    holding '=' would be read as FILE=VALUE)."""
    file_format = OPTIONS[option][1]
    example = next((n for n in sorted(loaded)
                    if FORMATS.get(Path(n).suffix.lower()) == file_format), "FILE")
    if option == "--delimiter":
        return (f"a delimiter '=' is given to one file as FILE== (e.g. --delimiter {example}==), "
                "file by file: there is no plain form of it for every file")
    return (f"a value holding '=' is given to one file as FILE=VALUE (e.g. {option} "
            f"{example}=VALUE), file by file")
