"""An apology letter whose signature was withdrawn with the dossier was never issued (D20: signed and sealed, then
delivered): the D32 statistics count neither it as an apology letter nor its violation (D19), and the D31
register's notes do not list it. A letter signed in the same period still counts, for contrast.

The working calendar (config/calendar.toml): 07:00-11:30 and 13:30-17:00; March 2027 has no holiday. The sample
procedure lasts 3 working days from the receipt (D16). The period is March 2027, reported Mon 05/04/2027 09:00.

| dossier | received      | due           | then                                                                   |
|---------|---------------|---------------|------------------------------------------------------------------------|
| S       | Mon 01/03 08:10 | Thu 04/03 08:10 | extension of 1 working day confirmed Tue 02/03 10:10, letter signed |
| W       | Mon 01/03 08:30 | Thu 04/03 08:30 | extension of 1 working day confirmed Tue 02/03 10:00, the letter waits for its signer; withdrawn 11:00 |
| L       | Mon 01/03 09:00 | Thu 04/03 09:00 | overdue; the head's letter Thu 04/03 10:00, signed (a violation, D19) |
| V       | Mon 01/03 09:30 | Thu 04/03 09:30 | overdue; the head's letter Thu 04/03 10:30, unsigned; withdrawn 11:00 |
"""
from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from conftest import CITIZEN, sign_requested, vn
from test_statistics import pki_2027, settings  # noqa: F401  (keys valid in 2027)

from engine.data.model import Dossier, Letter
from engine.data.signing_model import SigningRequest
from engine.paperwork import registers

RECEIVER, SPECIALIST, LEADER, DIRECTOR, HEAD = (
    "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.giamdoc", "demo.thutruong")
REASON = "Chậm xác minh địa điểm kinh doanh"


def at(api, clock, *when) -> None:
    clock.set(vn(*when))
    api.tokens.clear()


def received(api, clock, day: int, hour: int, minute: int) -> str:
    at(api, clock, 2027, 3, day, hour, minute - 10 if minute >= 10 else minute)
    code = api.file(CITIZEN)["code"]
    at(api, clock, 2027, 3, day, hour, minute)
    api.act(RECEIVER, code, "receive")
    return code


def extended(api, clock, code: str, minute: int) -> None:
    """One working day asked Tue 02/03 09:mm, confirmed by the department leader 09:30+mm, the centre 10:mm."""
    at(api, clock, 2027, 3, 2, 9, minute)
    api.act(SPECIALIST, code, "request_extension", {"working_days": 1, "reason": "Cần xác minh địa điểm"})
    at(api, clock, 2027, 3, 2, 9, 30 + minute)
    api.act(LEADER, code, "confirm_extension")
    at(api, clock, 2027, 3, 2, 10, minute)
    api.act(DIRECTOR, code, "confirm_extension")


def withdraw(api, clock, code: str, *when) -> None:
    at(api, clock, *when)
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()


def overdue_letter(api, clock, code: str, *when) -> None:
    at(api, clock, *when)
    r = api.post(f"/api/v1/dossiers/{code}/letters", HEAD, json={"kind": "overdue", "reason": REASON})
    assert r.status_code == 201, r.get_json()


def letters(app, code: str) -> list[tuple]:
    with app.extensions["tthc"]["sessions"]() as s:
        return s.execute(select(Letter.document_id.is_not(None), SigningRequest.state)
                         .join(Dossier, Dossier.id == Letter.dossier_id)
                         .join(SigningRequest, (SigningRequest.dossier_id == Dossier.id)
                               & (SigningRequest.kind == "apology"))
                         .where(Dossier.code == code)).all()


def march(api) -> tuple[dict, dict]:
    """The statistics' total and the register's notes by dossier code, as reported on Mon 05/04/2027."""
    r = api.get("/api/v1/reports/statistics?from=2027-03-01&to=2027-03-31", HEAD)
    assert r.status_code == 200, r.get_json()
    r2 = api.get("/api/v1/register?from=2027-03-01&to=2027-03-31&format=xlsx", RECEIVER)
    assert r2.status_code == 200
    rows = load_workbook(io.BytesIO(r2.data)).active.iter_rows(min_row=registers.HEADER_ROW + 1, values_only=True)
    return r.get_json()["total"], {row[1]: row[-1] or "" for row in rows}


def test_an_extension_letter_withdrawn_unsigned_is_not_an_apology_issued(api, app, clock):
    signed = received(api, clock, 1, 8, 10)
    extended(api, clock, signed, 10)  # auto-signed by the centre director
    withdrawn = received(api, clock, 1, 8, 30)
    api.auto_sign = False
    extended(api, clock, withdrawn, 0)
    withdraw(api, clock, withdrawn, 2027, 3, 2, 11, 0)
    assert letters(app, signed) == [(True, "signed")]
    assert letters(app, withdrawn) == [(False, "withdrawn")]
    at(api, clock, 2027, 4, 5, 9, 0)
    total, notes = march(api)
    assert (total["extensions"], total["apologies"], total["violations"]) == (2, 1, 0)
    assert "Thư xin lỗi: 1" in notes[signed]
    assert "Thư xin lỗi" not in notes[withdrawn]


def test_an_overdue_letter_withdrawn_unsigned_is_neither_an_apology_nor_a_violation(api, app, clock):
    signed = received(api, clock, 1, 9, 0)
    withdrawn = received(api, clock, 1, 9, 30)
    overdue_letter(api, clock, signed, 2027, 3, 4, 10, 0)
    assert sign_requested(app, signed) == 1
    overdue_letter(api, clock, withdrawn, 2027, 3, 4, 10, 30)
    withdraw(api, clock, withdrawn, 2027, 3, 4, 11, 0)
    assert letters(app, signed) == [(True, "signed")]
    assert letters(app, withdrawn) == [(False, "withdrawn")]
    at(api, clock, 2027, 4, 5, 9, 0)
    total, notes = march(api)
    assert (total["apologies"], total["violations"]) == (1, 1)
    assert "Thư xin lỗi: 1" in notes[signed]
    assert "Thư xin lỗi" not in notes[withdrawn]
