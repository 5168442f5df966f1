"""Clocks. The only place that reads the system time; everything else takes ``now`` as an argument."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock that moves only when told to (tests, simulations)."""

    def __init__(self, at: datetime):
        self.at = as_utc(at)

    def now(self) -> datetime:
        return self.at

    def advance(self, **kwargs) -> None:
        self.at += timedelta(**kwargs)

    def set(self, at: datetime) -> None:
        self.at = as_utc(at)


def as_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: every time in the engine carries its offset")
    return value.astimezone(timezone.utc)


def iso_vn(value: datetime | None) -> str | None:
    """ISO 8601 in Vietnam time (+07:00), the form the API speaks."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VN_TZ).isoformat()
