"""Through Flask's test client, on SQLite and PostgreSQL: the citizen withdraws a dossier and the one-stop stops
one (D16, NĐ 118 Điều 21); filing and supplement reuse documents of the citizen's store (D24); officers read
each signature's status (D9, D22); the public lookup is rate-limited per client address. Tampered input is
refused with a message and changes nothing.
"""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest

import prebuilt
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA, Api, database_copy
from sqlalchemy import func, select
import web_support
from web_support import OTHER_CITIZEN, PDF, Web, counts, dossier_row, flatten, text_of

from engine.data.model import Document, DocumentSignature, Dossier
from engine.data.portal_model import LookupAttempt

SUPPLEMENT = {"items.0.component": "Giấy đề nghị đăng ký hộ kinh doanh", "items.0.problem": "Thiếu chữ ký của chủ hộ",
              "items.0.required": "Ký và tải lên lại"}
REASON = "Tôi cần sửa lại tên hộ kinh doanh rồi nộp hồ sơ mới"


@pytest.fixture
def citizen(app):
    return Web(app.test_client()).login(CITIZEN)


@pytest.fixture
def desk(app):
    return Web(app.test_client()).login("demo.tiepnhan")


@pytest.fixture
def other_citizen(app, clock):
    return web_support.other_citizen(app, clock)


def resolved(api, user: str = CITIZEN) -> str:
    """A dossier taken to its signed result (status 9) through the API (fast; the pages are tested elsewhere)."""
    code = api.file(user)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    return code


@pytest.fixture(scope="module")
def built_resolved(tmp_path_factory, demo_template, pki_dir, request):
    """Per backend, the demo with one dossier of the citizen taken to its signed result (``resolved``: its code),
    built on first use, once for the module (tests/prebuilt.py)."""
    return prebuilt.builder(tmp_path_factory, demo_template, pki_dir, request, "withdraw_reuse_resolved",
                            lambda application, _settings, _clock: resolved(Api(application.test_client())))


@pytest.fixture
def database_url(backend, tmp_path, request, demo_template, built_resolved):
    """A test with ``resolved_code`` gets a copy of the module's demo with the resolved dossier (database and data
    folder); any other a copy of the demo."""
    if "resolved_code" not in request.fixturenames:
        yield from database_copy(backend, tmp_path, request, demo_template)
        return
    yield from prebuilt.copy_for(built_resolved(backend), backend, tmp_path, request)


@pytest.fixture
def resolved_code(backend, built_resolved, database_url) -> str:
    """The code of the citizen's dossier that ``resolved`` took to its signed result, in this test's copy."""
    return built_resolved(backend).made


def docs_of(app, code: str, kind: str | None = None) -> list[Document]:
    with app.extensions["tthc"]["sessions"]() as session:
        query = select(Document).join(Dossier, Dossier.id == Document.dossier_id).where(Dossier.code == code)
        if kind:
            query = query.where(Document.kind == kind)
        return list(session.scalars(query.order_by(Document.id)))


def state(app, code: str) -> tuple:
    """What a refused request must leave as it was."""
    row = dossier_row(app, code)
    return counts(app), row.status, row.version


