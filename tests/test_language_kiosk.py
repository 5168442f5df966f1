"""A language a visitor picks on a shared browser (a kiosk at the one-stop) is not written into the next account
that signs in there when that account has chosen its own: the citizen who chose Vietnamese keeps Vietnamese notices
(portal, email, SMS); the page they see on that browser stays as the visitor left it for that sign-in only."""
from __future__ import annotations

from conftest import CITIZEN
from test_language_switch_keeps import SQLITE, notice_language
from web_support import Web


@SQLITE
def test_a_kiosk_visitors_english_does_not_change_an_accounts_own_choice(app):
    web = Web(app.test_client()).login(CITIZEN)
    web.post("/ngon-ngu", {"lang": "vi", "next": "/"}, status=302)  # the account's choice: Vietnamese
    assert notice_language(app, CITIZEN) == "vi"
    web.logout()
    web.post("/ngon-ngu", {"lang": "en", "next": "/"}, status=302)  # the next visitor, not signed in
    web.login(CITIZEN)
    assert notice_language(app, CITIZEN) == "vi"
