"""`compare` as two partner ports use it (Los Angeles under CARB, Nagoya exporting with the
same pack, where no visit is regulated): what the page shows must read the same to both, and
a partner's package that is not what `export indicators` writes is refused naming the JSON
path or row, column and value."""

from __future__ import annotations

import pytest

from berthcheck.export.compare import build_model, draw, read_package
from berthcheck.export.files import Table, csv_bytes
from berthcheck.export.indicators import COLUMNS, CSV_NAME, PACKAGE_NAME, RESOURCE
from tests.test_compare import _compare, _package, _row, _write


def _refused(runner, tmp_path, lax, package, message: str) -> None:
    """`compare` of `lax` and `package` refuses (exit 1) with `message` on standard error, in
    words (no traceback, no "unexpected ... bug"), and writes nothing."""
    r, out = _compare(runner, tmp_path, lax, package)
    assert r.exit_code == 1, r.output
    assert message in r.stderr, r.stderr
    assert "Traceback" not in r.output and "unexpected" not in r.stderr
    assert not out.exists()



@pytest.fixture
def lax(tmp_path):
    return _package(tmp_path / "lax", [_row("USLAX")])


def _not_applicable(port: str, **over) -> dict:
    """A port-month no visit of which the pack regulates (Nagoya under the CARB pack)."""
    return _row(port, compliant_visits=0, non_compliant_visits=0, not_applicable_visits=10,
                regulated_visits=0, compliance_rate=None, uncontrolled_hours=0.0, **over)


def test_a_port_without_regulated_visits_is_not_charted_as_zero_compliance(tmp_path):
    """The compliance chart drew Nagoya (no regulated visit: no rate, `–` in the table) as an
    empty bar, the same as a port whose every regulated visit failed (0 %, whose bar had no
    value either): a reader saw two ports at 0 %."""
    failed = _package(tmp_path / "lax", [_row("USLAX", compliant_visits=0,
                                              non_compliant_visits=10, compliance_rate=0.0)])
    ngo = _package(tmp_path / "ngo", [_not_applicable("JPNGO")])
    model = build_model([read_package(failed), read_package(ngo)])
    assert [(ln["port"], ln["rate"]) for ln in model["lines"]] == [("USLAX", 0.0),
                                                                   ("JPNGO", None)]
    svg = str(draw(model)["rate"])
    assert ">0.0</text>" in svg  # the port whose regulated visits all failed
    assert ">–</text>" in svg and "–: no regulated visits, so no compliance rate" in svg
    # nor as a port of no uncontrolled hour, beside the port whose 10 visits failed
    assert [ln["uncontrolled_text"] for ln in model["lines"]] == ["12.5", "–"]
    svg = str(draw(model)["uncontrolled"])
    assert ">12.5</text>" in svg and ">–</text>" in svg
    assert "–: no regulated visits, so no control window to count" in svg


@pytest.mark.parametrize(("edit", "named"), [
    # pack and version are the packages' definitions: a number 1.2 read as '1.2' was
    # refused as "computed with different definitions", an array compared as its repr
    (lambda d: d["berthcheck"].update(pack=["carb-at-berth-2020"]),
     "$.berthcheck.pack must be text, not an array"),
    (lambda d: d["berthcheck"].update(pack_version=1.2),
     "$.berthcheck.pack_version must be text, not 1.2"),
    # the run id was shown on the page as Python's repr of the object
    (lambda d: d["berthcheck"].update(run_id={"a": 1}),
     "$.berthcheck.run_id must be text, not an object"),
    # a field that is no object was skipped, so its type was never checked
    (lambda d: d["resources"][0]["schema"]["fields"].__setitem__(3, "visits"),
     "$.resources[indicators].schema.fields[3] must be an object (a field's name, type, ...), "
     "not \"visits\""),
    # the CSV's hash of another type, or none, was refused as a CSV "changed after it was
    # written (opened and saved in a spreadsheet?)": the CSV was the package's own
    (lambda d: d["resources"][0].update(hash=123),
     "$.resources[indicators].hash must be text, not 123"),
    (lambda d: d["resources"][0].pop("hash"),
     "$.resources[indicators].hash is missing: compare checks indicators.csv against the "
     "sha256 `export indicators` records there ('sha256:' and 64 hex digits)"),
    (lambda d: d["resources"][0].update(hash="md5:9e107d9d372bb6826bd81d3542a419d6"),
     "$.resources[indicators].hash: 'md5:9e107d9d372bb6826bd81d3542a419d6': not 'sha256:' "
     "and 64 hex digits; compare checks indicators.csv against the sha256 `export indicators` "
     "records there"),
], ids=["pack", "pack_version", "run_id", "field", "hash-number", "hash-missing", "hash-md5"])
def test_a_descriptor_value_of_the_wrong_json_type_is_refused_naming_its_path(
        runner, tmp_path, lax, edit, named):
    bad = _package(tmp_path / "ngo", [_row("JPNGO")], edit=edit)
    _refused(runner, tmp_path, lax, bad, f"ngo: {PACKAGE_NAME}: {named}")