# -- withdrawal by the citizen (D16) -----------------------------------------------------------------------------
def test_the_citizen_withdraws_with_a_reason_and_a_confirmation_and_gets_the_stop_notice(app, citizen, desk,
                                                                                        other_citizen):
    code = citizen.file_code()
    desk.act(code, "request_supplement", SUPPLEMENT)
    page = citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert 'id="form-withdraw"' in page and f'action="/ca-nhan/ho-so/{code}/rut"' in page
    assert '<label for="withdraw-confirm" class="check">Tôi xác nhận rút hồ sơ</label>' in page
    assert '<label for="withdraw-reason">Lý do rút hồ sơ' in page
    before = state(app, code)

    r = citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"reason": REASON}, status=422)  # not confirmed
    assert 'id="withdraw-confirm-error"' in r.get_data(as_text=True) and "Chưa xác nhận rút hồ sơ" in text_of(r)
    assert REASON in r.get_data(as_text=True)  # what was typed comes back
    r = citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on"}, status=422)  # no reason
    assert 'id="withdraw-reason-error"' in r.get_data(as_text=True) and "Trường này là bắt buộc" in text_of(r)
    citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": "x"}, status=422)  # too short
    citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": REASON}, csrf=False, status=400)
    other_citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": REASON}, status=404)
    desk.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": REASON}, status=403)
    assert state(app, code) == before

    r = citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": REASON}, status=302)
    page = citizen.get(r.headers["Location"])
    html, text = page.get_data(as_text=True), text_of(page)
    assert dossier_row(app, code).status == 7
    assert re.search(r'<dd id="status"><span class="status status-7">Công dân yêu cầu rút hồ sơ</span>', html)
    assert "Đã rút hồ sơ" in text and "Hồ sơ đã dừng giải quyết" in text and "Kết thúc tính thời gian" in text
    links = re.findall(r'href="(/tai-lieu/\d+)\?tai=1" download class="result-link">Tải về: '
                       r'Thông báo dừng giải quyết hồ sơ', html)
    assert len(links) == 1
    notice = citizen.get(links[0] + "?tai=1")
    assert notice.data.startswith(b"%PDF") and notice.headers["Content-Disposition"].startswith("attachment;")
    assert "form-withdraw" not in html and "/bo-sung" not in html and "Yêu cầu bổ sung hồ sơ" not in text
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", flatten(SAMPLE_FORM), status=409)
    # the withdrawal sent again (the back button, a resend): it says it was withdrawn, and when, not "đã có kết quả"
    again = text_of(citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": REASON}, status=409))
    assert re.search(r"Hồ sơ đã được rút lúc \d\d:\d\d ngày \d\d/\d\d/\d{4}; không cần gửi lại", again), again
    assert "đã có kết quả" not in again
    assert code not in desk.get("/can-bo/cong-viec").get_data(as_text=True)


def test_nothing_is_offered_or_accepted_once_the_dossier_has_a_result(app, api, citizen, desk, resolved_code):
    code = resolved_code
    assert 'id="form-withdraw"' not in citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert 'id="form-stop"' not in desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    before = state(app, code)
    citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": REASON}, status=409)
    r = citizen.post(f"/ca-nhan/ho-so/{code}/rut", {}, status=422)  # the use case checks the reason first
    assert "Trường này là bắt buộc" in text_of(r) and 'id="form-withdraw"' not in r.get_data(as_text=True)
    desk.post(f"/can-bo/ho-so/{code}/dung", {"confirm": "on", "reason": REASON}, status=409)
    assert state(app, code) == before and before[1] == 9


# -- stop by the one-stop (NĐ 118 Điều 21) ---------------------------------------------------------------------
def test_the_receiving_officer_stops_a_dossier_which_leaves_the_inbox(app, citizen, desk, clock):
    code = citizen.file_code()
    task = desk.task_id(code)
    html = desk.get(f"/can-bo/cong-viec/{task}").get_data(as_text=True)  # on the task page
    assert 'id="form-stop"' in html and f'action="/can-bo/ho-so/{code}/dung"' in html
    html = desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)  # and on the dossier page
    assert '<label for="stop-reason">Lý do dừng giải quyết' in html and 'id="stop-confirm"' in html
    specialist = Web(app.test_client()).login("demo.chuyenvien")
    assert 'id="form-stop"' not in specialist.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    alien = web_support.other_agency_officer(app, clock)
    before = state(app, code)

    r = desk.post(f"/can-bo/ho-so/{code}/dung", {"confirm": "on", "reason": ""}, status=422)
    assert 'id="stop-reason-error"' in r.get_data(as_text=True) and "Trường này là bắt buộc" in text_of(r)
    assert '<details class="action" id="stop-section" open>' in r.get_data(as_text=True)
    r = desk.post(f"/can-bo/ho-so/{code}/dung", {"reason": "Hồ sơ giả mạo"}, status=422)
    assert 'id="stop-confirm-error"' in r.get_data(as_text=True)
    desk.post(f"/can-bo/ho-so/{code}/dung", {"confirm": "on", "reason": "Hồ sơ giả mạo"}, csrf=False, status=400)
    specialist.post(f"/can-bo/ho-so/{code}/dung", {"confirm": "on", "reason": "Hồ sơ giả mạo"}, status=403)
    citizen.post(f"/can-bo/ho-so/{code}/dung", {"confirm": "on", "reason": "Hồ sơ giả mạo"}, status=403)
    alien.post(f"/can-bo/ho-so/{code}/dung", {"confirm": "on", "reason": "Hồ sơ giả mạo"}, status=404)
    desk.post("/can-bo/ho-so/000.00.06.H56-261123-9999/dung", {"confirm": "on", "reason": "x y z"}, status=404)
    assert state(app, code) == before

    r = desk.post(f"/can-bo/ho-so/{code}/dung", {"confirm": "on", "reason": "Hồ sơ giả mạo giấy tờ"}, status=302)
    assert r.headers["Location"] == f"/can-bo/ho-so/{code}"
    text = text_of(desk.get(r.headers["Location"]))
    assert "Đã dừng giải quyết hồ sơ" in text and "Dừng xử lý" in text and "Thông báo dừng giải quyết hồ sơ" in text
    assert 'id="form-stop"' not in desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert dossier_row(app, code).status == 8
    assert code not in desk.get("/can-bo/cong-viec").get_data(as_text=True)
    desk.get(f"/can-bo/cong-viec/{task}", status=404)
    page = text_of(citizen.get(f"/ca-nhan/ho-so/{code}"))
    assert "Dừng xử lý" in page and "Bộ phận Một cửa đã dừng giải quyết" in page
    assert "Tải về: Thông báo dừng giải quyết hồ sơ" in page and "Tôi xác nhận rút hồ sơ" not in page
    assert [d.kind for d in docs_of(app, code, "stop_notice")] == ["stop_notice"]


