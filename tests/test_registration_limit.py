"""Citizen registration is rate-limited per client address, as the public lookup is: a refused registration says
whether a CCCD already has an account, and nothing bounded how many a script could try. At most 10 registrations
(accepted or refused) per address in 60 minutes, on the page and the API; the 11th is 429 with when to retry;
another address, and the same one an hour later, go on."""
from __future__ import annotations

from datetime import timedelta

from conftest import CITIZEN
from web_support import Web

from engine.cases import portal_cases


def _citizen(i: int) -> dict:
    return {"full_name": "Trần Thị Bình", "cccd": f"0011990002{i:02d}", "cccd_issued_on": "2020-01-01",
            "phone": "0987654321", "password": "matkhau123"}


def _api(api, i: int, addr: str = "10.1.2.3"):
    return api.client.post("/api/v1/citizens", json=_citizen(i), environ_base={"REMOTE_ADDR": addr})


def test_the_api_refuses_the_eleventh_registration_from_one_address_in_an_hour(api, clock):
    assert portal_cases.REGISTER_LIMIT == 10
    for i in range(9):
        assert _api(api, i).status_code == 201, i
    taken = api.client.post("/api/v1/citizens", json={**_citizen(0), "cccd": CITIZEN},
                            environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert taken.status_code == 409  # the tenth, refused: counted all the same
    r = _api(api, 10)
    assert r.status_code == 429 and r.get_json()["error"]["code"] == "too_many_requests", r.get_json()
    assert "Quá 10 lượt đăng ký tài khoản trong 60 phút" in r.get_json()["error"]["message"]
    assert 3500 <= int(r.headers["Retry-After"]) <= 3601
    assert _api(api, 10, addr="10.9.9.9").status_code == 201  # another address
    assert api.get("/tra-cuu?q=" + CITIZEN).status_code == 200  # the lookups are counted apart
    clock.set(clock.now() + timedelta(minutes=61))
    assert _api(api, 11).status_code == 201


def test_the_registration_page_says_when_to_come_back(app, clock):
    for i in range(10):  # each from a browser of its own, one address (a test client's 127.0.0.1)
        Web(app.test_client()).post("/dang-ky", {**_citizen(20 + i), "password2": "matkhau123"}, status=302)
    r = Web(app.test_client()).post("/dang-ky", {**_citizen(40), "password2": "matkhau123"}, status=429)
    page = r.get_data(as_text=True)
    assert "Mỗi địa chỉ chỉ được đăng ký tối đa 10 tài khoản trong 60 phút" in page and "Bộ phận Một cửa" in page
    assert r.headers["Retry-After"]
