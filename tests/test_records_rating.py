"""The satisfaction rating (D25) as the citizen gives it on the dossier page, after return, on both databases: a
comment is text someone typed (vocabulary.has_control); a NUL was stored on SQLite and made PostgreSQL refuse the
whole rating with a generic "value refused by the database" page."""
from __future__ import annotations

from sqlalchemy import select
from web_support import Web, text_of

from conftest import CITIZEN, STEP_DATA
from engine.data.portal_model import SatisfactionRating

STEPS = (("demo.tiepnhan", "receive"), ("demo.chuyenvien", "propose_approval"), ("demo.lanhdao", "approve"),
         ("demo.vanthu", "issue_result"), ("demo.tiepnhan", "return_result"))


def test_a_rating_comment_with_a_control_character_is_refused_with_its_reason(api, app, clock):
    code = api.file(CITIZEN)["code"]
    for user, action in STEPS:
        clock.advance(minutes=30)
        done = api.act(user, code, action, STEP_DATA.get(action))
    assert done["status"] == 10
    citizen = Web(app.test_client()).login(CITIZEN)
    for comment in ("Nhanh\x00", "Tốt\x1b[31m", "Rõ ràng\x7f"):
        r = citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "5", "comment": comment}, status=422)
        assert "Góp ý có ký tự điều khiển không hợp lệ" in text_of(r)
        assert 'value="5" required checked' in r.get_data(as_text=True)  # the chosen score is still there
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalars(select(SatisfactionRating)).all() == []
    citizen.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "5", "comment": "Nhanh,\r\n\trõ ràng"}, status=302)
    with app.extensions["tthc"]["sessions"]() as session:
        assert [(r.score, r.comment) for r in session.scalars(select(SatisfactionRating))] == [(5, "Nhanh,\r\n\trõ ràng")]
