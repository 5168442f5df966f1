"""Every page, as each kind of visitor sees it, is well-formed accessible HTML served by the app alone:
a language, one h1, a main landmark with a skip link, a label for every control, unique ids, and no
script, style or image from another site."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest
from conftest import CITIZEN, SAMPLE_CODE
from web_support import PDF, Web

SUPPLEMENT = {"items.0.component": "Giấy đề nghị đăng ký hộ kinh doanh", "items.0.problem": "Thiếu chữ ký",
              "items.0.required": "Ký lại"}


@pytest.fixture
def backend():
    return "sqlite"


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.duplicates, self.labels, self.controls = set(), set(), set(), []
        self.h1 = 0
        self.lang = None
        self.main = self.skip = self.viewport = False
        self.external, self.label_depth = [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            (self.duplicates if a["id"] in self.ids else self.ids).add(a["id"])
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "main" and a.get("id") == "main":
            self.main = True
        elif tag == "a" and a.get("href") == "#main":
            self.skip = True
        elif tag == "meta" and a.get("name") == "viewport":
            self.viewport = True
        elif tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.labels.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if a.get("type") not in ("hidden", "submit", "button") and not self.label_depth \
                    and "aria-label" not in a:
                self.controls.append(a.get("id") or a.get("name"))
        for key in ("src", "href"):
            value = a.get(key) or ""
            if tag in ("script", "link", "img", "iframe") and value and not value.startswith("/"):
                self.external.append(value)

    def handle_endtag(self, tag):
        if tag == "label":
            self.label_depth -= 1


def check(response) -> None:
    page = Page()
    page.feed(response.get_data(as_text=True))
    where = response.request.path
    assert page.lang in ("vi", "en"), where
    assert page.h1 == 1, (where, page.h1)
    assert page.main and page.skip and page.viewport, where
    assert not page.duplicates, (where, page.duplicates)
    unlabelled = [c for c in page.controls if c not in page.labels]
    assert not unlabelled, (where, unlabelled)
    assert not page.external, (where, page.external)


def test_every_page_is_accessible_html_with_nothing_from_another_site(app):
    anonymous = Web(app.test_client())
    for path in ("/", "/thu-tuc", f"/thu-tuc/{SAMPLE_CODE}", "/tra-cuu", "/tra-cuu?q=001099000001", "/tra-cuu?q=x",
                 "/dang-nhap", "/dang-ky", "/khong-co"):
        check(anonymous.get(path, status=None))
    citizen = Web(app.test_client()).login(CITIZEN)
    check(citizen.get(f"/thu-tuc/{SAMPLE_CODE}/nop"))
    r = citizen.file(files={"giay_de_nghi": ("a.pdf", PDF)})
    code = r.headers["Location"].split("/")[3]
    check(citizen.get(r.headers["Location"]))
    check(citizen.file(form={"ten_ho_kinh_doanh": ""}, status=422))
    desk = Web(app.test_client()).login("demo.tiepnhan")
    check(desk.get("/can-bo/cong-viec"))
    check(desk.get(f"/can-bo/cong-viec/{desk.task_id(code)}"))
    desk.act(code, "request_supplement", SUPPLEMENT)
    check(citizen.get("/ca-nhan/ho-so"))
    check(citizen.get(f"/ca-nhan/ho-so/{code}"))
    check(citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {"f.dien_thoai": "x"}, status=422))
    check(citizen.get("/can-bo/cong-viec", status=403))
    citizen.post(f"/ca-nhan/ho-so/{code}/bo-sung", {"f.ten_ho_kinh_doanh": "Tạp hóa Bình An",
                                                     "f.dia_chi_tru_so": "12 Lê Lợi", "f.nganh_nghe_kinh_doanh": "Bán lẻ",
                                                     "f.von_kinh_doanh": "1000", "f.dien_thoai": "0912345678",
                                                     "f.chu_ho.ho_ten": "An", "f.chu_ho.ngay_sinh": "1999-03-14",
                                                     "f.chu_ho.cccd": CITIZEN}, status=302)
    check(desk.act(code, "request_supplement", SUPPLEMENT, status=422))  # second request: D11 form
    desk.act(code, "receive")
    leader = Web(app.test_client()).login("demo.lanhdao")
    check(leader.get("/can-bo/theo-doi"))
    check(leader.get(f"/can-bo/ho-so/{code}"))
    specialist = Web(app.test_client()).login("demo.chuyenvien")
    check(specialist.get(f"/can-bo/cong-viec/{specialist.task_id(code)}"))
    check(specialist.act(code, "request_extension", {"amount": "9", "reason": "Xác minh"}, status=422))
    anonymous.post("/ngon-ngu", {"lang": "en"}, status=302)
    check(anonymous.get(f"/thu-tuc/{SAMPLE_CODE}"))


def test_the_app_serves_its_own_styles_scripts_and_the_vendored_bpmn_viewer(app):
    client = app.test_client()
    for path, kind in (("/static/css/app.css", "text/css"), ("/static/js/app.js", "text/javascript"),
                       ("/static/js/diagram.js", "text/javascript"),
                       ("/static/vendor/bpmn-js/bpmn-navigated-viewer.production.min.js", "text/javascript"),
                       ("/static/vendor/bpmn-js/bpmn-js.css", "text/css"),
                       ("/static/vendor/bpmn-js/diagram-js.css", "text/css")):
        r = client.get(path)
        assert r.status_code == 200 and r.mimetype == kind, path
        r.close()


def test_pages_send_protective_headers(app):
    r = app.test_client().get("/")
    assert r.headers["X-Content-Type-Options"] == "nosniff" and r.headers["X-Frame-Options"] == "DENY"


JUNK = [{}, {"f.von_kinh_doanh": "9" * 400, "f.chu_ho.ngay_sinh": "99999-99-99", "score": "1e9"},
        {"items.0.component": "x" * 600, "items.0.problem": "", "second_reason.kind": "hack",
         "second_reason.unmet_items": ["a", "b"], "amount": "-1", "unit": "years", "reasons": "\x00",
         "reason": "<script>alert(1)</script>", "for_other": "on", "owner.birth_date": "2999-01-01",
         "lang": "../../etc", "next": "javascript:alert(1)", "q": "' OR 1=1 --"}]


def test_no_page_answers_500_to_junk_from_anyone(app, clock):
    """Every page route of the web faces, GET and POST, with junk, as every kind of visitor: never a 500."""
    code = Web(app.test_client()).login(CITIZEN).file_code()
    visitors = [Web(app.test_client())] + [Web(app.test_client()).login(u) for u in (
        CITIZEN, "demo.tiepnhan", "demo.chuyenvien", "demo.lanhdao", "demo.thutruong", "demo.vanthu", "demo.admin")]
    values = {"code": code, "doc_id": 1, "item_id": 1, "action": "receive"}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in ("pages", "auth", "portal", "inbox")]
    assert len(rules) >= 20
    for visitor in visitors:
        for rule in rules:
            path = rule.build({k: v for k, v in values.items() if k in rule.arguments})[1]
            for method in sorted(rule.methods & {"GET", "POST"}):
                for junk in (JUNK if method == "POST" else [{}]):
                    r = visitor.post(path, junk) if method == "POST" else visitor.get(path, status=None)
                    assert r.status_code < 500, (method, path, junk, r.status_code)
                    assert "Traceback" not in r.get_data(as_text=True)


def test_every_page_answers_head_as_it_answers_get(app):
    """HEAD (link checkers, monitoring) gets the status GET gets, with no body, on every page without
    parameters; a form page must not take a HEAD for a submission."""
    client = app.test_client()
    pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/static"))
    assert {"/dang-nhap", "/dang-ky", "/tra-cuu"} <= set(pages)
    for page in pages:
        get, head = client.get(page), client.head(page)
        assert head.status_code == get.status_code, (page, get.status_code, head.status_code)
        assert head.data == b"", page
