"""What a crawl of the pages in a real browser found (headless Debian Chromium, the fixtures of
tests/test_e2e_browser.py): a page loads without a single failed request in the browser's console; what a
page's script writes is in the page's language."""
from __future__ import annotations

from test_e2e_browser import Person, backend, browser, server  # noqa: F401 (fixtures)
from test_e2e_modeler import _open_modeler


def test_a_first_visit_asks_for_nothing_the_server_does_not_have(browser, server):  # noqa: F811
    """The browser asked every page for /favicon.ico, which the site never had: a 404 in the console of every
    first visit. The pages now name their icon."""
    person = Person(browser, server)
    failed: list[str] = []
    person.page.on("console", lambda msg: failed.append(msg.text) if msg.type == "error" else None)
    person.page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    for path in ("/", "/dang-nhap", "/thu-tuc"):
        person.goto(path)
        person.page.wait_for_load_state("networkidle")
    assert failed == []
    icon = person.page.locator('link[rel="icon"]').get_attribute("href")
    assert person.context.request.get(server + icon).status == 200
    person.close()


def test_the_modelers_duration_units_are_words_of_the_page_language(browser, server):  # noqa: F811
    """The select of a duration's unit listed "working_day", "working_hour", "calendar_day", "same_day" on the
    Vietnamese and the English page alike."""
    admin = Person(browser, server, "demo.admin")
    page = _open_modeler(admin)
    options = page.locator("#proc-duration-unit option").all_inner_texts()
    assert options == ["ngày làm việc (working_day)", "giờ làm việc (working_hour)", "ngày (calendar_day)",
                       "trong ngày (same_day)"]
    page.get_by_role("button", name="English").click()
    page = _open_modeler(admin)
    assert page.locator("#proc-duration-unit option").all_inner_texts()[0] == "working days (working_day)"
    admin.close()
