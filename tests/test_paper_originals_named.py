"""D9: a component that carries a valid digital signature is accepted without paper; no paper may be asked for
it; where paper originals are legally required, the supplement request must say so explicitly. The building
permit (1.009994) requires paper originals: its Mẫu 02 said "Bản chính các giấy tờ phải nộp khi nhận kết quả",
every original, the application the citizen had signed digitally included, naming none, while the officer was
(rightly) refused when asking paper for that application. It now names the components whose originals are handed
in at collection, and says the signed one needs no paper."""
from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

from conftest import CITIZEN, vn
from engine.process import procedures
from test_official_forms import issued, text_of
from test_paper_request_checks import _signed_pdf

FOLDER = Path(__file__).resolve().parent.parent / "processes" / "giay-phep-xay-dung"
RECEIVER = "demo.tiepnhan"
APPLICATION = "Đơn đề nghị cấp giấy phép xây dựng"
LAND = "Bản sao giấy tờ chứng minh quyền sử dụng đất"


def test_the_supplement_request_names_the_originals_and_not_the_signed_application(app, api, settings, clock):
    clock.set(vn(2026, 12, 7, 9, 0))  # Monday
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(FOLDER / "giay-phep-xay-dung.bpmn", settings.forms_dir),
                          clock.now(), "tester")
    form = json.loads((FOLDER / "sample.json").read_text(encoding="utf-8"))["form"]
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "1.009994", "form": form})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    r = api.post(f"/api/v1/dossiers/{code}/documents", CITIZEN, content_type="multipart/form-data",
                 data={"component": "don_de_nghi", "file": (BytesIO(_signed_pdf(settings)), "don.pdf")})
    assert r.status_code == 201 and {s["status"] for s in r.get_json()["signatures"]} == {"valid"}, r.get_json()
    clock.set(vn(2026, 12, 7, 9, 20))
    api.act(RECEIVER, code, "request_supplement", {"items": [
        {"component": "ban_ve", "problem": "Thiếu bản vẽ mặt cắt chính", "required": "Bổ sung bản vẽ mặt cắt chính"}]})
    _, content = issued(app, clock, code, "intake", "request_supplement")
    text = text_of(content)
    originals = text.split("phải nộp khi nhận kết quả")[1].split("Không phải nộp bản giấy")[0]
    assert LAND in originals and APPLICATION not in originals, text
    exempt = text.split("Không phải nộp bản giấy (đã có chữ ký số hợp lệ):")[1]
    assert exempt.lstrip().startswith(APPLICATION), text
