"""Results in the format of Vietnamese administrative documents (D34, NĐ 30/2020): the procedure's own layout,
rendered from the dossier with Vietnamese dates and money, the signer block of the agency, in a sandbox."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import CITIZEN, SAMPLE, SAMPLE_FORM, STEP_DATA
from engine.core import templating, vocabulary
from engine.core.clock import VN_TZ
from engine.core.errors import DefinitionError
from engine.data.model import Dossier, ProcedureVersion
from engine.paperwork import authority, resultdata, resultlayouts, results
from engine.process import procedures

FOLDER = SAMPLE.parent
FORMS = SAMPLE.parent.parent.parent / "forms"
# A household business whose workforce count looks like a year: only money is grouped by thousands.
FORM = {**SAMPLE_FORM, "von_kinh_doanh": 150_000_000, "so_lao_dong": 2000}


def text_of(content: bytes) -> str:
    """The text of every page, its lines joined by single spaces (where the layout breaks a line is not tested)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())


def approved(api, form=FORM) -> str:
    code = api.file(CITIZEN, form=form)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    return code


def test_the_sample_certificate_reads_like_the_official_one(api, app, settings, clock):
    code = approved(api)
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.registration_number == "33A8000001"  # given at the approval, kept for life
        content = results.render_draft(settings, dossier, "department_leader", "approved", "", clock.now(),
                                       number="12/GCN-UBND", signer_name="Phạm Minh Lãnh")
    text = text_of(content)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 12/GCN-UBND",
                     "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH", "Mã số hộ kinh doanh: 33A8000001",
                     "Huế, ngày 23 tháng 11 năm 2026",  # the agency's place, not the province of the settings
                     "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Phạm Minh Lãnh",
                     "Vốn kinh doanh: 150.000.000 đồng", "Số lượng lao động: 2000", "Sinh ngày: 14/03/1999",
                     "TẠP HÓA BÌNH AN", "Nơi nhận:", code):
        assert expected in text, (expected, text)
    for wrong in ("Thừa Thiên Huế", "LÃNH ĐẠO PHÒNG", "2.000", "1999-03-14", "văn thư ghi số"):
        assert wrong not in text, wrong


def test_the_draft_the_leader_signs_is_the_certificate_with_its_signer(api, app, settings):
    code = approved(api)
    dossier = api.get(f"/api/v1/dossiers/{code}", "demo.vanthu").get_json()
    draft = [d for d in dossier["documents"] if d["kind"] == "result_draft"][0]
    assert [(s["signer"], s["valid"]) for s in draft["signatures"]] == [("Phạm Minh Lãnh", True)]
    text = text_of(api.get(draft["url"], "demo.vanthu").data)
    assert "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH" in text and "KT. CHỦ TỊCH" in text and "Phạm Minh Lãnh" in text


def test_a_refusal_is_the_notice_signed_by_the_head_of_the_ward(api):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_refusal", STEP_DATA["propose_refusal"])
    api.act("demo.lanhdao", code, "refuse", {"reasons": ["Ngành nghề thuộc danh mục cấm kinh doanh"]})
    dossier = api.get(f"/api/v1/dossiers/{code}", "demo.vanthu").get_json()
    draft = [d for d in dossier["documents"] if d["kind"] == "result_draft"][0]
    text = text_of(api.get(draft["url"], "demo.vanthu").data)
    assert "THÔNG BÁO TỪ CHỐI GIẢI QUYẾT HỒ SƠ" in text and "Ngành nghề thuộc danh mục cấm kinh doanh" in text
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text and "Số: 1/TB-UBND" in text and "Hoàng Văn Trưởng" in text and "KT." not in text
    assert "Mã số hộ kinh doanh" not in text


@pytest.mark.parametrize(("value", "prop", "printed"), [
    (2000, {"type": "integer", "title": "Năm sinh"}, "2000"),  # was "2.000"
    (46190000123, {"type": "integer"}, "46190000123"),  # a code
    (100000, {"type": "integer", "format": "money"}, "100.000 đồng"),
    (-1500000, {"type": "integer", "format": "money"}, "-1.500.000 đồng"),
    ("1999-03-14", {"type": "string", "format": "date"}, "14/03/1999"),
    (True, {"type": "boolean"}, "Có"),
])
def test_values_print_by_their_declared_type(value, prop, printed):
    assert vocabulary.vn_value(value, prop) == printed
    assert resultdata.rows({"x": value}, {"properties": {"x": {**prop, "title": "X"}}}) == [("X", printed)]