# -- reuse from the citizen's store (D24) ------------------------------------------------------------------------
def test_filing_reuses_a_result_from_the_store_without_uploading(app, api, citizen, resolved_code):
    first = resolved_code
    result = docs_of(app, first, "result")[0]
    page = citizen.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    assert '<label for="reuse-giay_de_nghi">Dùng giấy tờ đã có<span class="sr-only"> — Giấy đề nghị' in page
    option = re.search(rf'<option value="{result.id}">([^<]*)</option>', page).group(1)
    assert result.name in option and f"hồ sơ {first}" in option and "Kết quả giải quyết" in option
    assert "✓ ký số hợp lệ: Phạm Minh Lãnh" in option  # the leader's personal signature, then the seal
    data = {**flatten(SAMPLE_FORM), "reuse.giay_de_nghi": str(result.id), "reuse.giay_to_tru_so": ""}
    before = counts(app)
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=302)
    second = r.headers["Location"].split("/")[3]
    [attached] = docs_of(app, second, "filing")
    assert (attached.sha256, attached.name, attached.component) == (
        result.sha256, result.name, "Giấy đề nghị đăng ký hộ kinh doanh")
    assert counts(app) == (before[0] + 1, before[1] + 1)
    with app.extensions["tthc"]["sessions"]() as session:
        sigs = list(session.scalars(select(DocumentSignature).where(DocumentSignature.document_id == attached.id)))
    assert sigs and all(s.valid for s in sigs)  # verified again on the new dossier (D9)
    text = text_of(citizen.get(f"/ca-nhan/ho-so/{second}"))
    assert result.name in text and "Chữ ký số hợp lệ — người ký: Phạm Minh Lãnh" in text


def test_a_document_not_in_my_store_is_refused_with_a_message_and_nothing_filed(app, api, citizen, other_citizen,
                                                                               resolved_code):
    mine = resolved_code
    result = docs_of(app, mine, "result")[0]
    unsigned = citizen.file_code(files={"giay_de_nghi": ("khong-ky.pdf", PDF)})
    unsigned_id = docs_of(app, unsigned, "filing")[0].id
    assert f'value="{result.id}"' not in other_citizen.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    before = counts(app)
    for who, raw in ((other_citizen, str(result.id)), (citizen, str(unsigned_id)), (citizen, "abc"),
                     (citizen, "99999999999999999999"), (citizen, "-1"), (citizen, "999999")):
        data = {**flatten(SAMPLE_FORM), "reuse.giay_de_nghi": raw}
        r = who.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=422)
        assert 'id="file-giay_de_nghi-error"' in r.get_data(as_text=True), raw
        assert "Không tìm thấy giấy tờ" in text_of(r) and "Giấy tờ đã có" in text_of(r), raw
    data = {**flatten(SAMPLE_FORM), "reuse.khong_co": str(result.id)}  # unknown component: ignored
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", data, status=302)
    assert docs_of(app, r.headers["Location"].split("/")[3]) == []
    assert counts(app) == (before[0] + 1, before[1])


