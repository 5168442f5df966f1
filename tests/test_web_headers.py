"""Headers and content (#11 item 11): a Content-Security-Policy without inline script on every page and no
inline script in them, no caching of anything personal, HSTS over HTTPS, documents only as downloads."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from io import BytesIO

import pytest
from conftest import CITIZEN
from web_support import PDF, Web

from engine.web.headers import PAGE_POLICY


@pytest.fixture
def backend():
    return "sqlite"


class InlineCode(HTMLParser):
    """What a CSP without 'unsafe-inline' would block: inline <script>, on* attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("<script> without src")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def _pages(app) -> list[tuple[Web, str]]:
    citizen = Web(app.test_client()).login(CITIZEN)
    code = citizen.file_code(files={"giay_de_nghi": ("don.pdf", PDF)})
    desk = Web(app.test_client()).login("demo.tiepnhan")
    anonymous = Web(app.test_client())
    return [(anonymous, "/"), (anonymous, "/thu-tuc"), (anonymous, "/tra-cuu?q=" + code), (anonymous, "/dang-nhap"),
            (anonymous, "/dang-ky"), (anonymous, "/khong-co-trang-nay"), (citizen, "/ca-nhan/ho-so"),
            (citizen, f"/ca-nhan/ho-so/{code}"), (citizen, "/thu-tuc/1.001612/nop"), (desk, "/can-bo/cong-viec"),
            (desk, f"/can-bo/cong-viec/{desk.task_id(code)}"), (desk, f"/can-bo/ho-so/{code}")]


def test_every_page_has_a_policy_without_inline_script_and_holds_none(app):
    for client, path in _pages(app):
        r = client.get(path, status=None)
        assert r.mimetype == "text/html", path
        policy = r.headers.get("Content-Security-Policy", "")
        script = re.search(r"script-src ([^;]*)", policy)
        assert policy == PAGE_POLICY and script and "unsafe" not in script.group(1), (path, policy)
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
        parser = InlineCode()
        parser.feed(r.get_data(as_text=True))
        assert parser.found == [], (path, parser.found)


def test_pages_and_api_answers_are_never_stored_by_caches_but_static_files_may_be(app, api):
    for client, path in _pages(app):
        assert client.get(path, status=None).headers.get("Cache-Control") == "no-store", path
    code = api.file(CITIZEN)["code"]
    for path in (f"/api/v1/dossiers/{code}", "/api/v1/me/documents", "/api/v1/dossiers"):
        r = api.get(path, CITIZEN)
        assert r.status_code == 200 and "no-store" in r.headers.get("Cache-Control", ""), path
    r = app.test_client().get("/static/css/app.css")
    assert "no-store" not in r.headers.get("Cache-Control", "")
    r.close()


def test_hsts_is_sent_over_https_only(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    secure = app.test_client().get("/", base_url="https://tthc.example.vn")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_hsts_follows_the_scheme_the_trusted_proxy_saw(settings, clock):
    from dataclasses import replace

    from engine.web import create_app
    behind = create_app(replace(settings, proxy_hops=1), clock=clock)
    try:
        r = behind.test_client().get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
        assert "Strict-Transport-Security" in r.headers
    finally:
        behind.extensions["tthc"]["engine"].dispose()


def _download_headers_ok(r, path):
    assert r.status_code == 200, (path, r.status_code)
    assert r.headers["Content-Disposition"].startswith("attachment;"), (path, r.headers["Content-Disposition"])
    assert r.headers["X-Content-Type-Options"] == "nosniff", path
    assert r.headers["Content-Security-Policy"].startswith("default-src 'none'") and "sandbox" in \
        r.headers["Content-Security-Policy"], path
    assert "no-store" in r.headers.get("Cache-Control", ""), path


def test_documents_are_never_served_inline(app, api):
    code = api.file(CITIZEN)["code"]
    upload = api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, content_type="multipart/form-data",
                      data={"component": "Giấy đề nghị đăng ký hộ kinh doanh", "file": (BytesIO(PDF), "don.pdf")})
    doc = upload.get_json()
    _download_headers_ok(api.get(doc["url"], CITIZEN), doc["url"])
    _download_headers_ok(api.get(f"/api/v1/dossiers/{code}/control-slip", "demo.tiepnhan"), "control slip")
    citizen = Web(app.test_client()).login(CITIZEN)
    _download_headers_ok(citizen.get(f"/tai-lieu/{doc['id']}"), "/tai-lieu")
