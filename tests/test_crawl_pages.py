"""What a crawl of every page as each kind of user found: links that led to a refusal, labels that named
another row's field, dates and numbers not written the page language's way, a refused form that lost what was
typed."""
from __future__ import annotations

from lxml import html

from conftest import CITIZEN, SAMPLE_CODE
from staff_support import ADMIN_A, OFFICER_A, WARD_A as STAFF_WARD, build_province, user_row
from test_offers import DEMO, PAGE, WARD_A, WARD_B, deploy_with_local_fee, province, put_offers  # noqa: F401
from web_support import Web

FILING = f"/thu-tuc/{SAMPLE_CODE}/nop"


def links(response) -> list[str]:
    """The site's own links in the page's main part."""
    tree = html.fromstring(response.get_data(as_text=True))
    return [href for href in tree.xpath("//main//a/@href") if href.startswith("/")]


def test_only_who_may_file_is_offered_the_filing_button(app):
    """An officer or an administrator clicked "Nộp hồ sơ trực tuyến" and got "Không có quyền truy cập"."""
    for user in ("demo.tiepnhan", "demo.admin"):
        web = Web(app.test_client()).login(user)
        assert FILING not in links(web.get(f"/thu-tuc/{SAMPLE_CODE}"))
        web.get(FILING, status=403)
    assert FILING in links(Web(app.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}"))  # the visitor signs in first
    citizen = Web(app.test_client()).login(CITIZEN)
    assert FILING in links(citizen.get(f"/thu-tuc/{SAMPLE_CODE}"))
    citizen.get(FILING)


def test_a_ward_administrators_offers_page_links_only_to_pages_they_may_open(api, province):  # noqa: F811
    """The ward's administrator offers a procedure the province publishes: "Thủ tục và phiên bản" led to the
    versions of that procedure, which are not theirs (403); it now leads to the list of their procedures."""
    ward_admin = Web(province.test_client()).login("a.admin")
    for href in links(ward_admin.get(PAGE)):
        ward_admin.get(href)
    admin = Web(province.test_client()).login("tinh.admin")
    assert f"/quan-tri/thu-tuc/{SAMPLE_CODE}" in links(admin.get(PAGE))  # the publisher's administrator: its versions


def test_each_row_of_the_offers_page_labels_its_own_fee_field(api, province, clock, tmp_path,  # noqa: F811
                                                               settings):
    """With a fee each ward sets, every row's fee field had the id of the first row's ("fee-1-le_phi"): its
    label, and the link of an error, named the first ward's field."""
    deploy_with_local_fee(province, tmp_path, settings, clock)
    assert put_offers(api, {"agencies": [DEMO, WARD_A, WARD_B]}).status_code == 200
    admin = Web(province.test_client()).login("tinh.admin")
    page = admin.get(PAGE).get_data(as_text=True)
    tree = html.fromstring(page)
    ids = tree.xpath("//@id")
    assert len(ids) == len(set(ids))
    rows = tree.xpath("//tr[@data-agency]")
    assert len(rows) >= 3
    for row in rows:
        field = row.xpath(".//input[starts-with(@name, 'fee.')]")[0]
        assert field.get("name") == f"fee.{row.get('data-agency')}.le_phi"
        assert row.xpath(f".//label[@for='{field.get('id')}']")  # its label is in its own row

    r = admin.post(PAGE, {"agency": [DEMO, WARD_A, WARD_B], f"fee.{WARD_B}.le_phi": "năm mươi"}, status=422)
    tree = html.fromstring(r.get_data(as_text=True))
    error = tree.xpath("//p[@class='field-error']")[0]
    assert error.xpath("ancestor::tr/@data-agency") == [WARD_B]  # the message stands in the ward's row
    assert error.get("id") == tree.xpath(f"//input[@name='fee.{WARD_B}.le_phi']/@id")[0] + "-error"


def test_the_calendars_days_of_the_year_are_written_as_dates_like_the_rest_of_the_page(app):
    """The table "Các ngày khác thường của năm" wrote its days as 2026-09-02 while every other table of the page,
    in either language, writes 02/09/2026."""
    admin = Web(app.test_client()).login("demo.admin")
    for language in ("vi", "en"):
        admin.post("/ngon-ngu", {"lang": language, "next": "/quan-tri/lich?nam=2026"}, status=302)
        tree = html.fromstring(admin.get("/quan-tri/lich?nam=2026").get_data(as_text=True))
        days = [td.text_content() for td in tree.xpath("//table[@id='merged']/tbody/tr/td[1]")]
        assert "02/09/2026" in days and not [d for d in days if "-" in d], (language, days)


def test_the_statistics_page_writes_its_period_limit_as_a_number_of_the_page_language(app):
    """"tối đa 1830 ngày" on the Vietnamese page and "1830 days" on the English one: the limit is 1.830 and
    1,830 as every other number of these pages."""
    leader = Web(app.test_client()).login("demo.lanhdao")
    for language, limit in (("vi", "1.830"), ("en", "1,830")):
        leader.post("/ngon-ngu", {"lang": language, "next": "/can-bo/thong-ke"}, status=302)
        hint = html.fromstring(leader.get("/can-bo/thong-ke").get_data(as_text=True)).xpath(
            "//p[@id='period-hint']")[0].text_content()
        assert f"{limit} " in hint and "1830" not in hint, (language, hint)
        r = leader.get("/can-bo/thong-ke?from=2020-01-01&to=2027-03-01&month=", status=422)
        assert f"{limit} " in html.fromstring(r.get_data(as_text=True)).xpath(
            "//div[@id='error-summary']")[0].text_content(), language


def test_a_refused_edit_of_an_officer_shows_what_the_administrator_typed(app):
    """A wrong email on the officer's page answered 422 with the stored name, email, phone and roles back in the
    form: what the administrator had typed was lost."""
    build_province(app)
    web = Web(app.test_client()).login(ADMIN_A)
    typed = {"full_name": "Nguyễn Thị Mới", "agency": STAFF_WARD, "roles": ["specialist", "clerk"],
             "email": "không-phải-email", "phone": "0905123456"}
    r = web.post(f"/quan-tri/can-bo/{OFFICER_A}", typed, status=422)
    form = html.fromstring(r.get_data(as_text=True)).xpath(f"//form[@action='/quan-tri/can-bo/{OFFICER_A}']")[0]
    for name in ("full_name", "email", "phone"):
        assert form.xpath(f".//input[@name='{name}']/@value") == [typed[name]], name
    assert sorted(form.xpath(".//input[@name='roles'][@checked]/@value")) == ["clerk", "specialist"]
    assert form.xpath(".//input[@name='email']/@aria-invalid") == ["true"]
    assert user_row(app, OFFICER_A).full_name != typed["full_name"]  # nothing was stored
