"""DCSA JIT import against CSV `load` (issue 18): the same visits and shore-power sessions.

    python benchmarks/jit_bench.py                 # 200 000 visits (the issue's size)
    python benchmarks/jit_bench.py --visits 2500   # a smaller size

Data: `benchmarks/run.py`'s generator (the seven CARB ports over enough months for the size,
one CSV per kind), then `berthcheck.sample_jit.convert` writes the same visits as JIT 2.0 JSON
(one Port Call, one Terminal Call, 5-9 Port Call Services and ACT Timestamps per visit; 10 000
visits a file) with `details.csv` and `terminal_aliases.csv`. Each import runs in its own
process against a fresh database, with `--quarantine` as the CSV benchmark loads (concatenated
months now and then put a vessel at two berths at once):

* csv: `load visits` + `load shore-power` from the CSV files;
* dcsa-jit: `load dcsa-jit` of every JSON file with the details and aliases.

Reported: wall seconds, visits per second, peak resident memory (MB), the JSON size, and the
ratio JIT / CSV (target: within 2x). Timings never fail the run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import CA_PORTS, Size, generate_size  # noqa: E402


def size_for(visits: int) -> Size:
    months = max(1, min(120, round(visits / (len(CA_PORTS) * 240))))
    return Size(f"jit-{visits}", visits, CA_PORTS, months)


def prepare(visits: int, root: Path) -> tuple[Path, Path]:
    from berthcheck.sample_jit import convert

    csv_dir = generate_size(size_for(visits), root / "data")
    jit_dir = root / "data" / f"jit-{visits}-json"
    if not (jit_dir / "done").is_file():
        convert(csv_dir, jit_dir)
        (jit_dir / "done").write_text("ok\n")
    return csv_dir, jit_dir


def child(mode: str, csv_dir: Path, jit_dir: Path, db: Path) -> dict:
    from berthcheck import store
    from berthcheck.ingest.adapters import load_adapter
    from berthcheck.ingest.load import load_files

    con = store.connect(db)
    start = time.perf_counter()
    if mode == "csv":
        load_files(con, "visits", [csv_dir / "visits.csv"], quarantine=True)
        load_files(con, "shore-power", [csv_dir / "shore_power.csv"], quarantine=True)
    else:
        load_adapter(con, "dcsa-jit", sorted(jit_dir.glob("jit*.json")), quarantine=True,
                     details=jit_dir / "details.csv", aliases=jit_dir / "terminal_aliases.csv")
    wall = time.perf_counter() - start
    visits = store.scalar(con, "SELECT count(*) FROM visits")
    sessions = store.scalar(con, "SELECT count(*) FROM shore_power")
    con.close()
    return {"mode": mode, "wall_s": round(wall, 2), "visits": visits, "sessions": sessions,
            "visits_per_s": round(visits / wall), "peak_mb": round(
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--out", type=Path, default=Path("bench-output"))
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, csv_dir, jit_dir, db = args.child
        print(json.dumps(child(mode, Path(csv_dir), Path(jit_dir), Path(db))))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    csv_dir, jit_dir = prepare(args.visits, args.out)
    rows = []
    for mode in ("csv", "dcsa-jit"):
        db = args.out / f"jit-bench-{mode}.duckdb"
        for stale in (db, Path(f"{db}.wal")):
            stale.unlink(missing_ok=True)
        out = subprocess.run([sys.executable, __file__, "--child", mode, str(csv_dir),
                              str(jit_dir), str(db)], capture_output=True, text=True, check=True)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    json_mb = sum(p.stat().st_size for p in jit_dir.glob("jit*.json")) / 1048576
    ratio = rows[1]["wall_s"] / rows[0]["wall_s"]
    print(f"{'mode':<10}{'visits':>9}{'sessions':>10}{'wall s':>9}{'visits/s':>10}{'peak MB':>9}")
    for r in rows:
        print(f"{r['mode']:<10}{r['visits']:>9}{r['sessions']:>10}{r['wall_s']:>9.2f}"
              f"{r['visits_per_s']:>10,}{r['peak_mb']:>9}")
    print(f"JIT JSON: {json_mb:.0f} MB in {len(list(jit_dir.glob('jit*.json')))} files; "
          f"JIT / CSV wall time: {ratio:.2f}x (target <= 2x)")
    print(json.dumps({"rows": rows, "json_mb": round(json_mb, 1), "ratio": round(ratio, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
