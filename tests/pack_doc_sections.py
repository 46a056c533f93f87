"""The parts of docs/packs.md that are generated from the engine, so they cannot drift.

Each section sits between `<!-- generated:NAME -->` and `<!-- /generated -->` in the doc;
tests/test_pack_docs.py regenerates every one and compares. To refresh the doc after an engine
change: `.venv/bin/python -m tests.pack_doc_sections` rewrites the sections in place.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

# what each invariant means, in words, lives beside the outputs' names (the engine's pack
# failures quote it); tests/test_pack_docs.py fails when the model gains or loses one
from berthcheck.engine.output_columns import INVARIANTS as INVARIANTS

DOC = Path(__file__).resolve().parent.parent / "docs" / "packs.md"
SECTION = re.compile(r"(<!-- generated:(?P<name>[a-z-]+) -->\n)(?P<body>.*?)(<!-- /generated -->)",
                     re.DOTALL)

def _store_objects(columns: bool = False):
    """The views and tables a pack may read; with `columns`, each with its columns."""
    from berthcheck import store
    from berthcheck.engine.sandbox import readable_objects

    with tempfile.TemporaryDirectory() as folder:
        con = store.connect(Path(folder) / "doc.duckdb")
        try:
            names = readable_objects(con)
            if not columns:
                return names
            return [(name, con.sql(f"SELECT * FROM {name} LIMIT 0").columns)  # noqa: S608
                    for name in names]
        finally:
            con.close()


def store_objects() -> str:
    # the columns a pack's SQL names, as the store has them (events' `start` is `start_time`);
    # the lineage columns (`_source_file`, ...) after them, by their shared prefix
    lines = []
    for name, columns in _store_objects(columns=True):
        own = ", ".join(f"`{c}`" for c in columns if not c.startswith("_"))
        lineage = " and the lineage columns `_...`" if any(c.startswith("_") for c in columns) \
            else ""
        lines.append(f"- `{name}`: {own}{lineage}\n")
    return "".join(lines)


def assemble_columns() -> str:
    from berthcheck.engine.pack_columns import ASSEMBLE_COLUMNS

    rows = "".join(f"| `{n}` | {t} | {'yes' if null else 'no'} |\n"
                   for n, (t, null) in ASSEMBLE_COLUMNS.items())
    return "| column | type | may be NULL |\n|---|---|---|\n" + rows


def finding_columns() -> str:
    from berthcheck.engine.pack_columns import FINDING_COLUMNS

    rows = "".join(f"| `{n}` | {t} | {'yes' if null else 'no'} |\n"
                   for n, (t, null) in FINDING_COLUMNS.items())
    return "| column | type | may be NULL |\n|---|---|---|\n" + rows


def visit_columns() -> str:
    from berthcheck.engine.pack_columns import visit_columns as columns

    return ", ".join(f"`{n}` ({t})" for n, t in columns().items()) + "\n"


def column_types() -> str:
    from berthcheck.engine.pack_spec import COLUMN_TYPES

    return ", ".join(f"`{t}`" for t in COLUMN_TYPES) + "\n"


def header_keys() -> str:
    from berthcheck.engine.pack import HEADER_KEYS, SEVERITIES

    return (", ".join(f"`{k}`" for k in HEADER_KEYS) + "; `severity` is one of "
            + ", ".join(f"`{s}`" for s in SEVERITIES) + "\n")


def bases() -> str:
    from berthcheck.engine.bases import CONTRACT_BASES, JOINED

    rows = []
    for verdict, names in CONTRACT_BASES.items():
        text = ", ".join(f"`{n}`" for n in sorted(names)) or "`missing_<column>`"
        rows.append(f"| `{verdict}` | {text} |\n")
    joined = ", ".join(f"`{n}`" for n in sorted(JOINED))
    return ("| verdict | bases |\n|---|---|\n" + "".join(rows)
            + f"\nJoined with `+` to a `compliant` or `non_compliant` basis where they excused "
              f"part of the window: {joined}.\n")


def invariants() -> str:
    from berthcheck.engine.schemas import PARTIES

    lines = "".join(f"- `{name}`: {text}\n" for name, text in INVARIANTS.items())
    return lines + "\nParties: " + ", ".join(f"`{p}`" for p in PARTIES) + ".\n"


def engine_macros() -> str:
    from berthcheck.engine.pack_macros import ENGINE_MACROS

    return "".join(f"- `{call.split(':')[0]}`:{call.split(':', 1)[1]}\n"
                   for call in ENGINE_MACROS.values())


def refused_names() -> str:
    from berthcheck.engine.pack_sql import PRAGMA_DOES, REFUSED_NAMES

    out = ""
    for names, called, does in REFUSED_NAMES:
        shown = ", ".join(f"`{n.replace(chr(92) + 'w+', '*')}{'()' if called else ''}`"
                          for n in names.split("|"))
        out += f"- {shown}: {does}\n"
    return out + f"- a `PRAGMA` statement: {PRAGMA_DOES}\n"


GENERATORS = {
    "refused-names": refused_names,
    "store-objects": store_objects,
    "engine-macros": engine_macros,
    "assemble-columns": assemble_columns,
    "finding-columns": finding_columns,
    "visit-columns": visit_columns,
    "column-types": column_types,
    "header-keys": header_keys,
    "bases": bases,
    "invariants": invariants,
}


def regenerate(text: str) -> str:
    return SECTION.sub(lambda m: m.group(1) + GENERATORS[m.group("name")]() + m.group(4), text)


if __name__ == "__main__":
    DOC.write_text(regenerate(DOC.read_text(encoding="utf-8")), encoding="utf-8")
