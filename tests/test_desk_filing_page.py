"""D5 (channels) and api.md "Dossiers" (an officer filing for a citizen): the receiving officer registers a dossier
brought to the one-stop desk or received by post on a page of its own, /can-bo/ho-so/nop/<code>, through the same
use case as POST /api/v1/dossiers with "owner" and "channel". Submit-once as every form of the app; refusals are
the page again (422) with what was typed; only a receiving officer may use it."""
from __future__ import annotations

import io
import re

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, vn
from staff_support import officer_of_another_ward
from web_support import JPEG, PDF, Web, counts, flatten, text_of

RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
LIST, PAGE = "/can-bo/ho-so/nop", f"/can-bo/ho-so/nop/{SAMPLE_CODE}"
OWNER = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}  # the demo citizen
STRANGER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}  # no account
TOKEN_RE = re.compile(r'name="submit_token" value="([^"]+)"')


def _token(web: Web) -> str:
    return TOKEN_RE.search(web.get(PAGE).get_data(as_text=True)).group(1)


def _data(web: Web, channel: str, owner: dict, **extra) -> dict:
    data = {**flatten(SAMPLE_FORM), "channel": channel, "submit_token": _token(web),
            **{f"owner.{k}": v for k, v in owner.items()}, **extra}
    data["file.giay_de_nghi"] = (io.BytesIO(PDF), "Giấy đề nghị.pdf")
    data["file.giay_to_tru_so"] = (io.BytesIO(JPEG), "tru-so.jpg")
    return data


def _code(response) -> str:
    return response.headers["Location"].rsplit("/can-bo/ho-so/", 1)[1]


@pytest.mark.parametrize("channel", ["desk", "post"])
def test_d5_the_receiving_officer_registers_a_desk_or_post_dossier_for_a_citizen_on_its_page(app, api, clock, channel):
    """D5: the paper dossier handed in at the one-stop (or come by post) is registered by the receiving officer for
    its owner; it is filed on that channel, owned by the citizen named, who sees it in their list (D4)."""
    clock.set(vn(2026, 11, 25, 9, 0))  # Wednesday 25/11/2026 09:00
    web = Web(app.test_client()).login(RECEIVER)
    listed = web.get(LIST).get_data(as_text=True)
    assert f'href="{PAGE}"' in listed
    page = web.get(PAGE).get_data(as_text=True)
    assert 'name="f.ten_ho_kinh_doanh"' in page and 'name="owner.cccd"' in page
    assert "Trực tiếp tại Bộ phận Một cửa" in page and "Qua bưu chính" in page
    done = web.post(PAGE, _data(web, channel, OWNER), status=303, content_type="multipart/form-data")
    code = _code(done)
    shown = text_of(web.get(done.headers["Location"]))
    assert f"Đã ghi nhận hồ sơ {code}" in shown
    out = api.get(f"/api/v1/dossiers/{code}", RECEIVER).get_json()
    assert (out["channel"], out["owner"]["cccd"], out["status"]) == (channel, CITIZEN, 1)
    assert {d["name"] for d in out["documents"] if d["kind"] == "filing"} == {"Giấy đề nghị.pdf", "tru-so.jpg"}
    assert code in {d["code"] for d in api.get("/api/v1/dossiers", CITIZEN).get_json()}


def test_d5_a_double_post_of_the_same_page_files_once(app, api, clock):
    """Submit-once: the page's one-time token; a double click leads to the dossier the first post filed."""
    clock.set(vn(2026, 11, 25, 9, 0))
    web = Web(app.test_client()).login(RECEIVER)
    before = counts(app)[0]
    data = _data(web, "desk", STRANGER)
    first = web.post(PAGE, data, status=303, content_type="multipart/form-data")
    clock.set(vn(2026, 11, 25, 9, 0, 1))
    again = web.post(PAGE, {**data, "file.giay_de_nghi": (io.BytesIO(PDF), "Giấy đề nghị.pdf"),
                            "file.giay_to_tru_so": (io.BytesIO(JPEG), "tru-so.jpg")},
                     status=303, content_type="multipart/form-data")
    assert again.headers["Location"] == first.headers["Location"]
    assert counts(app)[0] == before + 1


