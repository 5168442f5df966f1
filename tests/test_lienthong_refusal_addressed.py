"""Liên thông (D33, D21): the city police refuses its part of a criminal record request (2.000505, handed over by
the Sở Tư pháp on Monday 07/12/2026 09:00, refused Tuesday 08/12/2026 14:00). Its written notice goes back to the
Sở, which asked, not to the citizen: addressed to the Sở, with no "Ông/Bà có quyền khiếu nại" (the citizen's
appeal is against the Sở's own decision on the dossier). A citizen's own refusal keeps its wording."""
from __future__ import annotations

import unicodedata
from io import BytesIO

from pypdf import PdfReader

from conftest import CITIZEN, sign_requested, vn
from lienthong_support import FORM, PARENT_CODE, SO, SO_NAME, build_lienthong, officer

from engine.cli.demo import POLICE


def _at(api, clock, *when):
    clock.set(vn(*when))
    api.tokens.clear()


def _text(api, user: str, url: str) -> str:
    raw = " ".join(page.extract_text() or "" for page in PdfReader(BytesIO(api.get(url, user).data)).pages)
    return " ".join(unicodedata.normalize("NFC", raw).split())


def test_the_police_refusal_is_addressed_to_the_so_that_asked(app, api, clock):
    build_lienthong(app)
    _at(api, clock, 2026, 12, 7, 8, 30)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    _at(api, clock, 2026, 12, 7, 9, 0)
    api.act(officer(SO, "intake"), code, "receive")
    [child] = [t["dossier"] for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
               if t["dossier"].startswith(POLICE)]
    _at(api, clock, 2026, 12, 8, 9, 0)
    api.act(officer(POLICE, "assessment"), child, "propose_refusal",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không đủ thông tin nhân thân để tra cứu"})
    _at(api, clock, 2026, 12, 8, 14, 0)
    api.act(officer(POLICE, "approval"), child, "refuse", {"reasons": ["Không đủ thông tin nhân thân để tra cứu"]})
    sign_requested(app, child)
    sub = api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "assessment")).get_json()
    [doc] = [d for d in sub["documents"] if d["kind"] in ("result_draft", "refusal")][-1:]
    text = _text(api, officer(POLICE, "assessment"), doc["url"])
    assert f"Kính gửi: {SO_NAME}" in text, text
    assert "quyền khiếu nại" not in text and "Không đủ thông tin nhân thân để tra cứu" in text, text
