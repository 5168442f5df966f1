"""One-time codes sealed in the notices that carry them (engine.cases.notices.notify_code).

engine.cases.onetime keeps only a keyed hash of each code; the notice the SMS and email are sent from would keep it
in clear beside it, and an activation code lasts a day. So the notice's text holds the code sealed: encrypted with
whose it is (Fernet, authenticated, under a key of its own drawn from the service's ``secret_key``), in a marker
the dispatcher opens for the message alone (engine.cases.dispatch). A copy of the database without the data
folder's ``secret_key`` (the report replica, a dump) holds no live code.
"""
from __future__ import annotations

import base64
import hashlib
import re

from cryptography.fernet import Fernet, InvalidToken

from engine.core.settings import Settings
from engine.data.notice_model import Notice

# A sealed code in a rendered text: 106 characters for six digits, well inside a title's 255 with its words.
_SEALED = re.compile(r"⟦otp:([A-Za-z0-9_=-]+)⟧")
_CUT = re.compile(r"⟦otp:[^⟧]*$")  # a marker a title's length cut: as unreadable as one under another key
UNREADABLE_CODE = {"vi": "(mã không còn đọc được, hãy yêu cầu mã mới)",
                   "en": "(the code can no longer be read; please ask for a new one)"}


def _sealer(settings: Settings) -> Fernet:
    """Authenticated encryption (Fernet) under a key of its own drawn from the service's secret key."""
    key = hashlib.sha256(b"tthc: one-time code in a notice\0" + settings.session_secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal_code(settings: Settings, user_id: int, code: str) -> str:
    """``code`` of the person ``user_id`` as a notice stores it: encrypted with whose it is, in a marker
    ``unsealed`` finds in the rendered text."""
    return f"⟦otp:{_sealer(settings).encrypt(f'{user_id}:{code}'.encode()).decode()}⟧"


def unsealed(settings: Settings, notice: Notice, text: str, language: str = "vi") -> str:
    """``text`` of ``notice`` as it is sent: in a one-time code's notice, each code sealed for its person opened.
    A marker anywhere else stays as it is (a copied token typed into a reason or a name is never opened and
    sent), and so does one sealed for someone else; one sealed under another secret key (the key changed since)
    cannot be opened: the message says so, in its language, and the person asks for a new code."""
    if notice.event != "one_time_code" or "⟦otp:" not in text:
        return text
    sealer, unreadable = _sealer(settings), UNREADABLE_CODE.get(language, UNREADABLE_CODE["vi"])

    def opened(found) -> str:
        try:
            whose, _, code = sealer.decrypt(found.group(1).encode()).decode().partition(":")
        except InvalidToken:
            return unreadable
        return code if whose == str(notice.user_id) else unreadable
    return _CUT.sub(unreadable, _SEALED.sub(opened, text))
