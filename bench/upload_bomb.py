"""A crafted compressed PDF uploaded to the real server (#11 item 1): time of the answer and memory of the server
and of the check's child process.

Starts ``tthc serve --demo --no-worker`` from this tree on a free port of 127.0.0.1 with a throw-away data
folder, logs in as the demo citizen, files one dossier of the sample procedure, then uploads the bomb of
tests/pdf_craft.py (a 20 KB cross-reference stream declaring seven million objects, one Deflate layer) ``--reps``
times through ``POST /api/v1/dossiers/{code}/documents``. A watcher samples every 50 ms the resident size
(VmRSS) of the server and of its children (the forkserver) and grandchildren (the check processes).

Run from the repository root:  python3 bench/upload_bomb.py [--reps 3] [--entries 7000000]
The last stdout line is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))  # conftest imports the engine
from conftest import PASSWORD, SAMPLE_CODE, SAMPLE_FORM  # noqa: E402
from pdf_craft import xref_bomb  # noqa: E402
from engine.cli.demo import DEMO_AGENCY  # noqa: E402


def _rss_mb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS")) // 1024
    except (FileNotFoundError, StopIteration):
        return 0


def _children(pid: int) -> list[int]:
    """Children started by any thread of ``pid``."""
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/children") as children:
                    found += [int(c) for c in children.read().split()]
            except FileNotFoundError:
                pass
    except FileNotFoundError:
        pass
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--entries", type=int, default=7_000_000)
    args = parser.parse_args()
    bomb = xref_bomb(args.entries)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data_dir = tempfile.mkdtemp(prefix="tthc-bomb-")
    env = dict(os.environ, PYTHONPATH=str(ROOT), TTHC_DATA_DIR=data_dir)
    server = subprocess.Popen([sys.executable, "-c", "from engine.cli import run; run()", "serve", "--demo",
                               "--no-worker", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def call(method: str, path: str, body: bytes | None = None, token: str | None = None,
             content_type: str = "application/json"):
        request = urllib.request.Request(base + path, data=body, method=method)
        request.add_header("Content-Type", content_type)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(request, timeout=900) as answer:
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/tra-cuu", timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        _, raw = call("POST", "/api/v1/auth/token", json.dumps({"username": "001099000001",
                                                                 "password": PASSWORD}).encode())
        token = json.loads(raw)["token"]
        _, raw = call("POST", "/api/v1/dossiers", json.dumps({"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                              "agency": DEMO_AGENCY[0]}).encode(),
                      token)  # the demo province's wards all offer the sample: the filing names the demo ward
        code = json.loads(raw)["code"]
        peak = {"server": _rss_mb(server.pid), "forkserver": 0, "check": 0}
        before = peak["server"]
        done = threading.Event()

        def watch():
            while not done.wait(0.05):
                peak["server"] = max(peak["server"], _rss_mb(server.pid))
                children = _children(server.pid)
                checks = [g for c in children for g in _children(c)]
                peak["forkserver"] = max([peak["forkserver"], *map(_rss_mb, children)])
                peak["check"] = max([peak["check"], *map(_rss_mb, checks)])

        threading.Thread(target=watch, daemon=True).start()
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"component\"\r\n\r\ngiay_de_nghi\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bomb.pdf\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + bomb + f"\r\n--{boundary}--\r\n".encode()
        seconds, statuses = [], []
        for _ in range(args.reps):
            started = time.monotonic()
            status, raw = call("POST", f"/api/v1/dossiers/{code}/documents", body, token,
                               f"multipart/form-data; boundary={boundary}")
            seconds.append(round(time.monotonic() - started, 1))
            statuses.append(status)
        time.sleep(0.3)
        done.set()
        answer = json.loads(raw)
        print(json.dumps({"bomb_bytes": len(bomb), "statuses": statuses,
                          "code": answer.get("error", {}).get("code", "accepted"), "seconds": seconds,
                          "server_rss_before_mb": before, "server_peak_rss_mb": peak["server"],
                          "server_rss_after_mb": _rss_mb(server.pid), "forkserver_peak_rss_mb": peak["forkserver"],
                          "check_peak_rss_mb": peak["check"], "load_average": os.getloadavg()[0]}))
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
