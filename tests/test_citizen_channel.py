"""D5, D7: a citizen's own filing (the portal, the app, the JSON API with the citizen's token) comes by the online
channel: its one working hour of intake runs and it counts as online. The desk and the post are recorded by the
receiving officer who takes the paper dossier; a citizen who names them is refused, naming the field, and nothing is
filed. Before, the API took ``"channel": "desk"`` from the citizen: the dossier then had no intake deadline and
counted as a desk receipt."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, iso

OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}


@pytest.fixture
def backend():
    return "sqlite"


def mine(api) -> list[str]:
    return [d["code"] for d in api.get("/api/v1/dossiers", CITIZEN).get_json()]


@pytest.mark.parametrize("channel", ["desk", "post"])
def test_a_citizen_cannot_file_by_the_desk_or_the_post(api, channel):
    before = mine(api)
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "channel": channel})
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert set(error["fields"]) == {"channel"}
    assert "trực tuyến" in error["message"]
    assert mine(api) == before  # nothing filed


def test_a_citizen_naming_the_online_channel_files_with_its_intake_hour(api):
    # the clock stands at Monday 23/11/2026 09:00 (conftest)
    dossier = api.file(CITIZEN, channel="online")
    assert dossier["intake_due_at"] == iso(2026, 11, 23, 10, 0)  # D7: one working hour


def test_the_receiving_officer_still_records_a_desk_and_a_postal_filing(api):
    for channel in ("desk", "post"):
        code = api.file("demo.tiepnhan", owner=OWNER, channel=channel)["code"]
        assert api.get(f"/api/v1/dossiers/{code}", "demo.tiepnhan").status_code == 200