def test_the_supplement_reuses_a_stored_document(app, api, citizen, desk, resolved_code):
    first = resolved_code
    result = docs_of(app, first, "result")[0]
    code = citizen.file_code()
    desk.act(code, "request_supplement", SUPPLEMENT)
    page = citizen.get(f"/ca-nhan/ho-so/{code}").get_data(as_text=True)
    assert 'id="reuse-giay_de_nghi" name="reuse.giay_de_nghi"' in page and f'value="{result.id}"' in page
    before = state(app, code)
    r = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {**flatten(SAMPLE_FORM), "reuse.giay_de_nghi": "0"},
                     status=422)
    assert "Không tìm thấy giấy tờ" in text_of(r) and state(app, code) == before
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {**flatten(SAMPLE_FORM), "reuse.giay_de_nghi": str(result.id)},
                 status=302)
    assert dossier_row(app, code).status == 1
    assert [d.sha256 for d in docs_of(app, code, "filing")] == [result.sha256]


# -- signature status for officers (D9, D22) ---------------------------------------------------------------------
def test_officers_read_each_signatures_status_signer_and_time(app, api, citizen, desk, clock, resolved_code):
    first = resolved_code
    result = docs_of(app, first, "result")[0]
    code = citizen.file_code(files={"giay_to_tru_so": ("hop-dong.pdf", PDF)})
    html = desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert 'data-status="none">Không có chữ ký số' in html
    doc = docs_of(app, code, "filing")[0]
    with app.extensions["tthc"]["sessions"].begin() as session:
        for n, (status, message) in enumerate([
                ("modified", "Tài liệu đã bị thay đổi sau khi ký hoặc chữ ký sai"),
                ("untrusted", "Chứng thư số không thuộc tổ chức cung cấp dịch vụ tin cậy được cấu hình"),
                ("expired", "Chứng thư số hết hiệu lực (01/01/2026)"),
                ("not_yet_valid", "Chứng thư số chưa có hiệu lực (từ 01/01/2027)")]):
            session.add(DocumentSignature(document_id=doc.id, field=f"Ky{n}", signer=f"Người ký {n}",
                                          organisation="Công ty Luật ABC", signed_at=clock.now() - timedelta(hours=n),
                                          valid=False, status=status, message=message, checked_at=clock.now()))
    text = text_of(desk.get(f"/can-bo/ho-so/{code}"))
    for expected in (
            "Chữ ký số không hợp lệ: tài liệu đã bị thay đổi sau khi ký — người ký: Người ký 0 (Công ty Luật ABC)"
            " — thời điểm ký: 23/11/2026 09:00 — Tài liệu đã bị thay đổi",
            "Chữ ký số không được tin cậy: chứng thư số không do tổ chức cung cấp dịch vụ tin cậy đã cấu hình cấp"
            " — người ký: Người ký 1 (Công ty Luật ABC) — thời điểm ký: 23/11/2026 08:00",
            "Chữ ký số không hợp lệ: chứng thư số đã hết hiệu lực — người ký: Người ký 2 (Công ty Luật ABC) — "
            "thời điểm ký: 23/11/2026 07:00 — Chứng thư số hết hiệu lực (01/01/2026)",
            "Chữ ký số không hợp lệ: chứng thư số chưa có hiệu lực — người ký: Người ký 3"):
        assert expected in text, expected
    # a validly signed file: status, signer and time in words
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", {**flatten(SAMPLE_FORM), "reuse.giay_de_nghi": str(result.id)},
                     status=302)
    text = text_of(desk.get(f"/can-bo/ho-so/{r.headers['Location'].split('/')[3]}"))
    assert "Chữ ký số hợp lệ — người ký: Phạm Minh Lãnh (Ủy ban nhân dân phường Thuận Hóa (demo)) — thời điểm ký: " \
           "23/11/2026 09:00" in text


