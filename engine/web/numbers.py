"""Numbers on the pages, written the way the page's language writes them: "1.234,5" on a Vietnamese page
(engine.core.vocabulary.vn_number, also what documents and exports print), "1,234.5" on an English one (the CLDR
rules, through Babel). Outside a request (a chart drawn by a test, a script) the Vietnamese way."""
from __future__ import annotations

from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from engine.core.vocabulary import half_up, vn_number


def _language() -> str:
    try:
        return str(get_locale() or "vi")
    except RuntimeError:  # no application or request: nothing asked for another language
        return "vi"


def number(value: float | int | None, decimals: int = 0, missing: str = "—") -> str:
    """A count or a measure with ``decimals`` digits after the separator; ``missing`` when there is none."""
    if value is None:
        return missing
    if _language() == "vi":
        return vn_number(value, decimals, missing)
    rounded = half_up(value, decimals)  # as people round: 18.25 → 18.3
    if rounded == 0:
        rounded = 0  # no "-0.0" for a small negative measure
    return format_decimal(rounded, format="#,##0" + ("." + "0" * decimals if decimals else ""))


def percent(share: float | None, decimals: int = 1, missing: str = "—") -> str:
    """A share (0..1) as a percentage: 0.875 -> "87,5%" on a Vietnamese page, "87.5%" on an English one."""
    return missing if share is None else number(share * 100, decimals) + "%"


def money(amount) -> str:
    """An amount in đồng: "100.000 đ" on a Vietnamese page, "100,000 đ" on an English one."""
    return number(int(amount)) + " đ"


def filesize(size: int) -> str:
    """A file's size: "1,5 MB" on a Vietnamese page, "1.5 MB" on an English one; at least "1 KB"."""
    if size >= 1024 * 1024:
        return number(size / 1024 / 1024, 1) + " MB"
    return f"{max(1, round(size / 1024))} KB"


# A procedure's processing time in the page's language: Vietnamese has one form, English two ("1 working day",
# "3 working days"); the plural's entries are those of the working time left (engine.web.dossier_view).
DURATION_WORDS = {
    "working_day": (_lp("singular", "%(num)s ngày làm việc"), _lp("plural", "%(num)s ngày làm việc")),
    "working_hour": (_lp("singular", "%(num)s giờ làm việc"), _lp("plural", "%(num)s giờ làm việc")),
    "calendar_day": (_lp("calendar day, singular", "%(num)s ngày"), _lp("calendar day, plural", "%(num)s ngày")),
}


def duration_text(duration: dict) -> str:
    """A procedure's processing time in words: "3 ngày làm việc" ("3 working days", "1 working day"), "0,5 ngày
    làm việc", or "Trong ngày" for a same-day one (D16)."""
    unit, value = duration["unit"], duration["value"]
    if unit == "same_day":
        return str(_l("Trong ngày"))
    whole = float(value).is_integer()
    shown = number(value, 0 if whole else min(2, len(repr(float(value)).split(".")[1])))
    words = DURATION_WORDS.get(unit)
    if words is None:
        return f"{shown} {unit}"
    return str(words[0 if whole and int(value) == 1 else 1]) % {"num": shown}
