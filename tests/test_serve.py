"""`tthc serve` as a real process: the web application behind waitress and, in the same process, the timer
service, so that the one README command both serves and enforces deadlines."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

from conftest import CITIZEN, PASSWORD, PKI_PASSPHRASE, SAMPLE_CODE, SAMPLE_FORM, make_settings
from postgres_server import free_port
from sqlalchemy import select
from sqlalchemy.pool import NullPool

from engine.cases import filing
from engine.cli import load_demo
from engine.core.clock import VN_TZ
from engine.data.db import make_engine, make_sessionmaker
from engine.cases.dossiers import Context
from engine.data.model import Dossier, User

ROOT = Path(__file__).resolve().parent.parent
FILED = datetime(2026, 1, 5, 9, 0, tzinfo=VN_TZ)  # a Monday long past: its intake hour ended at 10:00
WAIT = 90  # seconds: a deadline for the process to answer, not a sleep that decides an outcome


def _request(url: str, payload: dict | None = None, token: str | None = None):
    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json"} if data else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    with urllib.request.urlopen(urllib.request.Request(url, data=data, headers=headers), timeout=10) as response:
        return response.status, response.headers, json.loads(response.read())


def _until(what: str, check, process: subprocess.Popen):
    """Poll ``check`` until it returns something truthy; fail with the server's output if the process dies or
    does not get there in WAIT seconds."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"tthc serve ended ({process.returncode}) before {what}:\n{process.stdout.read()}")
        try:
            found = check()
        except (urllib.error.URLError, ConnectionError, OSError):
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {what} within {WAIT} s")