# -- the public lookup's rate limit --------------------------------------------------------------------------------
def test_the_public_lookup_allows_20_lookups_per_10_minutes_per_address(app, citizen, clock):
    code = citizen.file_code()
    visitor, neighbour = Web(app.test_client()), Web(app.test_client())
    here, there = {"REMOTE_ADDR": "203.0.113.7"}, {"REMOTE_ADDR": "198.51.100.9"}
    for n in range(20):
        clock.advance(seconds=10)
        query = code if n % 2 else "khong-hop-le"  # invalid queries count too
        visitor.get(f"/tra-cuu?q={query}", status=None, environ_base=here)
        visitor.get("/tra-cuu", environ_base=here)  # the empty form is not a lookup
    r = visitor.get(f"/tra-cuu?q={code}", status=429, environ_base=here)
    text = text_of(r)
    assert "Quá nhiều lượt tra cứu" in text and "tối đa 20 lần trong 10 phút" in text
    assert "Vui lòng thử lại sau 23/11/2026 09:10" in text and code not in text.split("Quá nhiều lượt tra cứu")[-1]
    assert r.headers["Retry-After"] == str(10 * 60 - 200 + 10 + 1)
    neighbour.get(f"/tra-cuu?q={code}", environ_base=there)  # another address is not affected
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(func.count()).select_from(LookupAttempt)) == 21  # the refused one: not kept
    clock.advance(seconds=410)  # 09:10:10: the first lookup (09:00:10) leaves the window
    assert code in text_of(visitor.get(f"/tra-cuu?q={code}", environ_base=here))
    visitor.get(f"/tra-cuu?q={code}", status=429, environ_base=here)
    clock.advance(minutes=11)
    visitor.get(f"/tra-cuu?q={code}", environ_base=here)
    with app.extensions["tthc"]["sessions"]() as session:  # old lookups are deleted on the way
        assert session.scalar(select(func.count()).select_from(LookupAttempt)) == 1


@pytest.mark.parametrize("hops", [0, 1])
def test_the_lookup_limit_counts_clients_behind_a_configured_proxy(settings, clock, hops):
    """Behind a reverse proxy every connection comes from the proxy: with proxy_hops = 1 the client address it
    forwarded is counted; with 0 (the default) the header is ignored, so a client cannot forge its address."""
    from engine.web import create_app

    app = create_app(settings.replace(proxy_hops=hops), clock=clock)
    try:
        proxy = {"REMOTE_ADDR": "10.0.0.1"}
        for n in range(20):
            clock.advance(seconds=10)
            Web(app.test_client()).get("/tra-cuu?q=khong-hop-le", status=None, environ_base=proxy,
                                       headers={"X-Forwarded-For": "203.0.113.7"})
        other = Web(app.test_client()).get("/tra-cuu?q=khong-hop-le", status=None, environ_base=proxy,
                                           headers={"X-Forwarded-For": "198.51.100.9"})
        assert (other.status_code == 429) is (hops == 0), other.status_code  # an invalid query otherwise: 422
        with app.extensions["tthc"]["sessions"]() as session:
            seen = set(session.scalars(select(LookupAttempt.remote_addr)))
        assert seen == ({"203.0.113.7", "198.51.100.9"} if hops else {"10.0.0.1"})
    finally:
        app.extensions["tthc"]["engine"].dispose()


def test_a_supplement_sent_after_the_withdrawal_is_refused_with_a_message(app, citizen, desk):
    code = citizen.file_code()
    desk.act(code, "request_supplement", SUPPLEMENT)
    citizen.post(f"/ca-nhan/ho-so/{code}/rut", {"confirm": "on", "reason": REASON}, status=302)
    before = state(app, code)
    data = {**flatten(SAMPLE_FORM), "file.giay_de_nghi": (io.BytesIO(PDF), "muon.pdf")}
    r = citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", data, status=422, content_type="multipart/form-data")
    assert "Hồ sơ đã kết thúc" in text_of(r) and "Không có thay đổi nào được lưu" in text_of(r)
    assert state(app, code) == before
