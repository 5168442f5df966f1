"""A real SMTP server (aiosmtpd) on 127.0.0.1 for the notification tests, recording what it receives."""
from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller


class Mailbox:
    """The messages the server took, parsed; ``on_message`` is called with each (before the server answers)."""

    def __init__(self) -> None:
        self.messages = []
        self.on_message = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
        if self.on_message is not None:
            self.on_message(message)
        return "250 OK"

    def ids(self) -> list[str]:
        with self.lock:
            return [m["Message-ID"] for m in self.messages]


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        with socket.socket() as probe:  # a free port (the controller checks its own start by connecting)
            probe.bind(("127.0.0.1", 0))
            self._port = probe.getsockname()[1]
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self._port)

    def start(self) -> "SmtpServer":
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return self._port

    def stop(self) -> None:
        self.controller.stop()


@pytest.fixture
def smtp():
    """A real SMTP server for one test (import it into the test module to use it)."""
    server = SmtpServer().start()
    yield server
    server.stop()


def emailing(settings, smtp: SmtpServer, **more):
    """``settings`` sending email to the test's SMTP server (``more``: other settings replaced too)."""
    return settings.replace(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_from="mot-cua@hue.gov.vn", **more)
