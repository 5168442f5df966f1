"""Signing in with the national e-ID (OpenID Connect): a real authorization-code flow with PKCE through Authlib
against a provider on 127.0.0.1. The verified CCCD opens the citizen account (made
standardised when there is none); a bad state, a replayed answer, a wrong nonce, another audience or a foreign
signature signs nobody in. The provider is the demo's simulator (engine/web/eidsim.py), approving at once.
"""
from __future__ import annotations

import re
import threading

import pytest
import requests
from conftest import CITIZEN
from sqlalchemy import func, select
from web_support import Web, text_of

from engine.data.model import User
from engine.web import create_app
from engine.web.eidsim import Provider

CLIENT_ID, CLIENT_SECRET = "tthc-test-client", "tthc-test-secret"


@pytest.fixture
def provider():
    """The simulator, served as Provider serves it but polling for the stop every 20 ms instead of the
    socketserver's 0.5 s, which every test of this file waited for at its end."""
    simulator = Provider(CLIENT_ID, CLIENT_SECRET)
    simulator.thread = threading.Thread(target=simulator.server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="eidsim", daemon=True)
    with simulator as running:
        yield running


@pytest.fixture
def eid_app(settings, clock, provider):
    application = create_app(settings.replace(oidc_issuer=provider.issuer, oidc_client_id=CLIENT_ID,
                                              oidc_client_secret=CLIENT_SECRET), clock=clock)
    application.testing = True
    yield application
    application.extensions["tthc"]["engine"].dispose()


def through_provider(client, provider):
    """Start at the login button, let the provider answer (the person approves), return the callback's answer
    and the callback path (to replay it)."""
    r = client.get("/dang-nhap/dinh-danh")
    assert r.status_code == 302 and r.headers["Location"].startswith(provider.issuer + "/authorize?")
    answer = requests.get(r.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    path = answer.headers["Location"].split("://localhost", 1)[1]
    return client.get(path), path


def accounts_with(app, cccd: str) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count(User.id)).where(User.cccd == cccd))


def signed_in(client) -> bool:
    return client.get("/ca-nhan/ho-so").status_code == 200


def test_without_a_provider_the_login_page_offers_none(app):
    web = Web(app.test_client())
    assert "VNeID" not in text_of(web.get("/dang-nhap"))
    web.get("/dang-nhap/dinh-danh", status=404)


def test_a_new_identity_gets_a_standardised_account_through_a_pkce_code_flow(eid_app, provider, backend):
    client = eid_app.test_client()
    assert "Đăng nhập bằng VNeID/định danh điện tử" in text_of(client.get("/dang-nhap"))
    r, _ = through_provider(client, provider)
    assert r.status_code == 302, text_of(r)[:400]
    asked = provider.requests[-1]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert asked["state"] and asked["nonce"] and asked["redirect_uri"].endswith("/dang-nhap/dinh-danh/ve")
    assert signed_in(client)
    with eid_app.extensions["tthc"]["sessions"]() as session:
        user = session.scalar(select(User).where(User.cccd == provider.person["cccd"]))
        assert user.username == provider.person["cccd"] and user.standardised
        assert user.full_name == provider.person["name"] and user.roles == {"citizen"}
    # again: the same account, not a second one
    again = eid_app.test_client()
    r, _ = through_provider(again, provider)
    assert r.status_code == 302 and signed_in(again) and accounts_with(eid_app, provider.person["cccd"]) == 1


def test_an_identity_opens_the_existing_standardised_account_of_its_cccd(eid_app, provider):
    provider.person = {**provider.person, "cccd": CITIZEN, "name": "Tên khác trên VNeID"}
    client = eid_app.test_client()
    r, _ = through_provider(client, provider)
    assert r.status_code == 302 and signed_in(client)
    assert accounts_with(eid_app, CITIZEN) == 1
    assert "Nguyễn Văn An" in text_of(client.get("/ca-nhan/ho-so"))  # the account's own name is kept


@pytest.mark.parametrize("misbehave", ["state", "nonce", "audience", "audience_with_azp", "signature"])
def test_a_wrong_answer_signs_nobody_in(eid_app, provider, misbehave):
    provider.misbehave = misbehave
    client = eid_app.test_client()
    r, _ = through_provider(client, provider)
    assert r.status_code == 401, text_of(r)[:400]
    assert "Không xác thực được danh tính điện tử" in text_of(r)
    assert not signed_in(client) and accounts_with(eid_app, provider.person["cccd"]) == 0


def test_a_replayed_answer_signs_nobody_in(eid_app, provider):
    first = eid_app.test_client()
    r, path = through_provider(first, provider)
    assert r.status_code == 302
    stranger = eid_app.test_client()  # another browser with the stolen callback URL: no state in its session
    r = stranger.get(path)
    assert r.status_code == 401 and not signed_in(stranger)
    first.post("/dang-xuat", data={"csrf_token": Web(first).csrf()})
    r = first.get(path)  # the same browser again: the state was used up
    assert r.status_code == 401 and not signed_in(first)


