"""Filing for someone else cannot be used to learn a stranger's birth date (D3, D4; engine.cases.owner_checks).

Before: a second citizen who knew the demo citizen's CCCD and name filed "for" him again and again, one birth date
after another: the 422 flagged ``owner.birth_date`` alone exactly when the date was wrong (and ``owner.full_name``
alone when the name was), unthrottled, so 23 requests in 0.4 s told his birth date, and the matching one filed a
dossier in his name. Now a citizen filing for another person's checked identity is told only that the name or the
birth date does not match (both fields, the same answer either way), and after 5 such refusals in 24 hours may
not file for another person's checked CCCD until the oldest is 24 hours old (429), even with the right facts.
The count survives the rollback of each refused filing. One's own CCCD, a CCCD without a checked identity and the
receiving officer at the desk (who sees the card) are not limited."""
from __future__ import annotations

from datetime import timedelta

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from sqlalchemy import func, select
from web_support import OTHER_CITIZEN, other_citizen, text_of

from engine.data.portal_model import OwnerCheckFailure

AN = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}  # the demo citizen, checked
RECEIVER = "demo.tiepnhan"
EITHER = "Họ tên hoặc ngày sinh không khớp với danh tính đã xác thực của số CCCD này"


def file_for(api, owner: dict, user: str = OTHER_CITIZEN):
    return api.post("/api/v1/dossiers", user, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner})


def dossiers_of(api, user: str) -> int:
    return len(api.get("/api/v1/dossiers", user).get_json())


def failures(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(OwnerCheckFailure))


def test_guessing_a_strangers_birth_date_is_told_nothing_and_stopped_after_five(api, app, clock):
    """Mon 23/11/2026 09:00: Phan Văn Khác tries dates for Nguyễn Văn An's CCCD (on SQLite and PostgreSQL)."""
    other_citizen(app, clock)
    wrong_date = file_for(api, {**AN, "birth_date": "1999-03-15"})
    wrong_name = file_for(api, {**AN, "full_name": "Nguyễn Văn Ân"})
    for r in (wrong_date, wrong_name):
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["code"] == "owner_identity_mismatch" and error["rule"] == "D4"
        assert error["fields"] == {"owner.full_name": EITHER, "owner.birth_date": EITHER}
        assert "1999-03-14" not in r.get_data(as_text=True)
    assert wrong_date.get_json() == wrong_name.get_json()  # which fact was wrong is not told
    for day in (16, 17, 18):
        assert file_for(api, {**AN, "birth_date": f"1999-03-{day}"}).status_code == 422
    assert failures(app) == 5  # each refusal recorded, though its filing was rolled back
    clock.advance(minutes=10)
    r = file_for(api, AN)  # the right facts at last: refused all the same, nothing said about them
    assert r.status_code == 429, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "too_many_owner_mismatches" and "owner.cccd" in error["fields"]
    assert "09:00 ngày 24/11/2026" in error["message"]  # 24 hours after the first refusal
    assert r.headers["Retry-After"] == str(24 * 3600 - 10 * 60)  # RFC 9110: the seconds until then
    assert failures(app) == 5  # a refusal while stopped is not counted: the wait never grows by trying
    assert dossiers_of(api, CITIZEN) == 0 and dossiers_of(api, OTHER_CITIZEN) == 0
    # still free: one's own filing, and a filing for a CCCD nobody's identity was checked for
    assert api.file(OTHER_CITIZEN)["owner"]["cccd"] == OTHER_CITIZEN
    stranger = {"full_name": "Lê Thị Cúc", "birth_date": "1970-01-01", "cccd": "079170000555"}
    assert file_for(api, stranger).status_code == 201
    clock.set(clock.now() - timedelta(minutes=10) + timedelta(hours=24, minutes=1))
    api.tokens.clear()  # signed in again the next day
    filed = file_for(api, AN)
    assert filed.status_code == 201, filed.get_json()
    assert dossiers_of(api, CITIZEN) == 1
    assert file_for(api, {**AN, "birth_date": "1999-03-20"}).status_code == 422
    assert failures(app) == 1  # the records older than the window were forgotten with the new one


