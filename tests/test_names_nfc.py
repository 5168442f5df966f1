"""D3: a name is stored in one Unicode form (NFC), however it was typed.

"Trần" typed decomposed (NFD: a, then the combining grave and circumflex) and composed are the same name: kept as
typed, the two spellings compare unequal byte for byte (look-ups, a dossier's owner against the account) and print
in two forms on official papers.
"""
from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from conftest import vn
from engine.data.model import User
from engine.process.forms import clean_name
from web_support import Web

NAME = "Trần Thị Bình"
TYPED_NFD = unicodedata.normalize("NFD", NAME)


@pytest.fixture
def backend():
    return "sqlite"


def stored_name(app, username: str) -> str:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(User.full_name).where(User.username == username))


def test_clean_name_gives_a_decomposed_name_composed():
    """D3: clean_name returns the NFC form, and counts the name's length in it."""
    assert TYPED_NFD != NAME
    assert clean_name(TYPED_NFD) == NAME
    assert clean_name("  " + TYPED_NFD + " ") == NAME
    long = unicodedata.normalize("NFD", "ễ" * 100)  # 300 characters typed, 100 letters composed
    assert clean_name(long, max_length=100) == "ễ" * 100


def test_a_citizen_registered_through_the_api_with_a_decomposed_name_is_stored_composed(app, api, clock):
    """D3: POST /api/v1/citizens with an NFD name stores the NFC name."""
    clock.set(vn(2027, 3, 15, 9, 0))
    r = api.post("/api/v1/citizens", json={"full_name": TYPED_NFD, "cccd": "046160000778",
                                           "cccd_issued_on": "2021-01-01", "phone": "0912000778",
                                           "password": "matkhau123"})
    assert r.status_code == 201, r.get_json()
    assert stored_name(app, "046160000778") == NAME
    assert r.get_json()["full_name"] == NAME


def test_a_citizen_registered_on_the_portal_with_a_decomposed_name_is_stored_composed(app, clock):
    """D3: the registration page (/dang-ky) with an NFD name stores the NFC name."""
    clock.set(vn(2027, 3, 15, 9, 0))
    Web(app.test_client()).post("/dang-ky", {"full_name": TYPED_NFD, "cccd": "046160000779",
                                             "cccd_issued_on": "2021-01-01", "phone": "0912000779",
                                             "password": "matkhau123", "password2": "matkhau123"}, status=302)
    assert stored_name(app, "046160000779") == NAME
