"""A copy of a result attached to a dossier does not make a second way into the citizen's store (D24, D4).

Results enter the store only as the citizen's OWN results in force: a result corrected by a re-issue leaves the
store even when it was earlier attached to another dossier of the citizen (only the one in force can be reused),
and a result copied into a dossier that another citizen also sees (filed for its owner, D4) does not become that
other citizen's. The signed components a citizen uploaded stay reusable once copied into another dossier."""
from __future__ import annotations

from io import BytesIO

from conftest import CITIZEN, STEP_DATA, vn
from identity_support import checked
from test_result_reissue import CORRECTED, issued, reissued, results_of
from test_signatures import _signed_upload
from web_support import OTHER_CITIZEN, other_citizen

COMPONENT = "Giấy đề nghị đăng ký hộ kinh doanh"
B_OWNER = {"full_name": "Phan Văn Khác", "birth_date": "1990-01-01", "cccd": OTHER_CITIZEN}
A_OWNER = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}


def at(api, clock, *when) -> None:
    """The clock moves to that moment (Vietnam time); everybody logs in again (a session lasts hours, not days)."""
    clock.set(vn(*when))
    api.tokens.clear()


def store(api, user: str) -> list[dict]:
    r = api.get("/api/v1/me/documents", user)
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def reuse(api, user: str, code: str, document_id: int):
    return api.post(f"/api/v1/dossiers/{code}/documents", user, json={"reuse": document_id, "component": COMPONENT})


def refused_reuse(api, user: str, code: str, document_id: int) -> None:
    r = reuse(api, user, code, document_id)
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "document_not_found", r.get_json()
    assert [d for d in api.get(f"/api/v1/dossiers/{code}", user).get_json()["documents"] if d["kind"] == "filing"] == []


def granted(api, user: str) -> dict:
    """A dossier the citizen files for themselves, approved, issued and returned online: its result."""
    code = api.file(user)["code"]
    for officer, action in (("demo.tiepnhan", "receive"), ("demo.chuyenvien", "propose_approval"),
                            ("demo.lanhdao", "approve"), ("demo.vanthu", "issue_result"),
                            ("demo.tiepnhan", "return_result")):
        api.act(officer, code, action, STEP_DATA.get(action))
    [result] = results_of(api.get(f"/api/v1/dossiers/{code}", user).get_json())
    return result


def test_a_corrected_result_is_not_reusable_through_an_earlier_copy_of_it(api, clock):
    at(api, clock, 2026, 11, 23, 9, 0)  # Monday: filed, issued, returned
    code = issued(api, returned=True)
    [old] = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    at(api, clock, 2026, 11, 24, 8, 30)  # Tuesday: the citizen attaches it to a second dossier
    second = api.file(CITIZEN)["code"]
    r = reuse(api, CITIZEN, second, old["id"])
    assert r.status_code == 201 and r.get_json()["sha256"] == old["sha256"], r.get_json()
    copy = r.get_json()
    assert len([d for d in store(api, CITIZEN) if d["sha256"] == old["sha256"]]) == 1  # offered once

    at(api, clock, 2026, 11, 25, 10, 0)  # Wednesday: the clerk re-issues, the head signs the correction
    dossier = reissued(api, code, {"reason": "Sai tên hộ kinh doanh", "form": CORRECTED})
    replaced, new = results_of(dossier)
    assert (replaced["id"], replaced["state"]) == (old["id"], "replaced")
    offered = store(api, CITIZEN)
    assert old["sha256"] not in {d["sha256"] for d in offered}
    assert new["id"] in {d["id"] for d in offered}

    third = api.file(CITIZEN)["code"]
    refused_reuse(api, CITIZEN, third, copy["id"])
    refused_reuse(api, CITIZEN, third, old["id"])
    r = reuse(api, CITIZEN, third, new["id"])  # the result in force still is
    assert r.status_code == 201 and r.get_json()["sha256"] == new["sha256"], r.get_json()
    # the officers still see the copy the second dossier was filed with
    filed = api.get(f"/api/v1/dossiers/{second}", "demo.tiepnhan").get_json()["documents"]
    assert copy["id"] in {d["id"] for d in filed if d["kind"] == "filing"}


def test_the_owners_result_attached_to_a_dossier_filed_for_her_is_not_the_filers(api, app, clock):
    at(api, clock, 2026, 11, 23, 9, 0)
    other_citizen(app, clock)
    checked(app, OTHER_CITIZEN)  # B's card seen at the one-stop: she sees the dossiers filed for her (D4)
    mine = granted(api, OTHER_CITIZEN)  # B's own certificate
    at(api, clock, 2026, 11, 26, 14, 0)  # Thursday: A files for B (D4), B attaches her certificate to it
    for_b = api.file(CITIZEN, owner=B_OWNER)["code"]
    r = reuse(api, OTHER_CITIZEN, for_b, mine["id"])
    assert r.status_code == 201, r.get_json()
    copy = r.get_json()
    assert mine["sha256"] not in {d["sha256"] for d in store(api, CITIZEN)}
    a_own = api.file(CITIZEN)["code"]
    refused_reuse(api, CITIZEN, a_own, copy["id"])
    refused_reuse(api, CITIZEN, a_own, mine["id"])
    # B keeps her result in force in her store
    assert [d["id"] for d in store(api, OTHER_CITIZEN) if d["sha256"] == mine["sha256"]] == [mine["id"]]


def test_a_citizens_result_copied_into_a_dossier_filed_for_another_is_not_that_persons(api, app, clock):
    at(api, clock, 2026, 11, 23, 9, 0)
    other_citizen(app, clock)
    code = issued(api, returned=True)
    [result] = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    at(api, clock, 2026, 11, 27, 9, 15)  # Friday: A files for B and attaches A's own certificate
    for_b = api.file(CITIZEN, owner=B_OWNER)["code"]
    r = reuse(api, CITIZEN, for_b, result["id"])
    assert r.status_code == 201, r.get_json()
    assert result["sha256"] not in {d["sha256"] for d in store(api, OTHER_CITIZEN)}
    b_own = api.file(OTHER_CITIZEN)["code"]
    refused_reuse(api, OTHER_CITIZEN, b_own, r.get_json()["id"])
    assert result["id"] in {d["id"] for d in store(api, CITIZEN)}


def test_a_signed_component_copied_into_another_dossier_stays_reusable(api, settings, clock):
    at(api, clock, 2026, 11, 23, 9, 0)
    first = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{first}/documents", CITIZEN, content_type="multipart/form-data",
                 data={"component": COMPONENT, "file": (BytesIO(_signed_upload(settings)), "de-nghi.pdf")})
    assert r.status_code == 201, r.get_json()
    upload = r.get_json()
    at(api, clock, 2026, 11, 30, 9, 0)  # the next Monday: copied into a second dossier
    second = api.file(CITIZEN)["code"]
    assert reuse(api, CITIZEN, second, upload["id"]).status_code == 201
    [offered] = [d for d in store(api, CITIZEN) if d["sha256"] == upload["sha256"]]
    third = api.file(CITIZEN)["code"]
    r = reuse(api, CITIZEN, third, offered["id"])
    assert r.status_code == 201 and r.get_json()["sha256"] == upload["sha256"], r.get_json()