@pytest.mark.parametrize(("day", "words"), [
    (date(2026, 12, 2), "Huế, ngày 02 tháng 12 năm 2026"),
    (date(2026, 3, 5), "Huế, ngày 05 tháng 3 năm 2026"),  # no leading zero from March (NĐ 30)
    (date(2026, 2, 14), "Huế, ngày 14 tháng 02 năm 2026"),  # January and February take one
    (datetime(2026, 11, 30, 18, 0, tzinfo=VN_TZ).astimezone(datetime.now().astimezone().tzinfo),
     "Huế, ngày 30 tháng 11 năm 2026"),
])
def test_the_date_in_words(day, words):
    assert vocabulary.vn_date_words(day, "Huế") == words


@pytest.mark.parametrize(("number", "words"), [
    (0, "không"), (1, "một"), (5, "năm"), (10, "mười"), (11, "mười một"), (14, "mười bốn"),
    (15, "mười lăm"),  # lăm after a ten
    (21, "hai mươi mốt"),  # mốt after "mươi", một elsewhere
    (24, "hai mươi tư"),  # tư after "mươi", bốn elsewhere
    (25, "hai mươi lăm"), (101, "một trăm linh một"),  # "linh" for an empty ten (not "lẻ")
    (1000, "một nghìn"), (1999, "một nghìn chín trăm chín mươi chín"), (2005, "hai nghìn không trăm linh năm"),
    (2026, "hai nghìn không trăm hai mươi sáu"), (2080, "hai nghìn không trăm tám mươi"), ("31", "ba mươi mốt"),
])
def test_numbers_in_words(number, words):
    assert vocabulary.number_words(number) == words
    env = templating.environment()  # the result templates' filter
    assert env.from_string("{{ n | vn_number_words }}").render(n=number) == words


@pytest.mark.parametrize("bad", [1.5, "mười", True, None, ""])
def test_only_whole_numbers_have_words(bad):
    with pytest.raises(ValueError):
        vocabulary.number_words(bad)


@pytest.mark.parametrize(("agency", "role", "block"), [
    ("Ủy ban nhân dân phường Thuận Hóa", "head_of_agency", ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]),
    ("Ủy ban nhân dân phường Thuận Hóa", "department_leader", ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]),
    ("UBND xã Hương Sơ", "department_leader", ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]),
    ("Sở Tư pháp thành phố Huế", "head_of_agency", ["GIÁM ĐỐC"]),
    ("Sở Tư pháp thành phố Huế", "department_leader", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]),
    ("Trung tâm Phục vụ hành chính công", "centre_director", ["GIÁM ĐỐC"]),
    ("Chi cục Thuế khu vực", "head_of_agency", ["CHI CỤC TRƯỞNG"]),
    # the police of a centrally-run city is headed by its director; a ward's one-stop director is not its chairman
    ("Công an thành phố Huế", "head_of_agency", ["GIÁM ĐỐC"]),
    ("Công an thành phố Huế", "department_leader", ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]),
    ("Ủy ban nhân dân phường Thuận Hóa", "centre_director", ["GIÁM ĐỐC TRUNG TÂM"]),
])
def test_the_signer_block_follows_the_agency_and_the_role(agency, role, block):
    assert authority.signer_block(agency, role) == block


@pytest.mark.parametrize("source", [
    "{{ ''.__class__ }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}", "{{ form.__init__.__globals__ }}",
    "{% if ''.__class__ %}x{% endif %}", "{{ rows.append(1) }}", "{{ cycler.__init__.__globals__.os }}",
])
def test_a_template_cannot_reach_python(source):
    facts = resultdata.ResultFacts("1.0", "Thủ tục", "UBND phường A", "X-1", "An", {}, {},
                                   datetime(2026, 12, 2, tzinfo=VN_TZ))
    with pytest.raises(templating.TemplateProblem) as caught:
        resultlayouts.html(facts, ("t.html", "line one\n" + source))
    assert caught.value.line == 2 and ("unsafe" in caught.value.message or "undefined" in caught.value.message)