def test_one_command_serves_the_api_and_runs_the_timer_service(tmp_path, pki_dir):
    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    settings = make_settings(tmp_path / "data", url, pki_dir)
    load_demo(settings, PASSWORD)
    sessions = make_sessionmaker(make_engine(url, poolclass=NullPool))
    with sessions() as session:  # filed online long ago and never checked: the sweep must notice (D7)
        citizen = session.scalar(select(User).where(User.username == CITIZEN))
        code = filing.file_dossier(session, Context(user=citizen, now=FILED, settings=settings),
                                     {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                      "agency": "000.00.06.H56"}).code
        session.commit()

    port = free_port()
    env = {**os.environ, "TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": url,
           "TTHC_PKI_DIR": str(pki_dir), "TTHC_PKI_PASSPHRASE": PKI_PASSPHRASE, "TTHC_TIMER_INTERVAL_SECONDS": "0.5"}
    process = subprocess.Popen([sys.executable, "-c", "from engine.cli import run; run()", "serve", "--port",
                                str(port), "--threads", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        status, headers, catalogue = _until("answer", lambda: _request(f"{base}/procedures"), process)
        assert status == 200 and SAMPLE_CODE in [p["code"] for p in catalogue]
        assert headers["Server"] == "tthc"  # waitress, not the development server

        def marked_late():
            with sessions() as session:
                return session.scalar(select(Dossier.intake_late).where(Dossier.code == code))

        assert _until("sweep of the overdue intake", marked_late, process) is True
        _, _, token = _request(f"{base}/auth/token", {"username": CITIZEN, "password": PASSWORD})
        _, _, seen = _request(f"{base}/dossiers/{code}", token=token["token"])
        assert seen["intake_late"] is True
        assert [h["action"] for h in seen["history"]] == ["file", "intake_overdue"]
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = process.stdout.read()
    assert "dịch vụ hẹn giờ: quét mỗi 0.5 giây trong tiến trình này" in output
    # the renderer loaded and start-up's objects set aside from the cycle collector (engine.core.memory)
    frozen = re.search(r"\(Ctrl\+C để dừng; (\d+) đối tượng khởi động được để riêng", output)
    assert frozen is not None and int(frozen.group(1)) > 100_000, output
    assert "cảnh báo" not in output and "Traceback" not in output, output


def test_the_connection_pool_is_sized_for_the_server_threads(settings):
    """`tthc serve --threads N` runs N requests at once: each may hold a connection, none waits for one."""
    from engine.web import create_app

    app = create_app(settings, threads=20)
    try:
        assert app.extensions["tthc"]["engine"].pool.size() == 22
    finally:
        app.extensions["tthc"]["engine"].dispose()


def _start_serve(tmp_path, **variables) -> tuple[subprocess.Popen, int]:
    """`tthc serve --no-worker` on a fresh SQLite file, configured by TTHC_* ``variables``."""
    port = free_port()
    env = {**os.environ, "TTHC_DATA_DIR": str(tmp_path / "data"),
           "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", **variables}
    process = subprocess.Popen([sys.executable, "-c", "from engine.cli import run; run()", "serve", "--port",
                                str(port), "--threads", "2", "--no-worker"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _until("answer", lambda: _request(f"http://127.0.0.1:{port}/api/v1/procedures"), process)
    return process, port


def _stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return process.stdout.read()


def test_a_body_announced_too_large_is_refused_at_the_headers(tmp_path):
    """Issue 11 item 7: waitress used to read a 300 MB body in full (holding it for minutes) before the
    application refused it. Now it answers 413 as soon as it has the headers: no body is ever sent here, so
    without the limit the server would still be waiting for it when the 10 s are over."""
    process, port = _start_serve(tmp_path, TTHC_MAX_REQUEST_BYTES="100000")
    try:
        for announced in (300 * 1024 * 1024, 100001):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
                sock.sendall(f"POST /api/v1/citizens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                             f"Content-Length: {announced}\r\n\r\n{{".encode())
                answer = sock.recv(4096).decode("latin-1")  # socket.timeout (10 s) fails the test
            assert answer.startswith("HTTP/1.1 413"), answer
        status, _, _ = _request(f"http://127.0.0.1:{port}/api/v1/procedures")
        assert status == 200
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:  # the limit itself still passes
            body = b'{"full_name": "' + b"x" * (100000 - 17) + b'"}'
            assert len(body) == 100000
            sock.sendall(b"POST /api/v1/citizens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\nConnection: close\r\n\r\n" + body)
            answer = sock.recv(4096).decode("latin-1")
        assert answer.startswith("HTTP/1.1 422"), answer  # read and judged by the application
    finally:
        output = _stop(process)
    assert "Traceback" not in output, output


def _raw(port: int, request: bytes) -> tuple[str, dict, bytes]:
    """Send ``request`` as it is; the status line, headers and body of the answer (the server closes after it)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    return status, {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}, body


def test_what_waitress_refuses_itself_is_answered_in_the_applications_words(tmp_path):
    """A body over the limit is refused by waitress at its headers (above), and a malformed header by waitress
    too: the application never sees them. The answer is still the application's: its JSON error under /api/
    (code and Vietnamese message, as api.md says), its Vietnamese page elsewhere, not waitress's English text."""
    process, port = _start_serve(tmp_path, TTHC_MAX_REQUEST_BYTES="100000")
    try:
        status, headers, body = _raw(port, b"POST /api/v1/citizens HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                           b"application/json\r\nContent-Length: 100001\r\n\r\n{")
        assert status.startswith("HTTP/1.1 413") and headers["content-type"] == "application/json", (status, body)
        assert json.loads(body) == {"error": {"code": "too_large", "message": "Dữ liệu gửi lên quá lớn", "fields": {}}}
        status, headers, body = _raw(port, b"POST /dang-ky HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                           b"application/x-www-form-urlencoded\r\nContent-Length: 300000\r\n\r\n")
        page = body.decode("utf-8")
        assert status.startswith("HTTP/1.1 413") and headers["content-type"].startswith("text/html"), status
        assert '<html lang="vi"' in page and "quá lớn (tối đa 0,1 MB mỗi lần gửi)" in page, page
        assert "generated by" not in page and "Request Entity Too Large" not in page
        status, headers, body = _raw(port, b"GET /api/v1/procedures HTTP/1.1\r\nHost: x\r\n"
                                           b"Idempotency-Key: a\x7fb\r\n\r\n")  # a control character: malformed
        assert status.split()[1] == "400" and json.loads(body)["error"]["code"] == "bad_request", body
        status, _, _ = _request(f"http://127.0.0.1:{port}/api/v1/procedures")
        assert status == 200  # the server goes on serving
    finally:
        output = _stop(process)
    assert "Traceback" not in output, output


def _lookup(port: int, forwarded_for: str) -> int:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/tra-cuu?q=000.00.06.H56-260105-0001",
                                     headers={"X-Forwarded-For": forwarded_for})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_behind_a_proxy_each_forwarded_client_has_its_own_lookup_limit(tmp_path):
    """Issue 11 item 18: with proxy_hops = 1, waitress must pass the proxy's X-Forwarded-For to the application
    (it clears it from peers it does not trust): 21 clients forwarded by one proxy are 21 addresses, while one
    client still meets the limit on its 21st lookup."""
    process, port = _start_serve(tmp_path, TTHC_PROXY_HOPS="1")
    try:
        statuses = [_lookup(port, f"198.51.100.7, 203.0.113.{n}") for n in range(1, 22)]
        assert statuses == [200] * 21
        same = [_lookup(port, f"10.9.9.{n}, 192.0.2.50") for n in range(1, 22)]  # a forged first hop is ignored
        assert same == [200] * 20 + [429]
    finally:
        output = _stop(process)
    assert "Traceback" not in output, output
