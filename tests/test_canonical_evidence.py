"""Evidence texts skip Python only when they already are Python's canonical JSON (issue 16: the
rules step recognises them in SQL, engine/findings.py `_texts_for_python`); finding ids and
evidence text must stay what `json.dumps(..., sort_keys=True, separators=(",", ":"),
ensure_ascii=False)` gives."""

from __future__ import annotations

import importlib
import json
import random

import duckdb
import pytest

findings_module = importlib.import_module("berthcheck.engine.findings")

KEYS = ["a", "b", "a_b", "ab", "A", "Z", "é", "Ω", "from", "to", "x:y", "with space", 'q"uote',
        "back\\slash", "", "minutes", "event_ids"]
CHARS = ['a', 'Z', '0', ' ', ':', ',', '{', '}', '[', ']', '"', '\\', '/', '\n', '\t', '\x01',
         '\x7f', 'é', 'Ω', '😀', '\u2028']


def _number(rng: random.Random):
    kind = rng.random()
    if kind < 0.3:
        return rng.choice([0, -1, 7, 9234567, -42, 10**20, 2**53 + 1])
    magnitude = 10.0 ** rng.randint(-8, 18)
    value = rng.uniform(-1, 1) * magnitude
    return round(value, rng.randint(0, 8)) if rng.random() < 0.7 else value


def _value(rng: random.Random, depth: int = 0):
    kind = rng.random()
    if kind < 0.35:
        return _number(rng)
    if kind < 0.7:
        return "".join(rng.choice(CHARS[:4] * 6 + CHARS) for _ in range(rng.randint(0, 8)))
    if kind < 0.8:
        return rng.choice([None, True, False, -0.0, 0.0, 1e-05, 0.0001, 1e16, 123.456])
    if depth == 0 and kind < 0.9:
        return [_value(rng, 1) for _ in range(rng.randint(0, 3))]
    if depth == 0:
        return {rng.choice(KEYS): _value(rng, 1) for _ in range(rng.randint(0, 3))}
    return rng.randint(-5, 5)


def _texts(rng: random.Random) -> list[str]:
    """Canonical texts, and the ways a rule's SQL could write the same object otherwise."""
    obj = {rng.choice(KEYS[:14] if rng.random() < 0.5 else KEYS[:4]): _value(rng)
           for _ in range(rng.randint(0, 6))}
    canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    items = list(obj.items())
    rng.shuffle(items)
    unsorted = "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":"
                              + json.dumps(v, ensure_ascii=False, separators=(",", ":"))
                              for k, v in items) + "}"
    numbers = canonical.replace(".0,", ".00,").replace(":0,", ":-0,").replace("e-05", "E-5")
    return [canonical, unsorted, json.dumps(obj, sort_keys=True), json.dumps(obj),
            json.dumps(obj, sort_keys=True, separators=(",", ":")), numbers,
            canonical.replace('":', '" :', 1), canonical[:-1]]


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _for_python(con, texts: list[str]) -> set[str]:
    con.execute("CREATE OR REPLACE TEMP TABLE _bc_findings_raw (evidence VARCHAR)")
    con.executemany("INSERT INTO _bc_findings_raw VALUES (?)", [[t] for t in texts])
    return set(findings_module._texts_for_python(con))


def test_a_text_skips_python_only_when_python_would_write_it_unchanged(con):
    rng = random.Random(1616)
    texts = [t for _ in range(1500) for t in _texts(rng)]
    to_python = _for_python(con, texts)
    skipped = 0
    for text in set(texts) - to_python:
        assert findings_module._canonical_json(text) == text, text
        skipped += 1
    assert skipped > 100  # the fast path is taken, not everything sent to Python


def test_what_the_packs_write_is_recognised(con):
    """The shapes the built-in rules emit (to_json of a struct, keys sorted) skip Python."""
    rows = con.sql("""
        SELECT to_json({'dates': '2026-06-01, 2026-06-02', 'event_ids': NULL,
                        'excused_minutes': round(12.5 / 3, 4), 'from': '2026-06-01T10:00:00Z',
                        'minutes': 90.0, 'port': 'USLAX', 'year': 2026, 'ok': true})
        UNION ALL SELECT to_json({'billed_hours': 3.0, 'penalty': 1234.56, 'teu': 9000})
    """).fetchall()
    texts = [r[0] for r in rows]
    to_python = _for_python(con, texts)
    assert to_python == {texts[0]}  # 'ok' after 'year': not in order
    assert findings_module._canonical_json(texts[1]) == texts[1]


def test_text_that_is_not_json_still_reaches_python(con):
    assert _for_python(con, ["not json", '{"a":1', '{"a":1}x']) == {"not json", '{"a":1',
                                                                    '{"a":1}x'}


def test_a_repeated_key_reaches_python(con):
    """A flat text whose keys are in order but one repeats is not canonical (Python keeps the
    last value): the key sequence is read with its repeats (json_keys keeps them)."""
    texts = ['{"a":1,"a":2}', '{"a":1,"b":2,"b":3}', '{"":1,"":2}', '{"a":1,"b":2}', '{}']
    assert _for_python(con, texts) == set(texts[:3])
    assert findings_module._canonical_json(texts[0]) == '{"a":2}'


def test_a_huge_integer_is_read_as_text(con):
    """An integer of hundreds of digits matches the flat shape; reading its keys does not fail."""
    text = '{"a":' + "9" * 400 + "}"
    assert _for_python(con, [text]) == set()
    assert findings_module._canonical_json(text) == text


def test_texts_all_canonical_are_told_by_one_query_and_agree_with_the_full_reading(con):
    """Where every text is canonical one query over their key lists answers (no table of the
    distinct texts is made); a batch holding one text that is not answers as the full reading
    does: each text alone reaches Python exactly when it does in the mixed batch."""
    rng = random.Random(2026)
    texts = [t for _ in range(500) for t in _texts(rng)]
    mixed = _for_python(con, texts)
    canonical = sorted(set(texts) - mixed)
    statements = []
    real_run = findings_module.store.run

    def run(connection, sql, *args, **kwargs):
        statements.append(sql)
        return real_run(connection, sql, *args, **kwargs)

    findings_module.store.run = run
    try:
        assert _for_python(con, canonical) == set()
        assert len(statements) == 1 and "_bc_evidence" not in statements[0]
        for text in sorted(set(texts))[:300]:
            assert _for_python(con, [text]) == ({text} if text in mixed else set()), text
    finally:
        findings_module.store.run = real_run
    assert len(canonical) > 50 and len(mixed) > 100
