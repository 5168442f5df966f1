"""A creating request sent twice acts once (issue 11 item 8): `Idempotency-Key` on POST /api/v1/dossiers and
/supplement, and the portal's filing form submits once (a one-time token in the page)."""
from __future__ import annotations

import re
import threading

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA, Api
from sqlalchemy import func, select
from web_support import Web, flatten

from engine.data.model import Dossier
from engine.data.portal_model import IdempotencyKey
from engine.web import create_app

FILING = {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}
RECEIVER = "demo.tiepnhan"
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1960-05-02", "cccd": "046160000777"}


def dossier_count(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(Dossier))


def keys_kept(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(IdempotencyKey))


def post(api: Api, path: str, user: str, payload: dict, key: str | None):
    headers = api.headers(user)
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(path, json=payload, headers=headers)


@pytest.fixture
def api(app):
    return Api(app.test_client())


def test_the_same_key_and_body_again_replays_the_first_answer(api, app):
    before = dossier_count(app)
    first = post(api, "/api/v1/dossiers", CITIZEN, FILING, "nop-lan-1")
    again = post(api, "/api/v1/dossiers", CITIZEN, {"form": SAMPLE_FORM, "procedure": SAMPLE_CODE}, "nop-lan-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()  # same dossier code, same answer (key order does not matter)
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert dossier_count(app) == before + 1
    other = post(api, "/api/v1/dossiers", CITIZEN, FILING, "nop-lan-2")  # another key: another dossier
    assert other.status_code == 201 and other.get_json()["code"] != first.get_json()["code"]
    assert post(api, "/api/v1/dossiers", CITIZEN, FILING, None).status_code == 201  # no key: as before
    assert dossier_count(app) == before + 3


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(api, app):
    first = post(api, "/api/v1/dossiers", CITIZEN, FILING, "k-123")
    before = dossier_count(app)
    changed = {**FILING, "form": {**SAMPLE_FORM, "so_lao_dong": 3}}
    r = post(api, "/api/v1/dossiers", CITIZEN, changed, "k-123")
    assert r.status_code == 422 and r.get_json()["error"]["code"] == "idempotency_key_reused"
    assert "Idempotency-Key" in r.get_json()["error"]["fields"]
    code = first.get_json()["code"]
    supplement = post(api, f"/api/v1/dossiers/{code}/supplement", CITIZEN, {"form": SAMPLE_FORM}, "k-123")
    assert supplement.status_code == 422  # the key named a filing, not this supplement
    assert dossier_count(app) == before


def test_keys_belong_to_a_user_expire_and_are_not_taken_by_a_failed_request(api, app, clock):
    first = post(api, "/api/v1/dossiers", CITIZEN, FILING, "chung")
    desk = post(api, "/api/v1/dossiers", RECEIVER, {**FILING, "owner": OWNER}, "chung")  # another user's key
    assert desk.status_code == 201 and desk.get_json()["code"] != first.get_json()["code"]
    bad = post(api, "/api/v1/dossiers", CITIZEN, {**FILING, "form": {}}, "sai-roi")
    assert bad.status_code == 422 and keys_kept(app) == 2  # refused: nothing kept, the key is still free
    assert post(api, "/api/v1/dossiers", CITIZEN, FILING, "sai-roi").status_code == 201
    clock.advance(hours=24, seconds=1)
    api.tokens.clear()
    later = post(api, "/api/v1/dossiers", CITIZEN, FILING, "chung")  # a day later the key is forgotten
    assert later.status_code == 201 and later.get_json()["code"] != first.get_json()["code"]
    assert "Idempotent-Replayed" not in later.headers
    assert keys_kept(app) == 1  # the expired ones were deleted on the way


@pytest.mark.parametrize("key", ["", "có dấu", "a b", "x" * 256])
def test_a_malformed_key_is_a_400(api, app, key):
    before = dossier_count(app)
    r = post(api, "/api/v1/dossiers", CITIZEN, FILING, key)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "invalid_idempotency_key"
    assert dossier_count(app) == before


def test_a_supplement_sent_twice_with_its_key_is_answered_twice_and_done_once(api, app):
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    payload = {"form": SAMPLE_FORM, "note": "Đã bổ sung"}
    first = post(api, f"/api/v1/dossiers/{code}/supplement", CITIZEN, payload, "bo-sung-1")
    again = post(api, f"/api/v1/dossiers/{code}/supplement", CITIZEN, payload, "bo-sung-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    actions = [h["action"] for h in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["history"]]
    assert actions.count("supplement") == 1
    without = post(api, f"/api/v1/dossiers/{code}/supplement", CITIZEN, payload, None)
    assert without.status_code == 409  # without the key the repeat is what it always was: no request pending


def test_two_identical_posts_at_once_make_one_dossier(settings, clock):
    """Both requests run in server threads at the same moment: the second one waits for the first one's key
    and answers with its dossier (on SQLite and PostgreSQL)."""
    app = create_app(settings, clock=clock, threads=4)
    try:
        api = Api(app.test_client())
        headers = {**api.headers(CITIZEN), "Idempotency-Key": "hai-lan-bam"}
        before = dossier_count(app)
        for round_ in range(3):
            start, answers = threading.Barrier(2), []

            def send():
                client = app.test_client()
                start.wait()
                r = client.post("/api/v1/dossiers", json=FILING, headers={**headers, "Idempotency-Key": f"k{round_}"})
                answers.append((r.status_code, r.get_json().get("code")))

            threads = [threading.Thread(target=send) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert len(answers) == 2 and answers[0] == answers[1] and answers[0][0] == 201, answers
        assert dossier_count(app) == before + 3
    finally:
        app.extensions["tthc"]["engine"].dispose()


# -- the portal's filing form --------------------------------------------------------------------------------
TOKEN_RE = re.compile(r'name="submit_token" value="([^"]+)"')


def test_the_filing_form_posted_twice_files_once_and_shows_the_first_dossier(app):
    web = Web(app.test_client()).login(CITIZEN)
    page = web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    token = TOKEN_RE.search(page).group(1)
    assert TOKEN_RE.search(web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)).group(1) != token
    before = dossier_count(app)
    form = {**flatten(SAMPLE_FORM), "submit_token": token}
    first = web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", form, status=302)
    again = web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", form, status=302)
    assert again.headers["Location"] == first.headers["Location"]
    assert "/bien-nhan" in first.headers["Location"]
    assert dossier_count(app) == before + 1
    web.get(again.headers["Location"])


def test_a_refused_filing_keeps_its_token_for_the_corrected_post(app):
    web = Web(app.test_client()).login(CITIZEN)
    token = TOKEN_RE.search(web.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)).group(1)
    before = dossier_count(app)
    wrong = {**flatten(SAMPLE_FORM), "f.so_lao_dong": "-5", "submit_token": token}
    refused = web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", wrong, status=422)
    assert TOKEN_RE.search(refused.get_data(as_text=True)).group(1) == token
    web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", {**flatten(SAMPLE_FORM), "submit_token": token}, status=302)
    assert dossier_count(app) == before + 1


def test_the_openapi_documents_the_header_on_the_creating_requests(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/dossiers", "/api/v1/dossiers/{code}/supplement"):
        params = {p["name"]: p for p in spec["paths"][path]["post"].get("parameters", [])}
        assert params["Idempotency-Key"]["in"] == "header" and not params["Idempotency-Key"]["required"], path