def test_a_descriptor_nested_too_deeply_is_refused_not_a_crash(runner, tmp_path, lax):
    """Python's JSON parser recurses: arrays 100 000 deep ended in "unexpected RecursionError
    (this is a bug in berthcheck)"."""
    bad = _package(tmp_path / "ngo", [_row("JPNGO")])
    (bad / PACKAGE_NAME).write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    _refused(runner, tmp_path, lax, bad,
             f"ngo: {PACKAGE_NAME} is not a package descriptor: its JSON is nested too deeply")


def test_a_descriptor_saved_with_a_utf8_bom_still_compares(runner, tmp_path, lax):
    """Before: a partner's datapackage.json saved again by Notepad (a UTF-8 BOM first, the
    JSON unchanged) was refused as "is not JSON: Unexpected UTF-8 BOM"."""
    ngo = _package(tmp_path / "ngo", [_row("JPNGO")])
    (ngo / PACKAGE_NAME).write_bytes(b"\xef\xbb\xbf" + (ngo / PACKAGE_NAME).read_bytes())
    r, out = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.output
    assert out.exists()


def test_a_column_given_twice_is_refused(runner, tmp_path, lax):
    """Two `visits` columns: the second's cells were read and the first's dropped unseen."""
    data = csv_bytes(Table(RESOURCE, COLUMNS, [_row("JPNGO")]))
    header, rest = data.split(b"\n", 1)
    bad = _write(tmp_path / "ngo", header.replace(b",run_id", b",visits") + b"\n" + rest)
    _refused(runner, tmp_path, lax, bad,
             f"ngo: {CSV_NAME}, row 1 (header): column visits given twice")


# A Nagoya month at its boundaries (Asia/Tokyo, UTC+9 all year, no DST), local times as the
# port writes them. Hand count for --period 2026-10 (month of the port-local departure):
#   N1 departs 2026-10-31 23:30 JST (14:30 UTC, 07:30 in Los Angeles)      -> October
#   N2 departs 2026-11-01 00:30 JST (2026-10-31 15:30 UTC: October in UTC) -> November, out
#   N3 departs 2026-10-01 00:30 JST (2026-09-30 15:30 UTC: September in UTC) -> October
#   N4 departs 2026-09-30 23:59 JST                                        -> September, out
# so October holds N1 (container) and N3 (tanker): 2 visits, one row per type; under the CARB
# pack (California ports only) both are not_applicable: no regulated visit, no rate.
NAGOYA_BOUNDARY = [
    ("N1", "9337638", "飛鳥丸", "container", "T1", "2026-10-30 08:00", "2026-10-31 23:30"),
    ("N2", "9243356", "さくら丸", "container", "T2", "2026-10-31 10:00", "2026-11-01 00:30"),
    ("N3", "9125530", "名古屋丸", "tanker", "T1", "2026-09-30 10:00", "2026-10-01 00:30"),
    ("N4", "9634749", "ASUKA", "container", "T2", "2026-09-29 10:00", "2026-09-30 23:59"),
]


def load_nagoya_boundary(runner, tmp_path, terminal: str = "T", **extra: str) -> str:
    """A store of NAGOYA_BOUNDARY's visits at JPNGO (the partner port's month edges), each row
    with `terminal` and the `extra` columns; its --db path."""
    from berthcheck.cli import app
    from tests.conftest import write_csv

    rows = [{"visit_id": v, "imo": imo, "vessel_name": name, "vessel_type": kind, **extra,
             "port": "JPNGO", "terminal": terminal, "berth": berth, "arrival": arrival,
             "departure": departure}
            for v, imo, name, kind, berth, arrival, departure in NAGOYA_BOUNDARY]
    db = str(tmp_path / "ngo.duckdb")
    r = runner.invoke(app, ["--db", db, "load", "visits",
                            str(write_csv(tmp_path / "visits.csv", rows))])
    assert r.exit_code == 0, r.output
    return db


