"""The language switch keeps its word: on a page that answered a refused form it leads back to a page (not to
the form's POST-only address, a 405), the "request too large" page is in the chosen language and knows who is
signed in (in the app and under `tthc serve`'s waitress), and a language chosen before signing in is the
account's too (its notices), while an account's choice follows it to a new browser. The clock of the tests
stands at 23/11/2026 09:00, Vietnam time (tests/conftest.py)."""
from __future__ import annotations

import io
import re
import threading

import pytest
import requests
from lxml import html
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD
from engine.cases import accounts, notices, preflight
from engine.cli.service import _server
from engine.data.model import User
from web_support import OTHER_CITIZEN, Web, text_of

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
SQLITE = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def switch_next(response) -> str:
    tree = html.fromstring(response.get_data(as_text=True))
    return tree.xpath("//form[contains(@class,'lang')]//input[@name='next']/@value")[0]


def switch_to_english(web: Web, target: str) -> str:
    r = web.post("/ngon-ngu", {"lang": "en", "next": target}, status=302)
    return r.headers["Location"]


@SQLITE
def test_switch_on_a_refused_task_form_leads_back_to_the_task(app, api):
    code = api.file()["code"]
    web = Web(app.test_client()).login("demo.tiepnhan")
    item = web.task_id(code)
    page = f"/can-bo/cong-viec/{item}"
    # a supplement request naming no item: refused, the task page shown again (422) at the POST-only address
    r = web.post(f"{page}/request_supplement", {}, status=422, headers={"Referer": f"http://localhost{page}"})
    assert switch_next(r) == page  # the page the form was on (the browser's same-site Referer)
    landed = web.get(switch_to_english(web, switch_next(r)))  # 200: the task page again, in English
    assert html.fromstring(landed.get_data(as_text=True)).get("lang") == "en"
    # without a Referer (or with another site's), the switch leads home, never to the POST-only address
    r = web.post(f"{page}/request_supplement", {}, status=422, headers={"Referer": "http://evil.example/x"})
    assert switch_next(r) == "/"
    r = web.post(f"{page}/request_supplement", {}, status=422)
    assert switch_next(r) == "/"


@SQLITE
def test_switch_to_a_post_only_address_goes_home(app, api):
    code = api.file()["code"]
    web = Web(app.test_client()).login(CITIZEN)
    # a refused rating answers at /danh-gia, an address that takes forms only
    r = web.post(f"/ca-nhan/ho-so/{code}/danh-gia", {"score": "9"})
    assert r.status_code >= 400
    target = switch_to_english(web, switch_next(r))
    assert web.get(target).status_code == 200
    # a "next" naming a POST-only address (an old page's switch) or no page at all: the home page
    assert switch_to_english(web, f"/ca-nhan/ho-so/{code}/danh-gia") == "/"
    assert switch_to_english(web, "/khong-co-trang-nay") == "/"
    assert switch_to_english(web, "//evil.example/") == "/"
    assert switch_to_english(web, f"/ca-nhan/ho-so/{code}") == f"/ca-nhan/ho-so/{code}"


@SQLITE
def test_too_large_page_in_the_app_knows_the_user_and_the_language(app, settings):
    web = Web(app.test_client()).login(CITIZEN)
    switch_to_english(web, "/")
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (settings.max_request_bytes + 10))
    r = web.client.post("/thu-tuc/1.001612/nop", data={"file.a": (big, "a.pdf")}, content_type="multipart/form-data")
    assert r.status_code == 413
    text = text_of(r)
    assert "Request too large" in text
    assert "Sign out" in text and "Sign in" not in text  # signed in, as they are


@SQLITE
def test_too_large_page_under_waitress_knows_the_user_and_the_language(app, settings):
    app.config["SESSION_COOKIE_SECURE"] = False  # plain HTTP on the loopback
    app.session_interface.get_cookie_secure = lambda _app: False
    server = _server(app, host="127.0.0.1", port=0, threads=2, **preflight.server_options(settings))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.effective_port}"
        s = requests.Session()
        token = CSRF_RE.search(s.get(base + "/dang-nhap", timeout=30).text).group(1)
        r = s.post(base + "/dang-nhap", data={"csrf_token": token, "username": CITIZEN, "password": PASSWORD},
                   allow_redirects=False, timeout=30)
        assert r.status_code == 302, r.text[:300]
        token = CSRF_RE.search(s.get(base + "/tra-cuu", timeout=30).text).group(1)
        s.post(base + "/ngon-ngu", data={"csrf_token": token, "lang": "en", "next": "/"}, allow_redirects=False,
               timeout=30)
        page = s.get(base + "/thu-tuc/1.001612/nop", timeout=30).text
        token = CSRF_RE.search(page).group(1)
        big = b"%PDF-1.4\n" + b"0" * (settings.max_request_bytes + 10)
        r = s.post(base + "/thu-tuc/1.001612/nop", data={"csrf_token": token},
                   files={"file.x": ("big.pdf", big, "application/pdf")}, timeout=60)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", r.text))
        assert r.status_code == 413
        assert "Request too large" in text, text[:400]
        assert "Sign out" in text, text[:400]
    finally:
        server.close()
        thread.join(timeout=10)


def notice_language(app, username: str) -> str | None:
    """The language the account chose for its notices (None: never chosen, Vietnamese)."""
    with app.extensions["tthc"]["sessions"]() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        choice = notices.settings_of(session, [user.id]).get(user.id)
        return choice.language if choice else None


@SQLITE
def test_english_chosen_before_signing_in_is_the_accounts(app):
    web = Web(app.test_client())
    switch_to_english(web, "/dang-nhap")
    web.login(CITIZEN)
    assert "My dossiers" in text_of(web.get("/ca-nhan/ho-so"))
    assert notice_language(app, CITIZEN) == "en"  # its notices (portal, email, SMS) come in English too
    web.file()
    tree = html.fromstring(web.get("/thong-bao").get_data(as_text=True))
    assert "has been filed" in " ".join(tree.xpath("//main")[0].text_content().split())


@SQLITE
def test_the_accounts_english_follows_it_to_a_new_browser(app, clock):
    web = Web(app.test_client()).login(CITIZEN)
    switch_to_english(web, "/")  # signed in: the account's choice
    fresh = Web(app.test_client()).login(CITIZEN)  # another browser, never switched
    assert "My dossiers" in text_of(fresh.get("/ca-nhan/ho-so"))
    # the English kept on this browser after signing out was not chosen there: the next account keeps its own
    with app.extensions["tthc"]["sessions"].begin() as session:
        accounts.register_citizen(session, clock.now(), {"full_name": "Phan Văn Khác", "cccd": OTHER_CITIZEN,
                                                         "cccd_issued_on": "2020-01-01", "phone": "0911222333",
                                                         "password": PASSWORD})
    fresh.logout()
    fresh.login(OTHER_CITIZEN)
    assert notice_language(app, OTHER_CITIZEN) is None
    assert notice_language(app, CITIZEN) == "en"