@pytest.mark.parametrize("backend", ["sqlite"])
def test_ones_own_cccd_keeps_the_field_by_field_answer_and_no_limit(api, backend):
    for _ in range(6):
        r = file_for(api, {**AN, "birth_date": "1950-01-01"}, CITIZEN)
        assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"owner.birth_date"}
    assert file_for(api, AN, CITIZEN).status_code == 201


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_receiving_officer_at_the_desk_is_not_limited(api, backend, app):
    for _ in range(6):
        r = file_for(api, {**AN, "full_name": "Người Khác Hẳn"}, RECEIVER)
        assert r.status_code == 422 and set(r.get_json()["error"]["fields"]) == {"owner.full_name"}
    assert failures(app) == 0
    assert file_for(api, AN, RECEIVER).status_code == 201


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_filing_page_when_stopped_keeps_what_was_typed_and_says_why(api, app, clock, backend, lang):
    web = other_citizen(app, clock)
    for day in range(1, 6):
        web.file(owner={**AN, "birth_date": f"1999-03-0{day}"}, status=422)
    if lang == "en":
        web.post("/ngon-ngu", {"lang": "en"}, status=302)
    r = web.file(owner=AN, status=429)
    html, page = r.get_data(as_text=True), text_of(r)
    assert 'value="Nguyễn Văn An"' in html and 'value="1999-03-14"' in html and f'value="{CITIZEN}"' in html
    assert 'id="owner-cccd-error"' in html and "Traceback" not in html
    if lang == "vi":
        assert "đã không khớp 5 lần trong 24 giờ" in page and "09:00 ngày 24/11/2026" in page
    else:
        assert "did not match 5 times in 24 hours" in page and "one-stop desk" in page
        assert "until 24/11/2026 09:00" in page and "Hãy kiểm tra" not in page  # all of it in English
        assert "the owner's details did not match too many times" in page  # the field's own words
    assert dossiers_of(api, CITIZEN) == 0


def test_many_accounts_guessing_about_one_cccd_are_stopped_together(api, app, clock):
    """An account is quick to make: 3 accounts, 4 wrong dates each (each below its own limit), 12 refusals about
    Nguyễn Văn An's CCCD; after 10 nobody may file for it for a day, not even a fourth account with the right
    facts. The records keep the CCCD keyed-hashed, never in clear."""
    from engine.cases import accounts

    names = [f"0790990004{n:02d}" for n in range(4)]
    with app.extensions["tthc"]["sessions"].begin() as session:
        for n, cccd in enumerate(names):
            accounts.register_citizen(session, clock.now(), {"full_name": f"Người Thử {'ABCD'[n]}", "cccd": cccd,
                                                             "cccd_issued_on": "2020-01-01",
                                                             "phone": f"09112223{n:02d}", "password": "mat-khau-thu-1"})
    api_tokens = {}
    for cccd in names:
        r = api.client.post("/api/v1/auth/token", json={"username": cccd, "password": "mat-khau-thu-1"})
        api_tokens[cccd] = r.get_json()["token"]

    def file_as(cccd, owner):
        return api.client.post("/api/v1/dossiers", json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner},
                               headers={"Authorization": f"Bearer {api_tokens[cccd]}"})

    refused = [file_as(cccd, {**AN, "birth_date": f"1999-04-{n + 1:02d}"}).status_code
               for cccd in names[:3] for n in range(4)]
    assert refused[:10] == [422] * 10 and set(refused[10:]) == {429}
    r = file_as(names[3], AN)
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "too_many_owner_mismatches", r.get_json()
    assert "Số CCCD này đã được ghi với thông tin chủ hồ sơ không khớp" in r.get_json()["error"]["message"]
    assert dossiers_of(api, CITIZEN) == 0
    assert api.file()["owner"]["cccd"] == CITIZEN  # the holder still files for himself
    with app.extensions["tthc"]["sessions"]() as session:
        targets = set(session.scalars(select(OwnerCheckFailure.target)))
    assert len(targets) == 1 and CITIZEN not in next(iter(targets))


def test_a_filing_refused_for_its_form_is_not_counted(api, app, clock):
    other_citizen(app, clock)
    form = {k: v for k, v in SAMPLE_FORM.items() if k != "ten_ho_kinh_doanh"}
    r = api.post("/api/v1/dossiers", OTHER_CITIZEN, json={"procedure": SAMPLE_CODE, "form": form,
                                                          "owner": {**AN, "birth_date": "1999-03-15"}})
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "invalid_form"
    assert failures(app) == 0  # the identity was not compared: nothing about it was told
