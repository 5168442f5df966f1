"""How long a `tthc` command takes from start to exit, against the same command of another commit, in turn.

Each command is the real command line in a fresh interpreter (``python3 -c "from engine.cli import run; run()"``),
run from the tree it belongs to, on its own data folder where `tthc demo load` has been run once (untimed). The two
trees take turns, ``--runs`` times each after one untimed run; each pair gives a ratio (this tree's seconds ÷ the
other's), and the figures are medians. The other tree is a temporary ``git worktree`` of ``--against``.

Commands: `calendar day` (the calendar and the database), `validate` (the sample procedure), `demo load` (again,
on a loaded demo: what `tthc serve --demo` runs at each start) and `simulate` (one scenario of the sample).

Run from the repository root:  python3 bench/cli_startup.py [--against 4772d1a] [--runs 5]
The last stdout line is a JSON object: per command, the median seconds of each tree and the median ratio.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "calendar day": ["calendar", "day", "2026-01-01"],
    "validate": ["validate", "processes/ho-kinh-doanh/ho-kinh-doanh.bpmn"],
    "demo load": ["demo", "load"],
    "simulate": ["simulate", "processes/ho-kinh-doanh/scenarios/bo-sung-mot-lan.json"],
}


def tthc(tree: Path, data: Path, args: list[str]) -> float:
    """Seconds of wall clock for one `tthc ARGS` run in ``tree`` on ``data``; a failed run stops the benchmark."""
    env = {**os.environ, "TTHC_DATA_DIR": str(data), "PYTHONPATH": str(tree)}
    env.pop("TTHC_DATABASE_URL", None)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", *args], cwd=tree, env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{tree}: tthc {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="4772d1a", help="the other commit (default 4772d1a, before the change)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each tree per command (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tthc-cli-") as tmp:
        other = Path(tmp) / "other"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(other), args.against],
                       check=True)
        try:
            trees = {"this": ROOT, "other": other}
            data = {name: Path(tmp) / f"data-{name}" for name in trees}
            for name, tree in trees.items():
                print(f"{name}: loading the demo (untimed) ...", file=sys.stderr, flush=True)
                tthc(tree, data[name], COMMANDS["demo load"])
            result = {}
            for label, command in COMMANDS.items():
                times: dict[str, list[float]] = {"this": [], "other": []}
                for name in trees:
                    tthc(trees[name], data[name], command)  # untimed
                for _ in range(args.runs):
                    for name in trees:
                        times[name].append(tthc(trees[name], data[name], command))
                ratios = [a / b for a, b in zip(times["this"], times["other"])]
                result[label] = {"this_s": round(statistics.median(times["this"]), 3),
                                 "other_s": round(statistics.median(times["other"]), 3),
                                 "ratio": round(statistics.median(ratios), 3)}
                print(f"{label}: {result[label]['this_s']} s against {result[label]['other_s']} s "
                      f"({args.against}), ratio {result[label]['ratio']} (median of {args.runs} pairs)", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(other)], check=False)
    print(json.dumps({"against": args.against, "runs": args.runs, "commands": result}))


if __name__ == "__main__":
    main()
