"""Who rates a dossier filed for another person (D4, D25). Filed for another person, the dossier is the owner's
(D4); the single rating after return (D25) is the owner's word on the service, so when the owner's own
standardised, identity-checked account sees the dossier, only the owner rates: the filer is refused (403) and is
not offered the form. With no such account the filer, the only citizen who sees it, rates as before. Before this
rule the filer's rating used up the single rating and the owner was then refused with 409."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import web_support
from conftest import CITIZEN, STEP_DATA, vn
from web_support import PDF, Web, text_of
from engine.data.portal_model import SatisfactionRating

T0 = vn(2027, 3, 15, 9, 0)  # a Monday
OWNER = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}  # the demo citizen's account
NO_ACCOUNT = {"full_name": "Trần Thị Bình", "birth_date": "1980-07-02", "cccd": "079180000777"}  # no account
STEPS = (("demo.tiepnhan", "receive"), ("demo.chuyenvien", "propose_approval"), ("demo.lanhdao", "approve"),
         ("demo.vanthu", "issue_result"), ("demo.tiepnhan", "return_result"))


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def filer(app, clock):
    clock.set(T0)
    return web_support.other_citizen(app, clock)


def _returned(api, clock, code: str) -> None:
    for user, action in STEPS:
        clock.advance(minutes=30)
        done = api.act(user, code, action, STEP_DATA.get(action))
    assert done["status"] == 10


def _ratings(app) -> list[tuple[int, int]]:
    with app.extensions["tthc"]["sessions"]() as session:
        return [(r.user_id, r.score) for r in session.scalars(select(SatisfactionRating))]


def test_d4_d25_only_the_owner_rates_a_dossier_filed_for_them_and_the_filer_is_refused(app, api, clock, filer):
    """D4 + D25: the owner's account sees the dossier, so the filer's rating is refused with 403 and the reason,
    and the single rating stays for the owner, who rates once."""
    code = filer.file_code(owner=OWNER, files={"giay_de_nghi": ("a.pdf", PDF)})
    _returned(api, clock, code)
    r = filer.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "1"}, status=403)
    assert "Hồ sơ này thuộc về Nguyễn Văn An: chỉ chủ hồ sơ đánh giá mức độ hài lòng" in text_of(r)
    assert _ratings(app) == []
    owner = Web(app.test_client()).login(CITIZEN)
    owner.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "5"}, status=302)
    assert [score for _, score in _ratings(app)] == [5]
    owner.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "4"}, status=409)  # once (D25)


def test_d4_d25_the_filer_is_not_offered_the_rating_form_when_the_owner_rates(app, api, clock, filer):
    """D4 + D25: the page does not offer the form to the filer who may not rate; it says the owner rates. The
    owner's page offers it."""
    code = filer.file_code(owner=OWNER, files={"giay_de_nghi": ("a.pdf", PDF)})
    _returned(api, clock, code)
    page = filer.get(f"/ca-nhan/ho-so/{code}")
    assert f"/ca-nhan/ho-so/{code}/danh-gia" not in page.get_data(as_text=True)
    assert "Hồ sơ này thuộc về Nguyễn Văn An: chỉ chủ hồ sơ đánh giá mức độ hài lòng" in text_of(page)
    owner = Web(app.test_client()).login(CITIZEN)
    assert f"/ca-nhan/ho-so/{code}/danh-gia" in owner.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)


def test_d25_the_filer_rates_when_the_owner_has_no_account_that_sees_the_dossier(app, api, clock, filer):
    """D25: filed for a person with no standardised, identity-checked account, the filer is the only citizen who
    sees the dossier and rates it, as before."""
    code = filer.file_code(owner=NO_ACCOUNT, files={"giay_de_nghi": ("a.pdf", PDF)})
    _returned(api, clock, code)
    assert f"/ca-nhan/ho-so/{code}/danh-gia" in filer.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    filer.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "4"}, status=302)
    assert [score for _, score in _ratings(app)] == [4]
