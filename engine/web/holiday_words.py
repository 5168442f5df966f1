"""A public holiday's name in the page's language (the calendar page's ``holiday_name`` filter)."""
from __future__ import annotations

import re

from flask_babel import gettext

from engine.core import vocabulary

_HOLIDAYS = frozenset(vocabulary.HOLIDAYS)
_HOLIDAY_LABEL = re.compile(r"(?P<name>.+) \((?P<label>[^()]+)\)\Z")
_SUBSTITUTED = re.compile(
    re.escape(vocabulary.HOLIDAY_SUBSTITUTED).replace(re.escape("%(day)s"), "(?P<day>[0-9/]+)") + r"\Z")


def holiday_name(name: str) -> str:
    """A public holiday's name as the holidays package gives it (vocabulary.HOLIDAYS, with the package's
    "(nghỉ bù)", "(dự kiến)" and its substitute day off) in the page's language; any other text, such as the
    name an official notice or an administrator gave a day, is shown as written."""
    if name in _HOLIDAYS:
        return gettext(name)
    labelled = _HOLIDAY_LABEL.match(name)
    if labelled and labelled["name"] in _HOLIDAYS and labelled["label"] in vocabulary.HOLIDAY_LABELS:
        return gettext(vocabulary.HOLIDAY_LABELS[labelled["label"]], name=gettext(labelled["name"]))
    substituted = _SUBSTITUTED.match(name)
    if substituted:
        return gettext(vocabulary.HOLIDAY_SUBSTITUTED, day=substituted["day"])
    return name
