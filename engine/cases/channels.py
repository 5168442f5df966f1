"""The channels a notice travels on besides the portal: email over SMTP and SMS through a provider's HTTP API.

Each send carries an id derived from the delivery row, the same at every attempt, so that a message sent again
after a crash is the same message for the person: the email's Message-ID (mail programs show one message per
Message-ID) and the SMS request's ``id`` (the provider sends one SMS per id: the simulator in
engine.cases.smsprovider does). A send either returns (the server took the message) or raises ``SendFailed``.
"""
from __future__ import annotations

import json
import smtplib
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from engine.core.settings import Settings
from engine.paperwork import documents

TIMEOUT = 15.0  # seconds for one SMTP conversation or one HTTP request


class SendFailed(Exception):
    """The channel did not take the message (refused, unreachable, timed out)."""


@dataclass(frozen=True)
class Outgoing:
    """What the dispatcher sends: the delivery's id and address, and the notice's words."""

    delivery_id: int
    channel: str
    address: str
    title: str
    body: str
    link: str | None
    language: str = "vi"
    attachment: tuple[str, str, str] | None = None  # the linked document (name, media type, sha256), for email


def message_id(settings: Settings, delivery_id: int) -> str:
    """The Message-ID of a delivery's email: derived from the delivery id, the same at every attempt."""
    domain = settings.smtp_from.rpartition("@")[2] or "localhost"
    return f"<tthc-notice-{delivery_id}@{domain}>"


def sms_id(delivery_id: int) -> str:
    """The provider's request id of a delivery's SMS, the same at every attempt (the provider sends it once)."""
    return f"tthc-notice-{delivery_id}"


def email_of(settings: Settings, out: Outgoing) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = out.title
    message["From"] = settings.smtp_from
    message["To"] = out.address
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id(settings, out.delivery_id)
    message["Content-Language"] = out.language
    body = out.body if not out.link or out.link in out.body else f"{out.body}\n\n{out.link}"
    message.set_content(body + "\n")
    if out.attachment is not None:  # the document itself too (D28: attached or linked); the link stays
        name, media_type, sha256 = out.attachment
        path = documents.path_for(settings.data_dir, sha256)
        if path.exists():
            main, _, sub = media_type.partition("/")
            message.add_attachment(path.read_bytes(), maintype=main, subtype=sub or "octet-stream", filename=name)
    return message


def send_email(settings: Settings, out: Outgoing) -> None:
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
            smtp.send_message(email_of(settings, out))
    except (smtplib.SMTPException, OSError, socket.timeout) as exc:
        raise SendFailed(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {type(exc).__name__}: {exc}") from None


def sms_text(out: Outgoing) -> str:
    """An SMS is short: the title and the link (the portal shows the rest)."""
    return f"{out.title} {out.link}" if out.link else out.title


def send_sms(settings: Settings, out: Outgoing) -> None:
    payload = json.dumps({"id": sms_id(out.delivery_id), "to": out.address, "text": sms_text(out)},
                         ensure_ascii=False).encode()
    request = urllib.request.Request(settings.sms_url, data=payload, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Authorization": f"Bearer {settings.sms_token}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
    except urllib.error.HTTPError as exc:
        raise SendFailed(f"SMS provider answered {exc.code}") from None
    except (urllib.error.URLError, OSError, socket.timeout) as exc:
        raise SendFailed(f"SMS provider unreachable: {exc}") from None


SENDERS = {"email": send_email, "sms": send_sms}


def configured(settings: Settings) -> dict[str, bool]:
    """Which channels can send at all (the administrators' page says so when one cannot)."""
    return {"email": bool(settings.smtp_host), "sms": bool(settings.sms_url)}


def send(settings: Settings, out: Outgoing) -> None:
    if not configured(settings).get(out.channel):
        raise SendFailed(f"the {out.channel} channel is not configured")
    SENDERS[out.channel](settings, out)
