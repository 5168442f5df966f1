"""engine_sqlite ÷ floor_sqlite measured in turn, in one process (the #12 figure on a noisy machine).

bench/lifecycle.py measures its modes one after the other: when the machine's speed drifts between the floor's
batches and the engine's (another process, a CPU that slows down), their ratio drifts with it. On the same code it
gave 0.22 to 0.36 in one morning. Here the two take turns, ``--k`` lifecycles each, ``--pairs`` times; each pair
gives one ratio of rates (floor ms ÷ engine ms for the same moment) and the figure is the median of the pairs.

Both modes are bench/lifecycle.py's own (EngineMode: the use cases, one session and commit per command, the
document work after the commits timed apart and left out of the rate; FloorMode: the least SQL any persisted
engine runs, SQLAlchemy Core, no rules), on two SQLite files built the same way.

Run from the repository root:  python3 bench/paired.py [--pairs 16] [--k 5]
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lifecycle as lc  # noqa: E402 (bench/lifecycle.py: its modes and its demo database)


def batch(mode, k: int) -> tuple[float, float]:
    """Wall and CPU ms per lifecycle of ``k`` lifecycles, the document work after the commits left out."""
    gc.collect()
    wall, cpu, apart = lc.timed_batch(mode.lifecycle, k)
    return (wall - apart) * 1000 / k, cpu * 1000 / k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=16, help="batches of each mode, in turn (default 16)")
    parser.add_argument("--k", type=int, default=5, help="lifecycles per batch (default 5)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed lifecycles of each mode first (default 3)")
    args = parser.parse_args()
    lc.settle()
    with tempfile.TemporaryDirectory(prefix="tthc-paired-") as tmp:
        work = Path(tmp)
        urls = {name: f"sqlite:///{work / (name + '.sqlite3')}" for name in ("engine", "floor")}
        for name, url in urls.items():
            lc.log(f"{name}: building the demo database (untimed) ...")
            lc.demo_database(url, work / f"{name}-data")
        engine = lc.EngineMode(urls["engine"], work / "engine-data", lc.FixedClock(lc.START))
        floor = lc.FloorMode(urls["floor"], work / "floor-data", lc.FixedClock(lc.START), lc.RawJson(lc.RawMemory()))
        try:
            for _ in range(args.warmup):
                engine.lifecycle()
                floor.lifecycle()
            runs = []
            for i in range(args.pairs):
                e_wall, e_cpu = batch(engine, args.k)
                f_wall, f_cpu = batch(floor, args.k)
                runs.append((e_wall, e_cpu, f_wall, f_cpu))
                lc.log(f"  pair {i + 1}/{args.pairs}: engine {e_wall:.1f} ms/lifecycle, floor {f_wall:.1f} "
                       f"-> {f_wall / e_wall:.3f}")
        finally:
            engine.close()
            floor.close()
    median = statistics.median
    result = {
        "pairs": args.pairs, "k": args.k,
        "engine_ms_per_lifecycle": round(median(r[0] for r in runs), 2),
        "floor_ms_per_lifecycle": round(median(r[2] for r in runs), 2),
        "engine_cpu_ms_per_lifecycle": round(median(r[1] for r in runs), 2),
        "floor_cpu_ms_per_lifecycle": round(median(r[3] for r in runs), 2),
        "ratio_engine_floor": round(median(r[2] / r[0] for r in runs), 4),  # rates: floor ms ÷ engine ms
        "ratio_engine_floor_cpu": round(median(r[3] / r[1] for r in runs), 4),
        "ratio_min": round(min(r[2] / r[0] for r in runs), 4), "ratio_max": round(max(r[2] / r[0] for r in runs), 4),
    }
    print(f"engine_sqlite / floor_sqlite, in turn: {result['ratio_engine_floor']} (median of {args.pairs} pairs, "
          f"{result['ratio_min']} to {result['ratio_max']}); CPU {result['ratio_engine_floor_cpu']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
