"""Nothing is lost and nothing is shown twice when the dispatcher dies mid-batch (D28: sent at least once, shown once).

A dispatcher runs in a process of its own against a real SMTP server; the server, on receiving the first
message and before answering it, kills the process with SIGKILL. A dispatcher started again (after the claims'
lease) sends every message: each delivery's Message-ID arrives, only the message in flight at the kill arrives
twice, with the same Message-ID (mail programs show it once), and every delivery ends ``sent``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import CITIZEN, make_settings
from notice_support import emailing, smtp  # noqa: F401 (smtp: the fixture)
from sqlalchemy import select

from engine.cases import dispatch
from engine.core.settings import with_secrets
from engine.data.notice_model import NoticeDelivery

ROOT = Path(__file__).resolve().parent.parent
DISPATCHER = """
import sys
from datetime import datetime
from engine.cases import dispatch
from engine.core.settings import load_settings
from engine.data.db import make_engine, make_sessionmaker
url, data_dir, port, now = sys.argv[1:5]
settings = load_settings(database_url=url, data_dir=data_dir, smtp_host="127.0.0.1", smtp_port=int(port),
                         smtp_from="mot-cua@hue.gov.vn")
print("started", flush=True)
dispatch.dispatch(make_sessionmaker(make_engine(url)), settings, datetime.fromisoformat(now))
print("finished", flush=True)
"""


@pytest.fixture
def settings(database_url, tmp_path, pki_dir, smtp):
    return emailing(with_secrets(make_settings(tmp_path / "data", database_url, pki_dir)), smtp)


def test_a_dispatcher_killed_after_the_first_message_loses_nothing_and_repeats_only_that_message(
        api, app, settings, clock, smtp, tmp_path):
    for _ in range(4):
        api.file(CITIZEN)  # four "filed" notices, each with an email delivery
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        expected = {f"<tthc-notice-{d.id}@hue.gov.vn>" for d in session.scalars(select(NoticeDelivery))}
    assert len(expected) == 4

    process = subprocess.Popen(
        [sys.executable, "-c", DISPATCHER, settings.resolved_database_url, str(tmp_path / "data"), str(smtp.port),
         clock.now().isoformat()],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    killed = threading.Event()

    def kill_on_first(_message) -> None:
        if not killed.is_set():
            os.kill(process.pid, signal.SIGKILL)  # before the server answers 250: the sender never learns
            killed.set()
            process.wait(timeout=30)

    smtp.mailbox.on_message = kill_on_first
    out, err = process.communicate(timeout=120)
    assert killed.is_set() and process.returncode == -signal.SIGKILL, (out, err)
    assert "finished" not in out
    assert len(smtp.mailbox.ids()) == 1
    first = smtp.mailbox.ids()[0]
    with sessions() as session:
        states = Counter(d.state for d in session.scalars(select(NoticeDelivery)))
    assert states == {"sending": 4}  # claimed, none recorded: the process died in its first send

    smtp.mailbox.on_message = None
    assert dispatch.dispatch(sessions, settings, clock.now() + timedelta(seconds=60)).claimed == 0  # leased
    again = dispatch.dispatch(sessions, settings, clock.now() + timedelta(seconds=settings.notify_lease_seconds))
    assert again.sent == 4
    received = Counter(smtp.mailbox.ids())
    assert set(received) == expected  # every message arrived
    assert received[first] == 2 and all(n == 1 for i, n in received.items() if i != first)
    with sessions() as session:
        assert {d.state for d in session.scalars(select(NoticeDelivery))} == {"sent"}
    assert dispatch.dispatch(sessions, settings, clock.now() + timedelta(days=1)).claimed == 0
