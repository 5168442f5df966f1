"""Where the cycle collector runs: in the commands, or in the document work after their commits.

bench/lifecycle.py's EngineMode runs ``--n`` lifecycles (the use cases, one session and commit per command; after
the commits, the worker's drain renders, seals and verifies the documents, and the leader signs the result). A
``gc.callbacks`` hook files every collection, by generation, under the phase it ran in, with its CPU time and
what it freed. The commands' share is what a citizen's or an officer's request pays for garbage it did not make
(engine.core.memory.young_garbage).

Run from the repository root:  python3 bench/collections.py [--n 40] [--warmup 3]
The last stdout line is a JSON object: per phase and generation, the collections, their CPU ms and the objects
freed; and the CPU ms per lifecycle of the commands and of the document work.
"""
from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lifecycle as lc  # noqa: E402 (bench/lifecycle.py: its engine mode and its demo database)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=40, help="lifecycles observed (default 40)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed lifecycles first (default 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tthc-bench-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'collections.sqlite3'}"
        lc.demo_database(url, workdir / "data")
        lc.settle()
        mode = lc.EngineMode(url, workdir / "data", lc.FixedClock(lc.START))
        for _ in range(args.warmup):
            mode.lifecycle()
        phase, started, seen = ["commands"], [0.0], {}

        def hook(event: str, info: dict) -> None:
            if event == "start":
                started[0] = time.process_time()
                return
            row = seen.setdefault(f"{phase[0]}/gen{info['generation']}", {"count": 0, "cpu_ms": 0.0, "freed": 0})
            row["count"] += 1
            row["cpu_ms"] += (time.process_time() - started[0]) * 1000
            row["freed"] += info["collected"]

        def documents(work):
            def run(*a):
                phase[0] = "documents"
                try:
                    work(*a)
                finally:
                    phase[0] = "commands"
            return run

        mode.issue_documents, mode.sign_requested = documents(mode.issue_documents), documents(mode.sign_requested)
        gc.callbacks.append(hook)
        cpu0, apart0 = time.process_time(), mode.apart_cpu
        try:
            for _ in range(args.n):
                mode.lifecycle()
        finally:
            gc.callbacks.remove(hook)
        cpu, documents_cpu = time.process_time() - cpu0, mode.apart_cpu - apart0
        mode.close()
    for key in sorted(seen):
        row = seen[key]
        print(f"{key:16s} {row['count']:5d} collections {row['cpu_ms']:9.1f} ms CPU {row['freed']:9d} objects freed")
    result = {"n": args.n, "collections": {k: {**v, "cpu_ms": round(v["cpu_ms"], 1)} for k, v in sorted(seen.items())},
              "commands_cpu_ms_per_lifecycle": round((cpu - documents_cpu) * 1000 / args.n, 2),
              "documents_cpu_ms_per_lifecycle": round(documents_cpu * 1000 / args.n, 2)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
