"""Document numbers: one register (sổ) per agency, document kind and year.

A form or letter takes the next number of its register when it is issued ("12/TNHS": the 12th receipt of the
agency this year). The register is a counter row (engine.data.counters), so issuing costs the same at any
size of the database and two concurrent issues never share a number; the document keeps its place in the
register (agency, kind, year, number), which the database holds unique.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from engine.core.clock import VN_TZ
from engine.data import counters
from engine.data.model import Document, NumberRegister


@dataclass(frozen=True)
class Number:
    """A place in a register, and how it is printed."""

    agency_id: int
    kind: str
    year: int
    seq: int
    series: str

    @property
    def text(self) -> str:
        return f"{self.seq}/{self.series}"


def allocate(session: Session, agency_id: int, kind: str, series: str, now: datetime) -> Number:
    """The next number of the agency's register of ``kind`` for the year of ``now`` (Vietnam time): a new year
    opens a new register at 1."""
    year = now.astimezone(VN_TZ).year
    seq = counters.next_value(session, NumberRegister, agency_id=agency_id, kind=kind, year=year)
    return Number(agency_id, kind, year, seq, series)


def enter(doc: Document, number: Number) -> Document:
    """Give ``doc`` its number and its place in the register (the unique key checked by the database)."""
    if doc.kind != number.kind:
        raise ValueError(f"a {doc.kind} document cannot take a number of the {number.kind} register")
    doc.number = number.text
    doc.register_agency_id, doc.register_year, doc.register_seq = number.agency_id, number.year, number.seq
    return doc