def test_d5_bad_owner_or_form_is_shown_again_with_what_was_typed_and_nothing_is_filed(app, clock):
    """An owner without a name, a CCCD of 11 digits, a missing channel choice kept: 422, the page again, the typed
    values kept and each message next to its field; nothing filed, never a 500."""
    clock.set(vn(2026, 11, 25, 9, 0))
    web = Web(app.test_client()).login(RECEIVER)
    before = counts(app)
    bad = {"full_name": "", "birth_date": "1990-05-06", "cccd": "04619000012"}
    r = web.post(PAGE, _data(web, "post", bad, **{"f.ten_ho_kinh_doanh": "Tạp hóa Bình Minh"}), status=422,
                 content_type="multipart/form-data")
    page = r.get_data(as_text=True)
    assert 'value="04619000012"' in page and 'value="Tạp hóa Bình Minh"' in page
    assert re.search(r'id="owner\.cccd-error">.*12 chữ số', page)
    assert 'id="owner.full_name-error"' in page
    assert re.search(r'<option value="post" selected', page)
    assert counts(app) == before


def test_d5_an_unknown_channel_is_refused_on_the_page(app, clock):
    clock.set(vn(2026, 11, 25, 9, 0))
    web = Web(app.test_client()).login(RECEIVER)
    r = web.post(PAGE, _data(web, "fax", STRANGER), status=422, content_type="multipart/form-data")
    assert 'id="channel-error"' in r.get_data(as_text=True)


def test_d5_only_a_receiving_officer_registers_paper_dossiers(app, clock):
    """A specialist (403) and a citizen (403) have no such page; the inbox links to it for the receiving officer only."""
    clock.set(vn(2026, 11, 25, 9, 0))
    specialist = Web(app.test_client()).login(SPECIALIST)
    specialist.get(LIST, status=403)
    specialist.get(PAGE, status=403)
    specialist.post(PAGE, {**flatten(SAMPLE_FORM), "channel": "desk"}, status=403)
    assert f'href="{LIST}"' not in specialist.get("/can-bo/cong-viec").get_data(as_text=True)
    citizen = Web(app.test_client()).login(CITIZEN)
    citizen.get(PAGE, status=403)
    receiver = Web(app.test_client()).login(RECEIVER)
    assert f'href="{LIST}"' in receiver.get("/can-bo/cong-viec").get_data(as_text=True)
    Web(app.test_client()).get(PAGE, status=302)  # anonymous: the login page


def test_d29_an_officer_of_another_agency_is_refused_cleanly_and_nothing_is_filed(app, clock):
    """D29: an officer files only at their own agency: the ward that does not offer the procedure lists nothing,
    and a post to it is refused by the use case, shown as a page (403), never a 500."""
    clock.set(vn(2026, 11, 25, 9, 0))
    stranger = officer_of_another_ward(app, clock.now(), "tiepnhan.khac", {"receiving_officer"})
    web = Web(app.test_client()).login(stranger)
    assert f'href="{PAGE}"' not in web.get(LIST).get_data(as_text=True)
    before = counts(app)
    r = web.post(PAGE, _data(web, "desk", STRANGER), status=403, content_type="multipart/form-data")
    assert "Cán bộ chỉ nộp thay hồ sơ thuộc cơ quan mình" in text_of(r)
    assert counts(app) == before