def test_a_nagoya_package_counts_months_in_tokyo_time_and_says_so(runner, tmp_path,
                                                                  monkeypatch):
    """The package never said which time zone its months are in: a Los Angeles reader could
    not tell that N1 (31 October 07:30 in LA) and N3 (30 September in UTC) are October's.
    The descriptor now names each port's zone, and `compare` shows it beside the package."""
    import csv
    import io
    import json
    import time
    import zipfile

    from berthcheck.cli import app

    db = load_nagoya_boundary(runner, tmp_path, "飛島ふ頭", operator="日本郵船")
    built = {}
    for tz in ("America/Los_Angeles", "Asia/Tokyo"):  # the same bytes in either office
        monkeypatch.setenv("TZ", tz)
        time.tzset()
        out = tmp_path / tz.replace("/", "-") / "ngo.zip"
        r = runner.invoke(app, ["--db", str(db), "export", "indicators", "--period", "2026-10",
                                "--port", "JPNGO", "--pack", "carb-at-berth-2020", "--out",
                                str(out), "--mkdir"])
        assert r.exit_code == 0, r.output
        # said, so the officer knows why Nagoya's rate will be empty beside Los Angeles'
        assert ("note: every one of the 2 visit(s) in scope is not_applicable under "
                "carb-at-berth-2020: the package counts their visits, hours and emissions, with "
                "no regulated visit, so no compliance rate") in r.stderr, r.stderr
        built[tz] = out.read_bytes()
    monkeypatch.delenv("TZ")
    time.tzset()
    assert built["America/Los_Angeles"] == built["Asia/Tokyo"]
    with zipfile.ZipFile(io.BytesIO(built["Asia/Tokyo"])) as z:
        descriptor = json.loads(z.read(PACKAGE_NAME))
        table = list(csv.DictReader(io.StringIO(z.read(CSV_NAME).decode("utf-8"))))
    assert [(t["month"], t["vessel_type"], t["visits"], t["not_applicable_visits"],
             t["compliance_rate"]) for t in table] == [("2026-10", "container", "1", "1", ""),
                                                       ("2026-10", "tanker", "1", "1", "")]
    assert descriptor["berthcheck"]["time_zones"] == {"JPNGO": "Asia/Tokyo"}
    from berthcheck.engine.pack import load_pack

    # the rule files the numbers come from, so a partner's edited copy is told apart
    assert descriptor["berthcheck"]["pack_hash"] == load_pack("carb-at-berth-2020").hash
    month = next(f for f in descriptor["resources"][0]["schema"]["fields"]
                 if f["name"] == "month")
    assert "$.berthcheck.time_zones" in month["description"]
    lax = _package(tmp_path / "lax", [_row("USLAX")],
                   edit=lambda d: d["berthcheck"].update(time_zones={
                       "USLAX": "America/Los_Angeles"}, pack_hash=load_pack(
                           "carb-at-berth-2020").hash))
    ngo = tmp_path / "Asia-Tokyo" / "ngo.zip"
    r, page = _compare(runner, tmp_path, lax, ngo)
    assert r.exit_code == 0, r.output
    text = page.read_text("utf-8")
    assert "<td>JPNGO: Asia/Tokyo</td>" in text and "<td>USLAX: America/Los_Angeles</td>" in text


@pytest.mark.parametrize(("zones", "named"), [
    ("Asia/Tokyo", "$.berthcheck.time_zones must be an object (port -> IANA time zone), not "
                   "\"Asia/Tokyo\""),
    ({"JPNGO": 9}, "$.berthcheck.time_zones.JPNGO must be text, not 9"),
    ({"JPNGO": "JST+9"}, "$.berthcheck.time_zones.JPNGO: 'JST+9': not an IANA time zone"),
    ({"JPNGO": "../../etc/passwd"}, "$.berthcheck.time_zones.JPNGO: '../../etc/passwd': not"),
], ids=["text", "number", "abbreviation", "path"])
def test_a_bad_time_zone_is_refused_naming_its_path(runner, tmp_path, lax, zones, named):
    bad = _package(tmp_path / "ngo", [_row("JPNGO")],
                   edit=lambda d: d["berthcheck"].update(time_zones=zones))
    _refused(runner, tmp_path, lax, bad, f"ngo: {PACKAGE_NAME}: {named}")


def test_a_package_made_before_time_zones_were_stated_still_compares(runner, tmp_path, lax):
    old = _package(tmp_path / "ngo", [_row("JPNGO")],
                   edit=lambda d: d["berthcheck"].pop("time_zones"))
    r, out = _compare(runner, tmp_path, lax, old)
    assert r.exit_code == 0, r.output
    assert "<td>not stated</td>" in out.read_text("utf-8")


