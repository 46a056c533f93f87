"""Put rows straight into a store for tests: the library's fixture store (the same code runs
a pack's fixture cases for `berthcheck rules test`)."""

from berthcheck.engine.fixture_store import _PORT_TZ, frame_for, parse_instant, put_tables, visit

__all__ = ["_PORT_TZ", "frame_for", "parse_instant", "put_tables", "visit"]
