"""The engine's refusals on English pages: the error page and the forms' error summaries said the engine's
Vietnamese message (engine.core.errors) under an English title. An English page now says the English text of the
refusal's code (engine.web.refusals.REFUSAL_TEXT), the engine's own words following in smaller print; Vietnamese pages
and the JSON API (api.md: integrators rely on its messages) say the engine's message as before."""
from __future__ import annotations

import re

import pytest
from staff_support import officer_of_another_ward
from web_support import Web, text_of

from engine.data.model import OFFICER_ROLES
from engine.web import refusals, ui

OTHER_OFFICER = "other.loi"  # every officer role, in another agency
MISSING = "000.00.06.H56-261123-9999"


@pytest.fixture
def backend():
    """Words of the pages, the same on both databases."""
    return "sqlite"


@pytest.fixture
def other_officer(app, clock):
    return officer_of_another_ward(app, clock.now(), OTHER_OFFICER, set(OFFICER_ROLES))


def web_in(app, username: str, lang: str | None) -> Web:
    web = Web(app.test_client()).login(username)
    if lang:
        web.post("/ngon-ngu", {"lang": lang}, status=302)
    return web


@pytest.fixture
def intake_task(api):
    code = api.file()["code"]
    return api.task_for("demo.tiepnhan", code)["id"]


def test_an_english_officer_opening_another_agencys_task_reads_english(app, api, other_officer, intake_task):
    page = text_of(web_in(app, other_officer, "en").get(f"/can-bo/cong-viec/{intake_task}", status=404))
    assert "Task not found" in page
    assert "Not found" in page  # the title, as before


def test_an_english_officer_opening_a_missing_dossier_reads_english(app):
    response = web_in(app, "demo.tiepnhan", "en").get(f"/can-bo/ho-so/{MISSING}", status=404)
    page = response.get_data(as_text=True)
    assert "<p>Dossier not found</p>" in page
    assert '<p class="small" lang="vi">' not in page  # the engine's words are the same text: not said twice


def test_the_same_refusals_on_vietnamese_pages_are_unchanged(app, api, other_officer, intake_task):
    page = text_of(web_in(app, other_officer, None).get(f"/can-bo/cong-viec/{intake_task}", status=404))
    assert "Không tìm thấy công việc" in page and "Task not found" not in page
    page = web_in(app, "demo.tiepnhan", "vi").get(f"/can-bo/ho-so/{MISSING}", status=404).get_data(as_text=True)
    assert "<p>Không tìm thấy hồ sơ</p>" in page and "Dossier not found" not in page


def test_the_api_keeps_the_engines_vietnamese_messages(api, other_officer, intake_task):
    r = api.get(f"/api/v1/tasks/{intake_task}", other_officer)
    assert r.status_code == 404
    assert r.get_json()["error"] == {**r.get_json()["error"], "code": "task_not_found",
                                     "message": "Không tìm thấy công việc"}
    r = api.get(f"/api/v1/dossiers/{MISSING}", "demo.tiepnhan")
    assert r.status_code == 404
    assert r.get_json()["error"]["message"] == "Không tìm thấy hồ sơ"


def test_an_english_text_keeps_the_engines_own_words_in_smaller_print(app):
    """A refusal whose message says more than its code (who finished the task, and when) keeps it, marked
    Vietnamese; a code the table does not know, or a Vietnamese page, is the engine's message as it is."""
    from engine.core.errors import Conflict, Invalid

    done = Conflict("Công việc đã được Nguyễn Văn A hoàn thành lúc 09:00 23/11/2026", code="task_completed")
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        said = refusals.refusal_text(done)
        assert said == "This task has already been completed" and said.original == done.message
        page, status = ui.error_page(409, said)
        assert status == 409 and '<p class="small" lang="vi">Công việc đã được Nguyễn Văn A' in page
        unknown = Invalid("Thiếu chữ ký", code="rule_violation")
        assert refusals.refusal_text(unknown) == "Thiếu chữ ký"
    with app.test_request_context("/"):
        assert refusals.refusal_text(done) == done.message


def test_every_code_of_the_table_is_one_the_engine_raises():
    """A code misspelt in the table would never match: each is raised somewhere in the engine."""
    from pathlib import Path

    engine = Path(refusals.__file__).resolve().parent.parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in engine.rglob("*.py"))
    missing = [code for code in refusals.REFUSAL_TEXT  # raised by keyword, or a refusal class's own (status, code)
               if f'code="{code}"' not in source and not re.search(rf'code = \d+, "{code}"', source)]
    assert not missing, missing