@pytest.mark.parametrize("port", ['=HYPERLINK("http://x","JPNGO")', "JP\x00GO", "jpngo", "名古屋"],
                         ids=["formula", "nul", "lower", "name"])
def test_a_port_that_is_no_locode_is_refused(runner, tmp_path, lax, port):
    """A port cell of any text was compared and charted as a port of its own: a formula (made
    harmless only in the PDF's attachment), a NUL, a name instead of the code."""
    bad = _package(tmp_path / "ngo", [_row(port)])
    written = "'" + port if port.startswith("=") else port  # as csv_bytes writes a formula
    _refused(runner, tmp_path, lax, bad,
             f"ngo: {CSV_NAME}, row 2, column port: {written!r}: not a UN/LOCODE (e.g. JPNGO)")


def test_the_package_schema_declares_the_port_pattern_as_load_does():
    from berthcheck.export.indicators import package_descriptor
    from berthcheck.schemas import LOCODE
    from tests.test_compare import RUN

    fields = {f["name"]: f for f in
              package_descriptor(RUN, {"port": None}, b"")["resources"][0]["schema"]["fields"]}
    assert fields["port"]["constraints"] == {"required": True,
                                             "pattern": LOCODE.strip("^$")}


def test_what_a_package_holds_beside_its_indicators_is_named_not_dropped_unseen(
        runner, tmp_path, lax):
    """A zip with other members, a descriptor listing another resource, a CSV of no rows: the
    page was written without a word of them (the empty package's ports simply missing)."""
    import zipfile

    def other_resource(d):
        d["resources"].append({"name": "berths", "path": "berths.csv"})

    folder = _package(tmp_path / "ngo", [_row("JPNGO")], edit=other_resource)
    zipped = tmp_path / "ngo.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for name in (PACKAGE_NAME, CSV_NAME):
            z.write(folder / name, name)
        z.writestr("berths.csv", "port\nJPNGO\n")
        z.writestr("../notes.html", "<script>")
    empty = _package(tmp_path / "empty", [])
    r, out = _compare(runner, tmp_path, lax, zipped, empty)
    assert r.exit_code == 0, r.output
    assert ("warning: ngo.zip: not read: ../notes.html, berths.csv, resource 'berths' (compare "
            f"reads {PACKAGE_NAME} and {CSV_NAME}, resource 'indicators', only)") in r.stderr
    assert f"warning: empty: {CSV_NAME} holds no rows: none of its ports is on the page" \
        in r.stderr
    assert out.exists() and not (tmp_path / "notes.html").exists()


def _zipped(tmp_path, compression) -> bytearray:
    import zipfile

    folder = _package(tmp_path / "ngo", [_row("JPNGO")])
    target = tmp_path / "plain.zip"
    with zipfile.ZipFile(target, "w", compression=compression) as z:
        for name in (PACKAGE_NAME, CSV_NAME):
            z.write(folder / name, name)
    return bytearray(target.read_bytes())


def _deflate_damaged(tmp_path) -> bytes:
    import zipfile

    data = _zipped(tmp_path, zipfile.ZIP_DEFLATED)
    at = data.index(PACKAGE_NAME.encode()) + len(PACKAGE_NAME) + 20  # inside its deflate data
    data[at] ^= 0xFF
    data[at + 1] ^= 0xFF
    return bytes(data)


def _encrypted(tmp_path) -> bytes:
    import zipfile

    data = _zipped(tmp_path, zipfile.ZIP_STORED)
    central = data.index(b"PK\x01\x02")  # the first member's central directory entry
    data[central + 8] |= 0x01  # general purpose flag: encrypted
    return bytes(data)


def _truncated(tmp_path) -> bytes:
    import zipfile

    return bytes(_zipped(tmp_path, zipfile.ZIP_DEFLATED)[:-40])


@pytest.mark.parametrize(("damage", "named"), [
    (_deflate_damaged, "ngo.zip: a member of the zip is damaged (Error -3 while decompressing"),
    (_encrypted, "ngo.zip: cannot be read: File 'datapackage.json' is encrypted"),
    (_truncated, "ngo.zip: not a readable zip file (File is not a zip file); it may be "
                 "truncated or damaged"),
], ids=["deflate", "encrypted", "truncated"])
def test_a_damaged_zip_is_refused_in_words_not_as_a_bug(runner, tmp_path, lax, damage, named):
    """A zip whose compressed bytes were damaged in transit ended in "unexpected error: Error
    -3 while decompressing data ... (this is a bug in berthcheck)"."""
    package = tmp_path / "ngo.zip"
    package.write_bytes(damage(tmp_path))
    _refused(runner, tmp_path, lax, package, f"error: {named}")