def test_the_person_declining_or_a_suspended_account_signs_nobody_in(eid_app, provider, api):
    client = eid_app.test_client()
    r = client.get("/dang-nhap/dinh-danh/ve?error=access_denied&state=x")
    assert r.status_code == 401 and not signed_in(client)
    provider.person = {**provider.person, "cccd": CITIZEN}
    admin = eid_app.test_client()
    token = admin.post("/api/v1/auth/token", json={"username": "demo.admin", "password": "demo12345"}).get_json()
    r = admin.patch(f"/api/v1/citizens/{CITIZEN}", headers={"Authorization": f"Bearer {token['token']}"},
                    json={"active": False, "reason": "Tạm khóa để kiểm tra"})
    assert r.status_code == 200
    r, _ = through_provider(client, provider)
    assert r.status_code == 401 and "Tạm khóa để kiểm tra" in text_of(r) and not signed_in(client)


def test_an_identity_without_a_cccd_signs_nobody_in(eid_app, provider):
    provider.person = {"sub": "vneid-2", "name": "Không Có Số"}
    client = eid_app.test_client()
    r, _ = through_provider(client, provider)
    assert r.status_code == 401 and "không có số CCCD" in text_of(r) and not signed_in(client)


def test_an_unreachable_provider_is_a_page_not_a_traceback(settings, clock):
    app = create_app(settings.replace(oidc_issuer="http://127.0.0.1:9", oidc_client_id=CLIENT_ID,
                                      oidc_client_secret=CLIENT_SECRET), clock=clock)
    app.testing = True
    r = app.test_client().get("/dang-nhap/dinh-danh")
    assert r.status_code == 503 and "định danh điện tử" in text_of(r)
    app.extensions["tthc"]["engine"].dispose()


def test_the_demo_provider_asks_who_signs_in_and_the_engine_believes_only_what_it_signed(settings, clock):
    from engine.web import eidsim

    assert eidsim.for_demo(settings.replace(oidc_issuer="https://id.example.vn"))[0] is None  # a real one wins
    sim, demo = eidsim.for_demo(settings)
    app = create_app(demo, clock=clock)
    app.testing = True
    try:
        for choice, expected in (({"deny": "1"}, 401), ({}, 302)):
            client = app.test_client()
            start = client.get("/dang-nhap/dinh-danh").headers["Location"]
            page = requests.get(start, timeout=10)
            assert page.status_code == 200 and "Đồng ý chia sẻ danh tính" in page.text and CITIZEN in page.text
            hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
            answer = requests.post(f"{sim.url}/authorize", data={**hidden, "cccd": CITIZEN, "name": "Nguyễn Văn An",
                                                                 **choice}, allow_redirects=False, timeout=10)
            r = client.get(answer.headers["Location"].split("://localhost", 1)[1])
            assert r.status_code == expected and signed_in(client) == (expected == 302)
        assert sim.refused == []
        # the token endpoint is honest: a code with the wrong PKCE verifier is refused
        hidden["code_challenge"] = "x" * 43
        answer = requests.post(f"{sim.url}/authorize", data={**hidden, "cccd": CITIZEN, "name": "A"},
                               allow_redirects=False, timeout=10)
        code = re.search(r"code=([^&]+)", answer.headers["Location"]).group(1)
        r = requests.post(f"{sim.url}/token", auth=(sim.client_id, sim.client_secret), timeout=10, data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": hidden["redirect_uri"],
            "code_verifier": "v" * 43})
        assert r.status_code == 400 and sim.refused == ["pkce"]
    finally:
        sim.stop()
        app.extensions["tthc"]["engine"].dispose()


def test_pressing_the_button_again_and_again_keeps_the_cookie_small_and_the_last_start_finishes(eid_app, provider,
                                                                                              caplog):
    """Each start added its state to the session cookie for an hour: 60 presses made an 11 KB cookie, which
    browsers drop (the session lost). Only the newest start is kept, and it signs the person in; a forged
    callback is logged in one line, without a traceback."""
    client = eid_app.test_client()
    for _ in range(30):
        assert client.get("/dang-nhap/dinh-danh").status_code == 302
    cookie = client.get_cookie("tthc_session")
    assert cookie is not None and len(cookie.value) < 1500, len(cookie.value)
    r, _path = through_provider(client, provider)
    assert r.status_code == 302 and signed_in(client)
    caplog.clear()
    assert eid_app.test_client().get("/dang-nhap/dinh-danh/ve?state=x&code=y").status_code == 401
    refused = [rec for rec in caplog.records if "refused an identity provider" in rec.getMessage()]
    assert refused and all(rec.exc_info is None for rec in refused)
