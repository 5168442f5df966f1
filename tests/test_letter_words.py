"""A letter's reason on an English page: the engine's opening words (its fault) in English, the officer's own
words as written; a Vietnamese page shows it as stored (engine.web.letter_words). The sample dossier, received
Mon 23/11/2026, is overdue Fri 27/11 09:00; at 11:00 its head issues the apology (D19, D20)."""
from __future__ import annotations

from conftest import CITIZEN, iso, sign_requested
from test_overdue_apology import HEAD, REASON, at, complete, open_tasks, received, sweep
from web_support import Web, text_of

from engine.paperwork import letters
from engine.web import letter_words


def test_the_opening_words_are_the_engines():
    assert sorted(letter_words.LEAD_INS) == sorted(text.split("{detail}")[0] for text in letters.FAULTS.values())


def test_the_apology_reads_in_english_on_both_faces(api, app, settings, clock):
    code = received(api)
    assert sweep(app, settings, 2026, 11, 27, 9, 0).effects["overdue"] == 1
    at(api, clock, 2026, 11, 27, 11, 0)
    (task,) = open_tasks(api, HEAD, code)
    done = complete(api, HEAD, task["id"], "issue_apology", {"reason": REASON, "new_due_at": iso(2026, 11, 30, 9, 0)})
    assert done.status_code == 200, done.get_json()
    sign_requested(app, code)
    for user, path in ((CITIZEN, f"/ca-nhan/ho-so/{code}"), ("demo.chuyenvien", f"/can-bo/ho-so/{code}")):
        web = Web(app.test_client()).login(user)
        web.post("/ngon-ngu", {"lang": "en", "next": "/"}, status=302)
        page = text_of(web.get(path))
        assert f"The dossier was not resolved on time: {REASON}" in page, user  # was its Vietnamese lead-in
        web.post("/ngon-ngu", {"lang": "vi", "next": "/"}, status=302)
        assert f"Hồ sơ chưa được giải quyết đúng hạn: {REASON}" in text_of(web.get(path))