def test_a_package_of_the_same_pack_label_but_other_rule_files_is_refused(runner, tmp_path, lax):
    """Nagoya ran a copy of the CARB pack edited in place (same id and version, another
    start date): the packages said the same `carb-at-berth-2020@<version>` and were compared as
    if computed the same way. The package now records the pack's hash, and packages whose
    hashes differ are refused; one written before the hash was recorded is held to the id and
    version only."""
    edited = _package(tmp_path / "ngo", [_row("JPNGO")],
                      edit=lambda d: d["berthcheck"].update(pack_hash="cd" * 32))
    r, out = _compare(runner, tmp_path, lax, edited)
    assert r.exit_code == 1, r.output
    from tests.test_compare import RUN

    label = f"carb-at-berth-2020@{RUN.pack.version}"  # the packages' own label
    assert (f"the packages name the same pack, {label}, but were computed with "
            "different rule files ($.berthcheck.pack_hash: lax: sha256 abababababab; ngo: "
            "sha256 cdcdcdcdcdcd): a pack edited without a new version") in r.stderr, r.stderr
    assert not out.exists()
    older = _package(tmp_path / "older", [_row("JPNGO")],
                     edit=lambda d: d["berthcheck"].pop("pack_hash"))
    r, out = _compare(runner, tmp_path, lax, older)
    assert r.exit_code == 0, r.output


@pytest.mark.parametrize(("column", "value"), [
    ("pack", "fueleu-art6"), ("pack_version", "1.2.5"), ("run_id", "=1+2"),
])
def test_a_row_of_another_pack_or_run_than_its_descriptor_is_refused(runner, tmp_path, lax,
                                                                     column, value):
    """compare held the descriptor's pack and version to the other package's, never the
    rows': a row saying it came from `fueleu-art6` (or another version, or another run) was
    compared as CARB's."""
    bad = _package(tmp_path / "ngo", [_row("JPNGO"), _row("JPNGO", "tanker", **{column: value})])
    written = "'" + value if value.startswith("=") else value  # as csv_bytes writes a formula
    _refused(runner, tmp_path, lax, bad,
             f"ngo: {CSV_NAME}, row 3, column {column}: {written!r}: the package's "
             f"{PACKAGE_NAME} says")


@pytest.mark.parametrize(("over", "named"), [
    ({"port": "USLAX"}, "row 3, column port: 'USLAX': the package is 'JPNGO''s ($.berthcheck.port)"),
    ({"month": "2026-09"}, "row 3, column month: '2026-09': outside the package's period "
                           "'2026-10' ($.berthcheck.period)"),
], ids=["port", "month"])
def test_a_row_outside_the_port_or_period_its_descriptor_names_is_refused(
        runner, tmp_path, lax, over, named):
    """Nagoya's package (`$.berthcheck.port` JPNGO, period 2026-10) with a Los Angeles row or a
    September row added by hand was compared as if it held them."""
    second = {**_row("JPNGO", "tanker"), **over}
    bad = _package(tmp_path / "ngo", [_row("JPNGO"), second],
                   edit=lambda d: d["berthcheck"].update(port="JPNGO"))
    _refused(runner, tmp_path, lax, bad, f"ngo: {CSV_NAME}, {named}")


@pytest.mark.parametrize(("month", "period", "inside"), [
    ("2026-10", "2026-10", True), ("2026-09", "2026-10", False),
    ("2026-12", "2026-Q4", True), ("2026-09", "2026-Q4", False), ("2027-10", "2026-Q4", False),
    ("2026-01", "2026", True), ("2025-12", "2026", False), ("2025-12", None, True),
])
def test_months_of_a_period(month, period, inside):
    from berthcheck.export.package_read import _in_period

    assert _in_period(month, period) is inside


def test_a_folder_package_over_the_size_limit_is_refused_before_it_is_read(runner, tmp_path,
                                                                           lax):
    """The 50 MB limit held for a zip's members only: a folder's CSV was read whole."""
    from berthcheck.export.package_read import MAX_PACKAGE_BYTES

    big = _package(tmp_path / "ngo", [_row("JPNGO")])
    with open(big / CSV_NAME, "r+b") as fh:  # sparse: no 50 MB written
        fh.truncate(MAX_PACKAGE_BYTES + 1)
    _refused(runner, tmp_path, lax, big,
             f"ngo: {CSV_NAME} is 50.0 MB, above the 50 MB an indicators package may hold")
