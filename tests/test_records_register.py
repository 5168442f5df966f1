"""The dossier register (D31) as an officer downloads it (GET /api/v1/register): the lead agency of a dossier
another agency processes, and a period read in batches (a busy year is never one list of dossiers in memory, nor
one IN list of all their ids: SQLite refuses more than 32,766 parameters, PostgreSQL 65,535)."""
from __future__ import annotations

import io
import re
from datetime import datetime

from openpyxl import load_workbook
from test_agency_for import DEMO, DEPT, WARD_A, province, put_offers  # noqa: F401 (fixture)
from test_official_forms import at
from test_query_plans import captured

from conftest import CITIZEN, vn
from engine.paperwork import registers

LEAD = "Cơ quan chủ trì giải quyết"


def register(api, user: str, query: str) -> list[dict]:
    r = api.get(f"/api/v1/register?{query}&format=xlsx", user)
    assert r.status_code == 200, r.get_json()
    sheet = load_workbook(io.BytesIO(r.data)).active
    header = [c.value for c in sheet[registers.HEADER_ROW]]
    return [dict(zip(header, row)) for row in sheet.iter_rows(min_row=registers.HEADER_ROW + 1, values_only=True)]


def test_the_register_names_the_processing_agency_as_the_lead_agency(api, province, app, clock):  # noqa: F811
    """Ward An Cựu receives a household business registration that the Sở Công Thương processes (its offer names
    it, D29): the ward's register said the ward itself was "Cơ quan chủ trì giải quyết"."""
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    clock.advance(minutes=20)
    api.act("a.canbo", code, "receive")
    own = api.file(CITIZEN, agency=DEMO)["code"]  # processed where it is received
    [row] = register(api, "a.canbo", "from=2026-11-23&to=2026-11-23")
    assert row["Mã hồ sơ"] == code and row[LEAD] == "Sở Công Thương"
    assert row["Nhận hồ sơ"] == datetime(2026, 11, 23, 9, 20)
    [row] = register(api, "demo.tiepnhan", "from=2026-11-23&to=2026-11-23")
    assert row["Mã hồ sơ"] == own and row[LEAD] == "Ủy ban nhân dân phường Thuận Hóa (demo)"


def test_the_register_reads_its_period_a_batch_at_a_time(api, app, clock, monkeypatch):
    """Five dossiers filed Mon 23/11/2026 from 09:00, one every 10 minutes, and one on Tue 01/12 (outside the
    period), with batches of two: every row is there once, numbered in filing order, and no statement names
    more than a batch of dossiers."""
    monkeypatch.setattr(registers, "BATCH", 2, raising=False)
    codes = []
    for minute in (0, 10, 20, 30, 40):
        at(api, clock, vn(2026, 11, 23, 9, minute))
        codes.append(api.file(CITIZEN)["code"])
    at(api, clock, vn(2026, 12, 1, 9, 0))
    api.file(CITIZEN)
    with captured(app.extensions["tthc"]["engine"]) as seen:
        rows = register(api, "demo.tiepnhan", "from=2026-11-23&to=2026-11-30")
    assert [(r["STT"], r["Mã hồ sơ"]) for r in rows] == list(enumerate(codes, 1))
    assert [r["Nộp hồ sơ"] for r in rows] == [datetime(2026, 11, 23, 9, m) for m in (0, 10, 20, 30, 40)]
    item = r"(?:\?|%\(\w+\)s(?:::\w+)?)"  # SQLite's ? or psycopg's %(name)s::TYPE
    lists = [m.group(0).count(",") + 1 for statement, _ in seen
             for m in re.finditer(rf"\bIN \({item}(?:, {item})*\)", statement)]
    assert lists and max(lists) <= 2, lists
    r = api.get("/api/v1/register?from=2026-11-23&to=2026-11-30", "demo.tiepnhan")  # the PDF too
    assert r.status_code == 200 and r.mimetype == "application/pdf"
