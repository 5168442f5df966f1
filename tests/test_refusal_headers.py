"""HTTP's own words beside a refusal: a 401 of the API says how to authenticate (WWW-Authenticate: Bearer, RFC
6750), a 429 when to try again (Retry-After, RFC 9110), from the limit's own end; they carried neither."""
from __future__ import annotations

import pytest


@pytest.fixture
def backend():
    return "sqlite"


def test_a_401_of_the_api_names_the_bearer_scheme(api):
    r = api.client.get("/api/v1/dossiers")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"] == 'Bearer realm="tthc"'
    r = api.client.get("/api/v1/dossiers", headers={"Authorization": "Bearer khong-hop-le"})
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_429_of_the_login_limit_says_when_to_try_again(api, clock):
    for n in range(100):  # many names from one address: the address's limit (TooManyLogins)
        r = api.client.post("/api/v1/auth/token", json={"username": f"khong.ton.tai{n}", "password": "sai-mat-khau"})
        if r.status_code == 429:
            break
    assert r.status_code == 429, r.get_json()
    assert 1 <= int(r.headers["Retry-After"]) <= 15 * 60
