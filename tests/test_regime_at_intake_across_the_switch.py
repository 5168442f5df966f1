"""Regimes and D1, D40: since 01/07/2025 the rules are NĐ 118/2025 with the forms of TT 03/2025; a dossier keeps the
rules in force when it was RECEIVED. A filing of Mon 30/06/2025 afternoon not received yet has no rule set of its
own to keep: what the one-stop issues at intake on Tue 01/07/2025 follows the rules then in force, as its receipt
that day does. The supplement request (Mẫu 02) and the refusal (Mẫu 03) issued on 01/07/2025 cited the repealed
TT 01/2018, while the receipt the same morning cited TT 03/2025; the stop notice of a filing withdrawn on 01/07/2025
before intake said it had no form, "Căn cứ Nghị định số 61/2018/NĐ-CP". A dossier received on 30/06/2025 keeps TT 01/2018
to the end (D1)."""
from __future__ import annotations

import io
import unicodedata
from datetime import datetime

import pytest
from pypdf import PdfReader

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, settings_with_keys, vn
from engine.core.clock import VN_TZ

RECEIVER, SPECIALIST = "demo.tiepnhan", "demo.chuyenvien"
KEYS_ISSUED = datetime(2025, 1, 2, 8, 0, tzinfo=VN_TZ)  # the demo keys valid in mid-2025
OLD, NEW = "Thông tư số 01/2018/TT-VPCP", "Thông tư số 03/2025/TT-VPCP"


@pytest.fixture(scope="module")
def pki_2025(tmp_path_factory):
    return tmp_path_factory.mktemp("pki-2025")


@pytest.fixture
def settings(database_url, tmp_path, pki_2025):
    return settings_with_keys(tmp_path / "data", database_url, pki_2025, KEYS_ISSUED)


def texts(api, code: str, kind: str) -> list[str]:
    out = []
    for doc in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"]:
        if doc["kind"] == kind:
            raw = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(api.get(doc["url"], CITIZEN).data)).pages)
            out.append(" ".join(unicodedata.normalize("NFC", raw).split()))
    return out


def test_a_filing_of_30_june_sent_back_on_1_july_gets_the_new_forms_and_so_does_its_receipt(api, clock):
    clock.set(vn(2025, 6, 30, 16, 50))
    code = api.file(CITIZEN)["code"]
    clock.set(vn(2025, 7, 1, 8, 0))
    api.act(RECEIVER, code, "request_supplement", STEP_DATA["request_supplement"])
    [asked] = texts(api, code, "supplement_request")
    assert NEW in asked and OLD not in asked
    clock.set(vn(2025, 7, 1, 9, 0))
    api.tokens.clear()
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN,
                    json={"form": SAMPLE_FORM, "note": "Đã bổ sung"}).status_code == 200
    clock.set(vn(2025, 7, 1, 9, 30))
    api.act(RECEIVER, code, "receive")
    [receipt] = texts(api, code, "receipt")
    assert NEW in receipt and OLD not in receipt


def test_refused_or_withdrawn_on_1_july_before_intake_the_new_forms(api, clock):
    clock.set(vn(2025, 6, 30, 16, 40))
    refused = api.file(CITIZEN)["code"]
    withdrawn = api.file(CITIZEN)["code"]
    clock.set(vn(2025, 7, 1, 9, 30))
    api.act(RECEIVER, refused, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh theo quy định"]})
    [refusal] = texts(api, refused, "refusal")
    assert NEW in refusal and OLD not in refusal
    r = api.post(f"/api/v1/dossiers/{withdrawn}/withdraw", CITIZEN, json={"reason": "Tôi muốn rút hồ sơ"})
    assert r.status_code == 200, r.get_json()
    [stop] = texts(api, withdrawn, "stop_notice")
    assert "Nghị định số 118/2025/NĐ-CP" in stop and "61/2018" not in stop and "Không có mẫu" not in stop


def test_a_dossier_received_on_30_june_keeps_the_old_forms_after_the_switch(api, clock):
    clock.set(vn(2025, 6, 30, 9, 0))
    code = api.file(CITIZEN)["code"]
    api.act(RECEIVER, code, "receive")
    clock.set(vn(2025, 7, 1, 9, 0))
    api.tokens.clear()
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    [asked] = texts(api, code, "supplement_request")
    assert OLD in asked and NEW not in asked


def test_the_control_slip_of_a_filing_refused_on_1_july_follows_the_refusal(api, clock):
    """The control slip (D30) printed for a filing of 30/06/2025 refused on 01/07/2025 cited TT 01/2018 while the
    refusal of the same morning cited TT 03/2025; one refused on 30/06/2025 keeps TT 01/2018 when printed later."""
    clock.set(vn(2025, 6, 30, 16, 40))
    late, early = api.file(CITIZEN)["code"], api.file(CITIZEN)["code"]
    clock.set(vn(2025, 6, 30, 16, 50))
    api.act(RECEIVER, early, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh theo quy định"]})
    clock.set(vn(2025, 7, 1, 9, 30))
    api.tokens.clear()
    api.act(RECEIVER, late, "refuse", {"reasons": ["Ngành nghề cấm kinh doanh theo quy định"]})
    clock.set(vn(2025, 7, 2, 9, 0))
    api.tokens.clear()
    for code, regime, other in ((late, NEW, OLD), (early, OLD, NEW)):
        [refusal] = texts(api, code, "refusal")
        r = api.get(f"/api/v1/dossiers/{code}/control-slip", RECEIVER)
        assert r.status_code == 200
        raw = " ".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(r.data)).pages)
        slip = " ".join(unicodedata.normalize("NFC", raw).split())
        assert regime in refusal and regime in slip and other not in slip, (code, slip[:300])
