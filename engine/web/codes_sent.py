"""How a page says where a one-time code went (engine.cases.notices.code_channels): by the channels that really
carried it, and plainly, with what is missing, when none could (the service has no mail server or SMS gateway for
the addresses the person has): an administrator is never told a code went where nothing was sent."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from engine.cases import notices
from engine.core.settings import Settings
from engine.data.model import User

CHANNEL_TEXT = {"email": _l("thư điện tử"), "sms": _l("SMS")}


def _joined(words: list[str]) -> str:
    return words[0] if len(words) == 1 else _("%(first)s và %(second)s", first=words[0], second=words[1])


def sent(settings: Settings, user: User) -> str | None:
    """The channels a code to ``user`` goes on now, in words ("thư điện tử và SMS"); None: none."""
    channels = notices.code_channels(settings, user)
    return _joined([str(CHANNEL_TEXT[c]) for c in channels]) if channels else None


def missing(settings: Settings, user: User) -> str:
    """What the service lacks to reach ``user`` (when ``sent`` is None), in words."""
    lacks = []
    if user.email and not settings.smtp_host:
        lacks.append(_("máy chủ thư (smtp_host)"))
    if user.phone and not settings.sms_url:
        lacks.append(_("dịch vụ SMS (sms_url)"))
    return _joined(lacks) if lacks else _("thư điện tử hoặc số điện thoại của người nhận")