def test_d5_the_same_dossier_again_after_the_back_is_asked_about_then_filed_when_confirmed(app, api, clock):
    """The browser's back after filing fetches the page again with a new token: the same owner, procedure and form
    filed by this officer a minute ago is asked about first (409, a link to the first dossier), as the citizen's
    page does (engine.cases.duplicates, by the OWNER's CCCD); confirming files a second dossier, another owner
    is filed at once."""
    clock.set(vn(2026, 11, 25, 9, 0))  # Wednesday 25/11/2026 09:00
    web = Web(app.test_client()).login(RECEIVER)
    before = counts(app)[0]
    first = _code(web.post(PAGE, _data(web, "desk", STRANGER), status=303, content_type="multipart/form-data"))
    clock.set(vn(2026, 11, 25, 9, 1))  # back, "Nộp hồ sơ" again: a new page, a new token
    again = web.post(PAGE, _data(web, "desk", STRANGER), status=409, content_type="multipart/form-data")
    page = again.get_data(as_text=True)
    said = f"Hồ sơ {first} cùng nội dung đã được nộp cho chủ hồ sơ này lúc 25/11/2026 09:00."
    assert said in text_of(again)
    assert f'href="/can-bo/ho-so/{first}"' in page
    assert 'name="confirm_duplicate" value="1"' in page and 'value="046190000123"' in page
    assert counts(app)[0] == before + 1  # nothing filed
    token = TOKEN_RE.search(page).group(1)  # kept: nothing was filed under it
    data = {**_data(web, "desk", STRANGER), "submit_token": token, "confirm_duplicate": "1"}
    second = _code(web.post(PAGE, data, status=303, content_type="multipart/form-data"))
    assert second != first and counts(app)[0] == before + 2
    web.post(PAGE, _data(web, "desk", OWNER), status=303, content_type="multipart/form-data")  # another owner
    assert counts(app)[0] == before + 3


RETURN_RE = re.compile(r'name="return_channel" value="(\w*)"( checked)?')


def test_d23_the_officer_chooses_how_the_result_comes_back_as_filed_by_default(app, api, clock):
    """D23: the desk page offers the return channel as the citizen's page does (online: on the owner's account); by
    default the result comes back as the dossier was filed (the use case's rule: at the desk for a desk dossier, by
    post to the form's address for a post dossier); a choice and a postal address typed are filed, and kept when the
    page is shown again."""
    clock.set(vn(2026, 11, 25, 9, 0))
    web = Web(app.test_client()).login(RECEIVER)
    page = web.get(PAGE).get_data(as_text=True)
    assert RETURN_RE.findall(page) == [("", " checked"), ("online", ""), ("post", ""), ("desk", "")]
    # online means the owner's account (D4: the one whose CCCD was checked), not the officer's own
    assert "trên tài khoản của chủ hồ sơ" in page and "tài khoản của bạn" not in page
    as_filed = _code(web.post(PAGE, _data(web, "desk", STRANGER), status=303, content_type="multipart/form-data"))
    out = api.get(f"/api/v1/dossiers/{as_filed}", RECEIVER).get_json()
    assert (out["return_channel"], out["return_address"]) == ("desk", None), out
    address = "12 Lê Lợi, phường Phú Hội, thành phố Huế"
    bad = {"full_name": "", "birth_date": "1990-05-06", "cccd": "046190000999"}
    refused = web.post(PAGE, _data(web, "desk", bad, return_channel="post", return_address=address), status=422,
                       content_type="multipart/form-data").get_data(as_text=True)
    assert ("post", " checked") in RETURN_RE.findall(refused) and f'value="{address}"' in refused
    by_post = _code(web.post(PAGE, _data(web, "desk", OWNER, return_channel="post", return_address=address),
                             status=303, content_type="multipart/form-data"))
    out = api.get(f"/api/v1/dossiers/{by_post}", RECEIVER).get_json()
    assert (out["return_channel"], out["return_address"]) == ("post", address), out


def test_d23_a_result_handed_over_at_the_agency_only_offers_the_desk_alone_on_the_desk_page(app, clock):
    """D23: a procedure whose result is handed over at the agency only (a marriage, onlineResult false) offers the
    desk alone, checked, as the citizen's page does."""
    from test_level_badge_and_desk_only_return import MARRIAGE, MONDAY, PROCESSES
    from engine.process import procedures
    clock.set(MONDAY)
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(PROCESSES / "ket-hon" / "ket-hon.bpmn",
                                                        app.extensions["tthc"]["settings"].forms_dir), clock.now(), "t")
    page = Web(app.test_client()).login(RECEIVER).get(f"{LIST}/{MARRIAGE}")
    assert RETURN_RE.findall(page.get_data(as_text=True)) == [("desk", " checked")]
    assert "chỉ trao trực tiếp tại Bộ phận Tiếp nhận và Trả kết quả" in text_of(page)
