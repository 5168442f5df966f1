"""The modeler in the page's language, in headless Chromium: bpmn-js's own words (the palette's tools, the
context pad of a task, the replace menu, the search box, align/distribute) are Vietnamese on the Vietnamese
page, through the "translate" service modeler.js gives bpmn-js with the table of
engine/web/static/js/modeler-vi.js, and stay English on the English page. The table covers every template the
vendored build hands to translate."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import SAMPLE_CODE
from test_e2e_browser import Person, browser, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(
    not Path("/usr/bin/chromium").exists(),
    reason="/usr/bin/chromium is absent: install Debian's chromium to run browser tests")

VENDORED = (Path(__file__).resolve().parent.parent / "engine" / "web" / "static" / "vendor" / "bpmn-js"
            / "bpmn-modeler.production.min.js")
ALIGN = ("left", "center", "right", "top", "middle", "bottom")
ENGLISH_WORDS = re.compile(r"\b(Create|Append|Activate|Connect|Change element|Delete|task|event|gateway)\b")


@pytest.fixture
def backend():
    return "sqlite"


def templates_of_the_vendored_build() -> set[str]:
    """What the vendored bpmn-js hands to translate: the titles of the palette, the context pad and the popup
    menus (``title:s("Create task")``, ``this._translate("Delete")``...), the replace menu's labels
    (``label:"User task"``, translated when the menu is drawn), "Align elements " + each side."""
    text = VENDORED.read_text(encoding="utf-8")
    found = set(re.findall(r'(?:title:[A-Za-z_$]|_translate|[,:][a-z])\("([A-Z][^"]*\s[^"]*)"', text))
    found |= set(re.findall(r'label:"([A-Z][^"]+)"', text))
    found |= set(re.findall(r'title:[A-Za-z_$]\("([A-Z][a-z]+)"\)', text))  # Loop, Collection, Delete
    found -= {"Align elements ", "Cannot resolve circular dependency!"}  # the latter: an Error, not a title
    found |= {f"Align elements {side}" for side in ALIGN}
    return found


def open_modeler(person: Person, english: bool = False):
    page = person.goto(f"/quan-tri/thu-tuc/{SAMPLE_CODE}/mo-hinh?version=1")
    if english:
        page.get_by_role("button", name="English").click()
        page.wait_for_selector('html[lang="en"]')
    page.wait_for_selector("#modeler[data-ready='1']")
    return page


def titles(page, selector: str) -> dict[str, str]:
    """The words of each entry by its action: its title (context pad, popup menus) or, for the palette's
    tools, its aria-label (what bpmn-js 18 gives them; what a screen reader says)."""
    return page.evaluate("s => Object.fromEntries([...document.querySelectorAll(s)].map("
                         "e => [e.getAttribute('data-action') || e.getAttribute('data-id'),"
                         " e.getAttribute('title') || e.getAttribute('aria-label') || '']))", selector)


def open_context_pad_of_the_task(page) -> dict[str, str]:
    page.locator(".djs-element[data-element-id='tham_dinh']").click()
    page.wait_for_selector(".djs-context-pad .entry[data-action='replace']")
    return titles(page, ".djs-context-pad .entry")


def open_replace_menu(page) -> list[str]:
    page.locator(".djs-context-pad .entry[data-action='replace']").click()
    page.wait_for_selector(".djs-popup .entry")
    return [t.strip() for t in page.locator(".djs-popup-body .entry").all_inner_texts()]


def select_three_and_open_align(page) -> list[str]:
    page.keyboard.press("Escape")
    page.evaluate("() => { const m = window.tthcModeler;"  # three steps: align and distribute are offered
                  " m.get('selection').select(m.get('elementRegistry').filter("
                  "e => e.type === 'bpmn:UserTask').slice(0, 3)); }")
    align = page.locator(".djs-context-pad .entry[data-action='align-elements']")
    align.wait_for()
    titles_ = [align.get_attribute("title")]
    align.click()
    page.wait_for_selector(".djs-popup .entry")
    return titles_ + [e.get_attribute("title") for e in page.locator(".djs-popup .entry").all()]


def test_bpmn_js_speaks_vietnamese_on_the_vietnamese_modeler(browser, server):  # noqa: F811
    admin = Person(browser, server, "demo.admin")
    page = open_modeler(admin)
    assert page.get_attribute("html", "lang") == "vi"

    palette = titles(page, ".djs-palette .entry")
    assert palette["create.task"] == "Tạo bước xử lý"
    assert palette["create.start-event"] == "Tạo sự kiện bắt đầu"
    assert palette["create.exclusive-gateway"] == "Tạo cổng"
    assert palette["hand-tool"] == "Bật công cụ bàn tay (kéo sơ đồ)"
    assert palette["create.participant-expanded"] == "Tạo vùng/bên tham gia (pool)"
    english = {k: v for k, v in palette.items() if v and ENGLISH_WORDS.search(v)}
    assert not english, english  # no tool left in English
    page.locator(".djs-palette .entry[data-action='create.task']").hover()  # the tooltip a designer reads

    pad = open_context_pad_of_the_task(page)
    assert pad["append.append-task"] == "Nối tiếp bước xử lý"
    assert pad["append.gateway"] == "Nối tiếp cổng"
    assert pad["append.end-event"] == "Nối tiếp sự kiện kết thúc"
    assert pad["connect"] == "Nối với phần tử khác"
    assert pad["replace"] == "Đổi loại phần tử"
    assert pad["delete"] == "Xóa"
    english = {k: v for k, v in pad.items() if v and ENGLISH_WORDS.search(v)}
    assert not english, english

    entries = open_replace_menu(page)
    # tham_dinh is a user task already: the menu offers the other kinds
    assert {"Bước xử lý", "Bước xử lý dịch vụ (tự động)", "Bước xử lý thủ công",
            "Quy trình con (thu gọn)", "Gọi quy trình khác (call activity)"} <= set(entries), entries
    assert not [e for e in entries if ENGLISH_WORDS.search(e)], entries
    assert page.locator(".djs-popup-title").inner_text().strip() == "Đổi loại phần tử"
    header = titles(page, ".djs-popup-header .entry")
    assert {"Lặp", "Nhiều lần song song (multi-instance)"} <= set(header.values()), header

    align = select_three_and_open_align(page)
    assert align[0] == "Căn chỉnh các phần tử" and "Căn trái" in align, align
    assert "Dàn đều các phần tử theo chiều ngang" in align, align
    assert page.get_attribute(".djs-search-container input", "aria-label") == "Tìm trong sơ đồ"

    # the table the page holds names every template the vendored bpmn-js hands to translate
    table = page.evaluate("Object.keys(window.tthcModelerWords.vi)")
    missing = sorted(templates_of_the_vendored_build() - set(table))
    assert not missing, missing
    assert len(table) >= 120
    # an unknown template falls back to English, its {replacements} filled
    said = page.evaluate("() => { const t = window.tthcModeler.get('translate'); return"
                         " [t('Open {element}', {element: 'A'}), t('No such {x} here', {x: 'words'})]; }")
    assert said == ["Mở A", "No such words here"]
    assert not admin.errors, admin.errors


def test_bpmn_js_stays_english_on_the_english_modeler(browser, server):  # noqa: F811
    admin = Person(browser, server, "demo.admin")
    page = open_modeler(admin, english=True)
    palette = titles(page, ".djs-palette .entry")
    assert palette["create.task"] == "Create task"
    assert palette["create.start-event"] == "Create start event"
    assert palette["hand-tool"] == "Activate hand tool"
    pad = open_context_pad_of_the_task(page)
    assert pad["append.append-task"] == "Append task"
    assert pad["replace"] == "Change element"
    assert pad["delete"] == "Delete"
    entries = open_replace_menu(page)
    assert {"Task", "Service task", "Manual task"} <= set(entries), entries
    assert page.locator(".djs-popup-title").inner_text().strip() == "Change element"
    align = select_three_and_open_align(page)
    assert align[0] == "Align elements" and "Align elements left" in align, align
    assert page.get_attribute(".djs-search-container input", "aria-label") == "Search in diagram"
    said = page.evaluate("window.tthcModeler.get('translate')('Open {element}', {element: 'A'})")
    assert said == "Open A"
    assert not admin.errors, admin.errors
