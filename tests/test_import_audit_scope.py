"""D29: every administrative action is audited, and an agency's administrator reads the trail of their own
subtree (/quan-tri/nhat-ky). A ward administrator's import of officers was recorded under no agency: the
import's summary (who was created, which rows were skipped and why) was shown to the province's administrators
only, never to the administrator who made it."""
from __future__ import annotations

import io

from conftest import PASSWORD
from staff_support import ADMIN_A, ADMIN_B, ADMIN_P, build_province
from web_support import Web, text_of

CSV = ("username,full_name,agency,roles,email,phone\n"
       "nhap.a,Nguyễn Văn Nhập,000.00.31.H56,clerk,nhap.a@example.vn,\n"
       "sai.a,Sai Phường,000.00.32.H56,clerk,sai.a@example.vn,\n")


def trail(app, admin: str) -> str:
    return text_of(Web(app.test_client()).login(admin, PASSWORD).get("/quan-tri/nhat-ky?thao-tac=officer.import"))


def test_a_ward_administrator_finds_their_own_import_in_the_trail(api, app):
    build_province(app)
    r = api.post("/api/v1/officers/import", ADMIN_A, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(CSV.encode()), "can-bo.csv")})
    assert r.status_code == 200 and (r.get_json()["created"], r.get_json()["skipped"]) == (1, 1), r.get_json()
    mine = trail(app, ADMIN_A)
    assert "Nhập danh sách cán bộ" in mine and "nhap.a" in mine and "sai.a" in mine
    assert "nhap.a" in trail(app, ADMIN_P)  # the province's administrator too
    assert "nhap.a" not in trail(app, ADMIN_B)  # the other ward's does not


def test_refused_rows_are_in_the_trail_by_row_and_cut_short(api, app):
    """A 100,000-character cell of a refused row was stored whole in the trail (shown in full on every view of
    /quan-tri/nhat-ky), and two refused rows of the same name were one entry."""
    from sqlalchemy import select

    from engine.data.agency_model import AdminEvent

    build_province(app)
    long_name = "x" * 100_000
    rows = (f"{long_name},Tên Dài,000.00.31.H56,clerk,a@example.vn,\n"
            "trung.a,Trùng Một,000.00.31.H56,khong-co,b@example.vn,\n"
            "trung.a,Trùng Hai,000.00.31.H56,khong-co,c@example.vn,\n")
    r = api.post("/api/v1/officers/import", ADMIN_A, content_type="multipart/form-data",
                 data={"file": (io.BytesIO((CSV.splitlines(True)[0] + rows).encode()), "can-bo.csv")})
    assert r.status_code == 200 and r.get_json()["skipped"] == 3, r.get_json()
    with app.extensions["tthc"]["sessions"]() as session:
        event = session.scalars(select(AdminEvent).where(AdminEvent.action == "officer.import")).one()
    skipped = event.details["skipped"]
    assert set(skipped) == {f"row 2 ({'x' * 64}…)", "row 3 (trung.a)", "row 4 (trung.a)"}
    assert len(str(event.details)) < 3000