def test_a_template_reads_no_file(settings, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("BÍ-MẬT-123")
    facts = resultdata.ResultFacts("1.0", "Thủ tục", "UBND phường A", "X-1", "An", {}, {},
                                   datetime(2026, 12, 2, tzinfo=VN_TZ))
    page = (f'{{% extends "van-ban.html" %}}{{% block body %}}<link rel="attachment" href="{secret.as_uri()}">'
            f'<img src="{secret.as_uri()}"><p>Nội dung</p>{{% endblock %}}')
    content = resultlayouts.render(facts, settings.font_dir, ("t.html", page))
    assert b"/EmbeddedFile" not in content and "Nội dung" in text_of(content)


def test_the_layout_is_part_of_the_version(tmp_path, api, app, settings, clock):
    """D34: deploy stores the template's text in the version; a changed template is a new version, and a dossier
    of the old version still renders with its own layout."""
    code = approved(api)
    folder = tmp_path / "ho-kinh-doanh"
    shutil.copytree(FOLDER, folder)
    template = folder / "result.html"
    template.write_text(template.read_text(encoding="utf-8").replace("Mã số hộ kinh doanh", "Mã số HKD (mới)"),
                        encoding="utf-8")
    definition = procedures.load_file(folder / SAMPLE.name, FORMS)
    assert definition.info["result"]["template"] == template.read_text(encoding="utf-8")
    with app.extensions["tthc"]["sessions"].begin() as session:
        version, changed = procedures.deploy(session, definition, clock.now())
        assert changed and version.version == 2
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.procedure_version.version == 1
        old = text_of(results.render_draft(settings, dossier, "head_of_agency", "approved", "", clock.now()))
        assert "Mã số hộ kinh doanh: 33A8000001" in old and "(mới)" not in old
        assert "Mã số HKD (mới)" in session.get(ProcedureVersion, version.id).info["result"]["template"]


def test_a_broken_template_stops_the_deploy_with_its_line(tmp_path):
    folder = tmp_path / "ho-kinh-doanh"
    shutil.copytree(FOLDER, folder)
    (folder / "result.html").write_text('{% extends "van-ban.html" %}\n{% block body %}\n{% if %}\n{% endblock %}\n')
    with pytest.raises(DefinitionError) as caught:
        procedures.load_file(folder / SAMPLE.name, FORMS)
    [problem] = caught.value.problems
    assert problem.file.endswith("result.html") and problem.line == 3, problem


def test_an_upload_carries_its_template_or_finds_the_shipped_one(api, app):
    import io

    def upload(files: dict[str, bytes]):
        data = {"bpmn": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name),
                "forms": [(io.BytesIO(raw), name) for name, raw in files.items()]}
        return api.post("/api/v1/procedures", "demo.admin", data=data, content_type="multipart/form-data")

    r = upload({})  # the shipped procedure's folder holds its template: nothing changed
    assert r.status_code == 201 and r.get_json()["changed"] is False, r.get_json()
    changed = (FOLDER / "result.html").read_text(encoding="utf-8").replace("Mã số hộ kinh doanh", "Mã số HKD")
    r = upload({"result.html": changed.encode()})
    assert r.status_code == 201 and r.get_json()["version"] == 2, r.get_json()
    with app.extensions["tthc"]["sessions"]() as session:
        info = session.scalar(select(ProcedureVersion).where(ProcedureVersion.version == 2)).info
        assert "Mã số HKD" in info["result"]["template"]
    r = upload({"result.html": b'{% extends "van-ban.html" %}\n{% block body %}{{ }}{% endblock %}'})
    assert r.status_code == 422 and r.get_json()["error"]["problems"][0]["line"] == 2, r.get_json()


def test_a_bpmn_file_copied_without_its_template_deploys_with_the_generic_layout(tmp_path):
    import os
    import subprocess
    import sys

    shutil.copy(SAMPLE, tmp_path / SAMPLE.name)
    definition = procedures.load_file(tmp_path / SAMPLE.name, FORMS)
    assert definition.info["result"]["template"] is None
    assert definition.info["result"]["template_missing"] == "result.html"
    root = SAMPLE.parent.parent.parent
    done = subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", "validate", str(tmp_path / SAMPLE.name)],
                          cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root), "HOME": str(tmp_path)})
    assert done.returncode == 0 and "không có tệp mẫu kết quả result.html" in done.stderr, done.stderr
