"""The years the province's official notice of days off was entered for (D15).

On the same ``Base`` as engine.data.model (which imports this module); migration 0043_calendar_notice_year
creates it. A year in the calendar file's [year] section, or here, is counted on the official notice; any other
year on the package's holidays, its deadlines marked provisional (they may move when the notice comes).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from engine.data.db import Base


class CalendarNoticeYear(Base):
    """A year whose official notice an administrator entered for the whole province (a notice with its year:
    engine.cases.calendar_notices.apply), whatever days it changed."""

    __tablename__ = "calendar_notice_year"
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    applied_by: Mapped[str | None] = mapped_column(String(64))
    applied_at: Mapped[datetime]
