"""A re-issue (cấp lại, đính chính) still waiting for its signature (D22, D35): the result in force is still the
old one, so the dossier keeps the data that result states until its successor is signed; and a correction
asked by mistake can be withdrawn (by the clerk who asked it, or refused by the head who must sign it), its
number withdrawn as the engine withdraws every unissued number, so that a new correction can be asked."""
from __future__ import annotations

from sqlalchemy import select

from conftest import CITIZEN, SAMPLE_FORM, sign_requested
from test_result_reissue import issued, results_of, text_of

TYPO = {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình Ann"}
RIGHT = {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa Bình An Phát"}


def _reissue(api, code: str, form: dict, reason: str = "Sai tên hộ kinh doanh") -> None:
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", "demo.vanthu", json={"reason": reason, "form": form})
    assert r.status_code == 201, r.get_json()


def _requests(app, code: str) -> list[tuple[str, str, str | None]]:
    """(kind, state, number) of the dossier's re-issue requests, oldest first."""
    from engine.data.model import Dossier
    from engine.data.signing_model import SigningRequest

    with app.extensions["tthc"]["sessions"]() as session:
        return [tuple(row) for row in session.execute(
            select(SigningRequest.kind, SigningRequest.state, SigningRequest.number)
            .join(Dossier, Dossier.id == SigningRequest.dossier_id)
            .where(Dossier.code == code, SigningRequest.kind == "reissue").order_by(SigningRequest.id))]


def _name(api, code: str, who: str = CITIZEN) -> str:
    return api.get(f"/api/v1/dossiers/{code}", who).get_json()["form"]["ten_ho_kinh_doanh"]


def test_a_correction_awaiting_its_signature_leaves_the_dossier_data_of_the_result_in_force_d22(api, app):
    """D22/D35: until the head of agency signs the corrected result, the one in force is the old one, so the
    dossier shows the data it states; the correction applies when its successor is signed, and the corrected
    result prints it."""
    code = issued(api, returned=True)
    _reissue(api, code, RIGHT)
    assert _name(api, code) == "Tạp hóa Bình An" and _name(api, code, "demo.vanthu") == "Tạp hóa Bình An"
    assert sign_requested(app, code) == 1
    assert _name(api, code) == "Tạp hóa Bình An Phát"
    old, new = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    assert (old["state"], new["state"], new["number"]) == ("replaced", "signed", "2/GCN-UBND")
    assert "TẠP HÓA BÌNH AN PHÁT" in text_of(api.get(new["url"], CITIZEN).data)


def test_the_clerk_withdraws_a_pending_correction_its_number_is_withdrawn_and_a_new_one_can_be_asked_d22(api, app):
    """A correction with a typo is not permanent: the clerk withdraws it with a reason (audited), its number is
    withdrawn and never given again (NĐ 30/2020), the signer can no longer sign it, and a new correction gets
    the next number."""
    code = issued(api, returned=True)
    _reissue(api, code, TYPO)
    url = f"/api/v1/dossiers/{code}/results/reissue/withdraw"
    [waiting] = [w for w in api.get("/api/v1/signing-requests", "demo.thutruong").get_json() if w["dossier"] == code]
    assert api.post(url, "demo.tiepnhan", json={"reason": "Gõ nhầm tên"}).status_code == 403
    assert api.post(url, CITIZEN, json={"reason": "Gõ nhầm tên"}).status_code in (403, 404)
    r = api.post(url, "demo.vanthu", json={})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    r = api.post(url, "demo.vanthu", json={"reason": "Gõ nhầm tên hộ kinh doanh"})
    assert r.status_code == 200, r.get_json()
    dossier = r.get_json()
    assert dossier["form"]["ten_ho_kinh_doanh"] == "Tạp hóa Bình An"
    assert [(d["number"], d["state"]) for d in results_of(dossier)] == [("1/GCN-UBND", "signed")]
    assert dossier["history"][-1]["action"] == "withdraw_reissue"
    assert _requests(app, code) == [("reissue", "withdrawn", "2/GCN-UBND")]
    assert not [w for w in api.get("/api/v1/signing-requests", "demo.thutruong").get_json() if w["dossier"] == code]
    signed = api.post(f"/api/v1/signing-requests/{waiting['id']}/sign", "demo.thutruong", json={"pin": "x"})
    assert signed.status_code == 409
    again = api.post(url, "demo.vanthu", json={"reason": "Gõ nhầm tên hộ kinh doanh"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "no_reissue_pending"
    _reissue(api, code, RIGHT, "Sai tên hộ kinh doanh (đính chính lại)")
    assert sign_requested(app, code) == 1
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert dossier["form"]["ten_ho_kinh_doanh"] == "Tạp hóa Bình An Phát"
    assert [(d["number"], d["state"]) for d in results_of(dossier)] == [("1/GCN-UBND", "replaced"),
                                                                        ("3/GCN-UBND", "signed")]


def test_the_head_who_must_sign_refuses_a_pending_correction_with_a_reason_d35(api, app):
    """D35: the signer's consent: the head of agency who must sign a correction may refuse it with a reason;
    it is withdrawn like the clerk's withdrawal, and the trail says who refused and why."""
    code = issued(api)
    _reissue(api, code, TYPO)
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue/withdraw", "demo.thutruong",
                 json={"reason": "Tên hộ kinh doanh chưa đúng với giấy tờ"})
    assert r.status_code == 200, r.get_json()
    last = r.get_json()["history"][-1]
    assert last["action"] == "withdraw_reissue"
    assert _requests(app, code) == [("reissue", "withdrawn", "2/GCN-UBND")]
    assert _name(api, code) == "Tạp hóa Bình An"


def test_the_clerk_withdraws_a_pending_correction_from_the_dossier_page_d22(api, app):
    """The officer's dossier page shows the correction awaiting its signature with a button (CSRF-protected)
    to withdraw it; once withdrawn the correction form is offered again."""
    from web_support import Web, text_of as page_text

    code = issued(api)
    _reissue(api, code, TYPO)
    clerk = Web(app.test_client()).login("demo.vanthu")
    html = clerk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    action = f'action="/can-bo/ho-so/{code}/cap-lai/thu-hoi"'
    assert 'id="form-reissue-withdraw"' in html and action in html and 'id="form-reissue"' not in html
    assert "2/GCN-UBND" in page_text(clerk.get(f"/can-bo/ho-so/{code}"))
    desk = Web(app.test_client()).login("demo.tiepnhan")
    assert 'id="form-reissue-withdraw"' not in desk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    desk.post(f"/can-bo/ho-so/{code}/cap-lai/thu-hoi", {"reason": "Gõ nhầm"}, status=403)
    clerk.post(f"/can-bo/ho-so/{code}/cap-lai/thu-hoi", {"reason": "Gõ nhầm"}, status=400, csrf=False)
    r = clerk.post(f"/can-bo/ho-so/{code}/cap-lai/thu-hoi", {"reason": ""}, status=422)
    assert 'id="reissue-withdraw-reason-error"' in r.get_data(as_text=True)
    clerk.post(f"/can-bo/ho-so/{code}/cap-lai/thu-hoi", {"reason": "Gõ nhầm tên hộ kinh doanh"}, status=302)
    assert _requests(app, code) == [("reissue", "withdrawn", "2/GCN-UBND")]
    html = clerk.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    assert 'id="form-reissue-withdraw"' not in html and 'id="form-reissue"' in html
    assert _name(api, code, "demo.vanthu") == "Tạp hóa Bình An"
