"""`tthc serve --demo` starts the demo's trust services beside the application: remote signing (CSC API) with a
key per demo signer and its confirmation page, and the TSA that then timestamps signatures."""
from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import CITIZEN, PASSWORD, PKI_PASSPHRASE, SAMPLE_CODE, SAMPLE_FORM
from postgres_server import free_port

from engine.cli.demo import DEMO_AGENCY
from engine.core.settings import load_settings
from engine.paperwork import longterm, signers

ROOT = Path(__file__).resolve().parent.parent
WAIT = 120  # seconds for the demo to be loaded and served: a deadline, not a sleep that decides an outcome


def _post(url: str, payload: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_serve_demo_starts_remote_signing_and_a_tsa(tmp_path):
    port = free_port()
    env = {**os.environ, "TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_PKI_PASSPHRASE": PKI_PASSPHRASE,
           "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}"}
    output = tmp_path / "serve.log"
    with open(output, "w") as log:
        process = subprocess.Popen([sys.executable, "-c", "from engine.cli import run; run()", "serve", "--demo",
                                    "--no-worker", "--port", str(port), "--threads", "2"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        deadline, found = time.monotonic() + WAIT, None
        while found is None and time.monotonic() < deadline and process.poll() is None:
            found = re.search(r"dịch vụ tin cậy mẫu tại (http://127\.0\.0\.1:\d+)", output.read_text())
            time.sleep(0.2)
        assert found, output.read_text()
        base = found.group(1)
        assert _post(f"{base}/csc/v1/info", {})["specs"].startswith("1.0")
        assert "demo.thutruong" in _post(f"{base}/csc/v1/credentials/list", {})["credentialIDs"]
        method = {"kind": "csc", "url": base, "credential": "demo.thutruong"}
        try:
            signers.open_signer(method, pin=None, default_file=None, description="Ký thử")
        except signers.SigningPending as pending:
            page = urllib.request.urlopen(f"{base}/csc/xac-nhan", timeout=10).read().decode()
            assert "Xác nhận ký số" in page and pending.reference in page and "Hoàng Văn Trưởng" in page
        else:
            raise AssertionError("the demo's remote signing must wait for the signer's confirmation")
        stamper = longterm.timestamper(load_settings({}, tsa_url=f"{base}/tsa"))
        token = asyncio.run(stamper.async_timestamp(b"\x00" * 32, "sha256"))  # an RFC 3161 token
        assert token["content_type"].native == "signed_data"
        _links_follow_the_port(port, output)
    finally:
        # Ctrl+C once the server serves: a SIGINT still in start-up lands in whatever runs then (a weakref callback
        # of the collector, once) and prints its traceback, which says nothing of the services under test
        deadline = time.monotonic() + WAIT
        serving = "đang phục vụ tại"
        while serving not in output.read_text() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    assert "Traceback" not in output.read_text(), output.read_text()


def _links_follow_the_port(port: int, output: Path) -> None:
    """The demo served on another port than the configuration's public_url (127.0.0.1:5000): the notices' links
    name the port served, not a dead 5000 (found by a review)."""
    deadline = time.monotonic() + WAIT
    while "đang phục vụ tại" not in output.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    app = f"http://127.0.0.1:{port}"
    token = _post(f"{app}/api/v1/auth/token", {"username": CITIZEN, "password": PASSWORD})["token"]
    request = urllib.request.Request(f"{app}/api/v1/dossiers", method="POST",
                                     data=json.dumps({"procedure": SAMPLE_CODE, "agency": DEMO_AGENCY[0],
                                                      "form": SAMPLE_FORM}).encode(),
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            code = json.loads(answer.read())["code"]
    except urllib.error.HTTPError as exc:
        raise AssertionError(exc.read().decode()) from None
    request = urllib.request.Request(f"{app}/api/v1/me/notifications", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        notices = json.loads(answer.read())
    text = json.dumps(notices, ensure_ascii=False)
    assert code in text and f"{app}/" in text and "127.0.0.1:5000" not in text, text
    assert f"địa chỉ công khai của bản mẫu: {app}" in output.read_text()


@pytest.mark.parametrize("configured, served", [
    ("http://127.0.0.1:5000", "http://127.0.0.1:5122"), ("http://localhost:5000/tthc", "http://localhost:5122/tthc"),
    ("https://[::1]:5000", "https://[::1]:5122"), ("https://dvc.example.vn", "https://dvc.example.vn"),
    ("http://127.0.0.1:5122", "http://127.0.0.1:5122")])
def test_only_the_port_of_a_loopback_public_url_follows_the_demos(configured, served):
    """The scheme, the host the browser uses (its session cookie is that host's) and a path stay; an address that
    is not this machine's is the operator's."""
    from engine.cli.service import _demo_public_url

    assert _demo_public_url(load_settings({}, public_url=configured), "127.0.0.1", 5122).public_url == served
