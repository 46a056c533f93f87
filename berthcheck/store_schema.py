"""The store's schema: its migrations, numbered and applied in order when a store is opened
(berthcheck/store.py `_apply_migrations`), and the built-in ports they seed. Append-only: a
store records the number it reached, and a migration once released is never edited in a
way that changes what it stores."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable

from berthcheck.errors import BerthcheckError
from berthcheck.ingest.kinds import KINDS, storage_name
from berthcheck.resources import reference_dir


def _input_table_ddl() -> list[str]:
    statements = []
    for kind in KINDS.values():
        cols = [f"{storage_name(c.name)} {c.sql_type}" for c in kind.columns]
        cols += [
            "extra VARCHAR",  # unknown input columns, as JSON, kept but never read by rules
            "_batch_id INTEGER NOT NULL",
            "_source_file VARCHAR NOT NULL",
            "_source_row INTEGER NOT NULL",
            # 64 hex digits: stored uncompressed, as the seals' hashes are (_migration_3)
            "_row_hash VARCHAR NOT NULL USING COMPRESSION uncompressed",
            "_replaced_by INTEGER",
        ]
        statements.append(f"CREATE TABLE {kind.table}_versions ({', '.join(cols)})")
        statements.append(
            f"CREATE VIEW {kind.table} AS SELECT * FROM {kind.table}_versions "  # noqa: S608
            "WHERE _replaced_by IS NULL"
        )
    return statements


def _migration_1() -> list[str]:
    return [
        "CREATE TABLE schema_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        """CREATE TABLE load_batches (
            batch_id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_path VARCHAR NOT NULL,
            file_format VARCHAR NOT NULL,
            content_sha256 VARCHAR NOT NULL,
            rows_in_file INTEGER NOT NULL,
            rows_inserted INTEGER NOT NULL,
            rows_unchanged INTEGER NOT NULL,
            rows_replaced INTEGER NOT NULL,
            rows_quarantined INTEGER NOT NULL,
            warnings INTEGER NOT NULL,
            replace_mode BOOLEAN NOT NULL,
            quarantine_mode BOOLEAN NOT NULL,
            berthcheck_version VARCHAR NOT NULL,
            loaded_at TIMESTAMPTZ NOT NULL
        )""",
        """CREATE TABLE quarantine (
            batch_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_row INTEGER NOT NULL,
            column_name VARCHAR,
            value VARCHAR,
            reason VARCHAR NOT NULL,
            record VARCHAR NOT NULL
        )""",
        """CREATE TABLE load_warnings (
            batch_id INTEGER NOT NULL,
            kind VARCHAR NOT NULL,
            source_file VARCHAR NOT NULL,
            source_row INTEGER NOT NULL,
            column_name VARCHAR,
            value VARCHAR,
            message VARCHAR NOT NULL
        )""",
        """CREATE TABLE ports_builtin (
            port VARCHAR PRIMARY KEY, name VARCHAR, timezone VARCHAR NOT NULL, country VARCHAR,
            carb_at_berth BOOLEAN NOT NULL, afir_art9 BOOLEAN NOT NULL, note VARCHAR
        )""",
        *_input_table_ddl(),
        # A user's ports row overrides the built-in row of the same port.
        """CREATE VIEW ports AS
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'user' AS source
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'built-in' AS source
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)""",
    ]


# Append-only: a released database is upgraded by running the migrations it has not seen.
MIGRATIONS: list[tuple[int, str, Callable[[], list[str]]]] = [
    (1, "inputs, history, load log, quarantine, ports", _migration_1),
]


# a stored run's long, mostly distinct text (`_migration_2`)
_DISTINCT_TEXT = "USING COMPRESSION zstd"


def _migration_2() -> list[str]:
    """Check runs (engine, issue 3): one row per run, its results and findings.

    No key constraints: a re-run with the same deterministic run_id deletes and re-inserts its
    rows in one transaction, which DuckDB's eager key checks would refuse.

    The long, mostly distinct text of a run (each result's `visit_id`; each finding's id,
    visit, message and evidence) is stored with ZSTD (issue 16): DuckDB's own choice for it,
    a dictionary with FSST, cost twice to four times the CPU to analyse and encode (a
    million-visit run: 0.39 -> 0.17 CPU s for `visit_id`, 0.45 -> 0.24 for the findings'
    four columns) and was no smaller (7.6 -> 6.6 MB and 13.6 -> 9.1 MB); reading them back
    costs the same. Only the physical storage differs: the same values, read as before. A
    store made before this keeps DuckDB's choice for them, as it does for the input hashes
    (`_migration_3`).
    """
    return [
        """CREATE TABLE runs (
            run_id VARCHAR NOT NULL,
            pack_id VARCHAR NOT NULL,
            pack_version VARCHAR NOT NULL,
            pack_hash VARCHAR NOT NULL,
            parameters VARCHAR NOT NULL,
            scope VARCHAR NOT NULL,
            period VARCHAR,
            created_at TIMESTAMPTZ NOT NULL,
            berthcheck_version VARCHAR NOT NULL,
            inputs VARCHAR NOT NULL,
            max_batch_id INTEGER,
            visits INTEGER NOT NULL,
            findings INTEGER NOT NULL,
            counts VARCHAR NOT NULL,
            results_sha256 VARCHAR NOT NULL,
            elapsed_seconds DOUBLE
        )""",
        f"""CREATE TABLE run_results (
            run_id VARCHAR NOT NULL,
            visit_id VARCHAR NOT NULL {_DISTINCT_TEXT},
            pack VARCHAR NOT NULL,
            verdict VARCHAR NOT NULL,
            basis VARCHAR NOT NULL,
            window_start TIMESTAMPTZ,
            window_end TIMESTAMPTZ,
            controlled_hours DOUBLE,
            uncontrolled_hours DOUBLE,
            excused_hours DOUBLE,
            responsible VARCHAR,
            penalty DOUBLE,
            findings VARCHAR NOT NULL,
            extra VARCHAR NOT NULL
        )""",
        f"""CREATE TABLE run_findings (
            run_id VARCHAR NOT NULL,
            finding_id VARCHAR NOT NULL {_DISTINCT_TEXT},
            rule_id VARCHAR NOT NULL,
            visit_id VARCHAR NOT NULL {_DISTINCT_TEXT},
            severity VARCHAR NOT NULL,
            message VARCHAR NOT NULL {_DISTINCT_TEXT},
            evidence VARCHAR NOT NULL {_DISTINCT_TEXT},
            minutes DOUBLE
        )""",
    ]


MIGRATIONS.append((2, "check runs, their results and findings", _migration_2))


def builtin_ports() -> list[dict[str, object]]:
    with open(reference_dir() / "ports.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:
        for flag in ("carb_at_berth", "afir_art9"):
            row[flag] = row[flag] == "true"
        row["note"] = row["note"] or None
    return rows


def _migration_3() -> list[str]:
    """Audit trail (issue 6): each run's manifest, and a seal of every input row a run read.

    `runs.manifest` is the run's manifest (deterministic JSON, see berthcheck.audit);
    `runs.results_sha256` / `runs.findings_sha256` hash the results and findings separately.
    `input_seals` holds, once per stored row version (table, batch, source row), the hashes it
    had when a run first read it: `audit verify` names a row edited in place by comparing them.

    The two hashes are stored uncompressed (issue 16), as the input tables' `_row_hash` is:
    64 random hex digits gain about half from DuckDB's DICT_FSST, whose analysis and encoding
    were most of the seals' insert at load (1.9-2.1 -> 0.9-1.4 CPU s per million visits; the
    file about 70 bytes a seal larger). Only the physical storage differs: the same values,
    read as before. A store made before this keeps DuckDB's default for them.

    Each seal's `row_key` (the row's key as text: a million distinct visit ids) is stored with
    ZSTD (issue 16), as a run's distinct text is (`_migration_2`): with DuckDB's dictionary
    and FSST, a million visits' seals took 0.81-1.09 CPU s to insert, with ZSTD 0.71-0.83 (the
    column alone: 0.54 -> 0.23). A check does not read it (`audit verify` does). The input
    tables' own ids, which every check joins on, keep DuckDB's choice: read back from ZSTD a
    join on them cost some 5-7 % more (docs/scaling.md, "Twenty-eighth session"). A store
    made before keeps DuckDB's choice.
    """
    return [
        "ALTER TABLE runs ADD COLUMN findings_sha256 VARCHAR",
        "ALTER TABLE runs ADD COLUMN manifest VARCHAR",
        f"""CREATE TABLE input_seals (
            table_name VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL,
            source_row INTEGER NOT NULL,
            source_file VARCHAR NOT NULL,
            row_key VARCHAR NOT NULL {_DISTINCT_TEXT},
            row_hash VARCHAR NOT NULL USING COMPRESSION uncompressed,
            content_hash VARCHAR NOT NULL USING COMPRESSION uncompressed
        )""",
    ]


MIGRATIONS.append((3, "audit trail: run manifests and input row seals", _migration_3))


def _migration_4() -> list[str]:
    """FuelEU Art. 6(3) (issue 7): a port's optional `ops_required_from` date, the day a Member
    State's decision to require on-shore power in that port applies (empty = no decision).

    A database created by this berthcheck already has the column in `ports_user_versions` (its
    DDL comes from the ports kind), hence IF NOT EXISTS; `ports_builtin` is declared by hand in
    migration 1, so it gains the column here and takes its values from the reference CSV.
    """
    statements = [
        "ALTER TABLE ports_user_versions ADD COLUMN IF NOT EXISTS ops_required_from DATE",
        "ALTER TABLE ports_builtin ADD COLUMN IF NOT EXISTS ops_required_from DATE",
        "CREATE OR REPLACE VIEW ports_user AS SELECT * FROM ports_user_versions "
        "WHERE _replaced_by IS NULL",
        # A user's ports row overrides the built-in row of the same port (as in migration 1).
        """CREATE OR REPLACE VIEW ports AS
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'user' AS source, ops_required_from
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone, country, carb_at_berth, afir_art9, note,
                   'built-in' AS source, ops_required_from
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)""",
    ]
    import datetime as _dt

    for row in builtin_ports():
        text = str(row.get("ops_required_from") or "").strip()
        if text:
            # both values are checked shapes (a LOCODE and an ISO date), never free text
            if not re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", str(row["port"])):
                raise BerthcheckError(f"built-in ports.csv: bad port code {row['port']!r}")
            day = _dt.date.fromisoformat(text).isoformat()
            statements.append(
                f"UPDATE ports_builtin SET ops_required_from = DATE '{day}' "  # noqa: S608
                f"WHERE port = '{row['port']}'"
            )
    return statements


MIGRATIONS.append((4, "ports: FuelEU Member State OPS requirement date", _migration_4))


def _migration_5() -> list[str]:
    """Visits gain optional size and engine columns for the emission load defaults
    (dwt for tankers, passengers for diesel-electric cruise ships, aux_engine_speed).

    A database created by this berthcheck already has them (migration 1 builds the tables
    from the kinds), hence IF NOT EXISTS.
    """
    return [
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS dwt DOUBLE",
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS passengers DOUBLE",
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS aux_engine_speed VARCHAR",
        "CREATE OR REPLACE VIEW visits AS SELECT * FROM visits_versions "
        "WHERE _replaced_by IS NULL",
    ]


MIGRATIONS.append((5, "visits: optional dwt, passengers, aux_engine_speed", _migration_5))


def _migration_6() -> list[str]:
    """Run results stored typed (issue 8, scaling): a run's columns beyond the data contract
    (pack-specific and emission columns) as one Parquet blob per run, instead of a JSON text
    per result row (about 1.5 KB a visit). `run_results.extra` is then '' for that run;
    runs stored before keep their JSON there, and `runs.load_run` reads either.
    """
    return [
        """CREATE TABLE run_result_columns (
            run_id VARCHAR NOT NULL,
            format VARCHAR NOT NULL,
            data BLOB NOT NULL
        )""",
    ]


MIGRATIONS.append((6, "run results: extra columns typed (a Parquet blob per run)", _migration_6))


def _migration_7() -> list[str]:
    """The data contract's round-2 inputs: visits' `call_purpose` (FuelEU port of call), events'
    `approval_ref` (a regulator's written approval), allowances' `port` (a TIE belongs to a
    terminal at one port), and the `visit_counts` and `coverage` tables (yearly counts, and
    which port- or fleet-years the loaded visits cover completely).

    A database created by this berthcheck already has all of them (migration 1 builds the
    tables from the kinds), hence IF NOT EXISTS.
    """
    statements = [
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS call_purpose VARCHAR",
        "ALTER TABLE events_versions ADD COLUMN IF NOT EXISTS approval_ref VARCHAR",
        "ALTER TABLE allowances_versions ADD COLUMN IF NOT EXISTS port VARCHAR",
    ]
    for table in ("visits", "events", "allowances"):
        statements.append(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM {table}_versions "  # noqa: S608
            "WHERE _replaced_by IS NULL"
        )
    for ddl in _input_table_ddl():
        if " visit_counts" in ddl or " coverage" in ddl:
            statements.append(
                ddl.replace("CREATE TABLE ", "CREATE TABLE IF NOT EXISTS ", 1).replace(
                    "CREATE VIEW ", "CREATE OR REPLACE VIEW ", 1
                )
            )
    return statements


MIGRATIONS.append(
    (7, "call_purpose, approval_ref, allowances.port, visit_counts and coverage", _migration_7)
)


def _migration_8() -> list[str]:
    """Issue 14: a port's country is the ports table's, else the first two letters of its
    UN/LOCODE, for every reader. The loader now stores it so (and keeps every built-in column a
    file does not carry); this view gives rows loaded before that the same reading."""
    return [
        """CREATE OR REPLACE VIEW ports AS
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'user' AS source, ops_required_from
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'built-in' AS source, ops_required_from
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)""",
    ]


MIGRATIONS.append((8, "ports view: country defaults to the UN/LOCODE's first two letters", _migration_8))


def _migration_9() -> list[str]:
    """Exports (issue 19): one row per file set an `export` command wrote from a run, with the
    parameters that made it and the sha256 of each file, so `audit verify RUN` can rebuild the
    export from the recomputed run and prove the bytes. Deterministic: no clock time; writing
    the same export again replaces its row (same `export_id`)."""
    return [
        """CREATE TABLE IF NOT EXISTS exports (
            export_id VARCHAR NOT NULL,
            run_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            parameters VARCHAR NOT NULL,
            files VARCHAR NOT NULL,
            berthcheck_version VARCHAR NOT NULL
        )""",
    ]


MIGRATIONS.append((9, "exports: what each export wrote from a run, with file hashes", _migration_9))


def _migration_10() -> list[str]:
    """Run results gain `violation_days` (data contract 4: CARB's calendar days with uncontrolled
    time; empty for other packs and for runs stored before)."""
    return ["ALTER TABLE run_results ADD COLUMN IF NOT EXISTS violation_days BIGINT"]


MIGRATIONS.append((10, "run results: violation_days", _migration_10))


def _migration_11() -> list[str]:
    """Lineage for rows an adapter made from a structured source (issue 18, DCSA JIT): every
    `<table>_versions` gains `_source_path`, where in the source each value came from (JSON:
    column -> file and JSON path, e.g. the JIT timestamp that gave `arrival`). NULL for rows
    read from CSV, Parquet or XLSX, whose `_source_row` already says it.
    """
    statements = []
    for kind in KINDS.values():
        statements += [
            f"ALTER TABLE {kind.table}_versions ADD COLUMN IF NOT EXISTS _source_path VARCHAR",
            f"CREATE OR REPLACE VIEW {kind.table} AS SELECT * FROM {kind.table}_versions "  # noqa: S608
            "WHERE _replaced_by IS NULL",
        ]
    return statements


MIGRATIONS.append((11, "lineage: _source_path (JSON path) of adapters' rows", _migration_11))


def _migration_12() -> list[str]:
    """China's shore-power pack (issue 20): a port's optional `port_area`, `coastal` or `inland`
    (the Measures' 3-hour and 2-hour thresholds), and the built-in Chinese ports.

    A database created by this berthcheck already has the column in `ports_user_versions` (its
    DDL comes from the ports kind), hence IF NOT EXISTS; `ports_builtin` gains it here. Built-in
    ports added to the reference CSV since the database was made are inserted (migration 1 only
    inserted the rows of its day). Values come from the shipped CSV and are checked shapes.
    """
    statements = [
        "ALTER TABLE ports_user_versions ADD COLUMN IF NOT EXISTS port_area VARCHAR",
        "ALTER TABLE ports_builtin ADD COLUMN IF NOT EXISTS port_area VARCHAR",
        "CREATE OR REPLACE VIEW ports_user AS SELECT * FROM ports_user_versions "
        "WHERE _replaced_by IS NULL",
    ]
    safe = re.compile(r"[A-Za-z0-9 ().:,/_+-]*")
    for row in builtin_ports():
        values = [row["port"], row["name"], row["timezone"], row["country"], row["note"] or ""]
        if not re.fullmatch(r"[A-Z]{2}[A-Z2-9]{3}", str(row["port"])) or not all(
                safe.fullmatch(str(v)) for v in values):
            raise BerthcheckError(f"built-in ports.csv: unexpected characters in {row['port']!r}")
        port, name, tz, country, note = values
        note_sql = f"'{note}'" if note else "NULL"
        statements.append(
            "INSERT INTO ports_builtin (port, name, timezone, country, carb_at_berth, afir_art9, "  # noqa: S608
            f"note) SELECT '{port}', '{name}', '{tz}', '{country}', {str(row['carb_at_berth']).lower()}, "
            f"{str(row['afir_art9']).lower()}, {note_sql} "
            f"WHERE NOT EXISTS (SELECT 1 FROM ports_builtin WHERE port = '{port}')"
        )
        area = str(row.get("port_area") or "").strip()
        if area:
            if area not in ("coastal", "inland"):
                raise BerthcheckError(f"built-in ports.csv: bad port_area {area!r} for {port}")
            statements.append(
                f"UPDATE ports_builtin SET port_area = '{area}' WHERE port = '{port}'"  # noqa: S608
            )
    statements.append(
        """CREATE OR REPLACE VIEW ports AS
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'user' AS source, ops_required_from, port_area
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'built-in' AS source, ops_required_from,
                   port_area
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)"""
    )
    return statements


MIGRATIONS.append((12, "ports: port_area (China coastal/inland) and the built-in Chinese ports",
                   _migration_12))


def _migration_13() -> list[str]:
    """Input fingerprints at load time (issue 16, manifest version 2): each load batch's
    digest of the rows it inserted, and of the rows it retired, per input table
    (berthcheck/fingerprints.py). Batches loaded before are digested by the first check that
    stores its run (a check digests any piece the table lacks)."""
    return [
        """CREATE TABLE IF NOT EXISTS batch_digests (
            table_name VARCHAR NOT NULL,
            batch_id INTEGER NOT NULL,
            replaced_by INTEGER,
            rows BIGINT NOT NULL,
            source_rows VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL
        )""",
    ]


MIGRATIONS.append((13, "batch digests: input fingerprints made at load time", _migration_13))


def _migration_14() -> list[str]:
    """A stored run's own column table (`run_columns_<run_id>`) keyed by an integer: the row's
    place in the run's results, in `visit_id` order (`run_results.result_row`), instead of a
    second copy of the text `visit_id` (about 0.3 CPU s of a million-visit run's store).
    Runs stored before keep `visit_id` as that table's key and are read as before
    (engine/runs.py)."""
    return ["ALTER TABLE run_results ADD COLUMN IF NOT EXISTS result_row BIGINT"]


MIGRATIONS.append((14, "run results: an integer row key for the run's column table",
                   _migration_14))


def _migration_15() -> list[str]:
    """FuelEU's unit is the port call: visits gain the optional `port_call`, the
    identifier shared by the stays of one call (a berth shift). Rows loaded before have none,
    and each stays a call of its own, as it was judged. Their row hashes are unchanged: an
    empty `port_call` is left out of the row text (seals.row_text_sql)."""
    return [
        "ALTER TABLE visits_versions ADD COLUMN IF NOT EXISTS port_call VARCHAR",
        "CREATE OR REPLACE VIEW visits AS SELECT * FROM visits_versions "
        "WHERE _replaced_by IS NULL",
    ]


MIGRATIONS.append((15, "visits: port_call (the stays of one FuelEU port call)", _migration_15))


def _migration_16() -> list[str]:
    """FuelEU Art. 6(1) via AFIR Art. 9(1), which covers a port per ship category: a port's
    optional `afir_art9_ship_type`, the one type (container or passenger) AFIR Art. 9 covers it
    for; empty = every type, so rows stored before mean what they meant.

    A database created by this berthcheck already has the column in `ports_user_versions` (its
    DDL comes from the ports kind), hence IF NOT EXISTS; `ports_builtin` gains it here, empty
    for every built-in port (each covered for every type, as before). Rows' hashes are
    unchanged: an empty `afir_art9_ship_type` is left out of the row text (seals.row_text_sql).
    """
    return [
        "ALTER TABLE ports_user_versions ADD COLUMN IF NOT EXISTS afir_art9_ship_type VARCHAR",
        "ALTER TABLE ports_builtin ADD COLUMN IF NOT EXISTS afir_art9_ship_type VARCHAR",
        "CREATE OR REPLACE VIEW ports_user AS SELECT * FROM ports_user_versions "
        "WHERE _replaced_by IS NULL",
        """CREATE OR REPLACE VIEW ports AS
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'user' AS source, ops_required_from, port_area,
                   afir_art9_ship_type
            FROM ports_user
            UNION ALL
            SELECT port, name, timezone,
                   coalesce(nullif(trim(country), ''), substr(port, 1, 2)) AS country,
                   carb_at_berth, afir_art9, note, 'built-in' AS source, ops_required_from,
                   port_area, afir_art9_ship_type
            FROM ports_builtin b
            WHERE NOT EXISTS (SELECT 1 FROM ports_user u WHERE u.port = b.port)""",
    ]


MIGRATIONS.append((16, "ports: afir_art9_ship_type (AFIR Art. 9 per ship category)",
                   _migration_16))


def _migration_17() -> list[str]:
    """CARB § 93130.10(a): a terminal's low activity status counts every visit it receives,
    while a `visit_counts` row's `visits` leaves out innovative-concept visits (the VIE/TIE
    count of § 93130.11(a)). The optional `innovative_concept_visits` says how many were left
    out; empty = none, so rows stored before mean what they meant.

    A database created by this berthcheck already has the column (its DDL comes from the
    visit-counts kind), hence IF NOT EXISTS. Rows' hashes are unchanged: an empty
    `innovative_concept_visits` is left out of the row text (seals.row_text_sql).
    """
    return [
        "ALTER TABLE visit_counts_versions ADD COLUMN IF NOT EXISTS "
        "innovative_concept_visits INTEGER",
        "CREATE OR REPLACE VIEW visit_counts AS SELECT * FROM visit_counts_versions "
        "WHERE _replaced_by IS NULL",
    ]


MIGRATIONS.append((17, "visit_counts: innovative_concept_visits (a terminal's low activity "
                       "counts them)", _migration_17))


def _migration_18() -> list[str]:
    """Every file a load read, whatever it changed: a load whose rows were all already loaded
    (or a header alone) makes no load batch, so `load_batches` did not know its file and an
    output given its name (`check --out visits.csv`) replaced the user's data file
    (store.loaded_files). Kept apart from `load_batches`, which run ids, manifests and input
    fingerprints are made from: this table changes none of them. Stores made before know the
    files of their batches, as before."""
    return ["CREATE TABLE IF NOT EXISTS loaded_paths (source_path VARCHAR NOT NULL)"]


MIGRATIONS.append((18, "loaded paths: every file a load read, for the outputs' guard",
                   _migration_18))
