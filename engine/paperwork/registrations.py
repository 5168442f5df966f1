"""Registration numbers of approved results (a household business's "mã số hộ kinh doanh").

Some results register something that keeps its number for life: a household business is known by the number
printed on its certificate, and a corrected certificate (re-issue) keeps it while the document gets a new
"Số". The procedure declares the prefix (``result.registrationPrefix``: "33A8", the province's code 33 of the
business registers, the registering office's letter, 8 for a household business, as the registers of the
business registration system number them); the number is the prefix and the agency's next value on six digits
("33A8000012"). The register is a counter row of its own (engine.data.counters) that no year resets: a number is
never given twice, whatever the year. Since NĐ 168/2025 a new household business may also be known by its tax
code; that code comes from the tax authority, not from this register.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.data import counters
from engine.data.model import Dossier, NumberRegister

KIND = "registration"
FOREVER = 0  # the register's "year": one register for all years


def assign(session: Session, dossier: Dossier) -> str | None:
    """The dossier's registration number, given once (None when its procedure declares no prefix)."""
    prefix = ((dossier.procedure_version.info.get("result") or {}).get("registration_prefix") or "")
    if not prefix:
        return None
    if not dossier.registration_number:
        seq = counters.next_value(session, NumberRegister, agency_id=dossier.agency_id, kind=KIND, year=FOREVER)
        dossier.registration_number = f"{prefix}{seq:06d}"
    return dossier.registration_number
