"""The engine's field messages and its refusals without a known code on English pages: the filing page, the
supplement page, the officers' task page and the administration forms said "Trường này là bắt buộc", "Cần ít nhất
1 mục", "Tờ khai chưa hợp lệ: 3 trường cần sửa"... under English titles. An English page now says them in English
(engine.web.field_messages, used by the templates' field errors and error summaries and by refusals.refusal_text);
Vietnamese pages, and the JSON API (api.md: integrators rely on its messages), say the engine's words as before."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA
from web_support import Web, flatten, text_of

from engine.core.errors import Invalid
from engine.process import forms
from engine.web import field_messages, refusals

ENGINE = Path(forms.__file__).resolve().parent.parent


@pytest.fixture
def backend():
    """Words of the pages, the same on both databases."""
    return "sqlite"


def web_in(app, username: str, lang: str | None) -> Web:
    web = Web(app.test_client()).login(username)
    # chosen every time (None: Vietnamese): an account's choice follows it to another browser
    web.post("/ngon-ngu", {"lang": lang or "vi"}, status=302)
    return web


def bad_filing() -> dict:
    """The filing page's form with a required field blank, a negative count and a malformed phone number."""
    data = flatten({**SAMPLE_FORM, "ten_ho_kinh_doanh": "", "so_lao_dong": "-1", "dien_thoai": "12"})
    data["return_channel"] = "online"
    return data


def file_badly(web: Web):
    return web.post(f"/thu-tuc/{SAMPLE_CODE}/nop", bad_filing(), status=422, content_type="multipart/form-data")


def test_the_filing_page_says_the_field_messages_in_english_on_an_english_page_only(app, api):
    page = text_of(file_badly(web_in(app, CITIZEN, "en")))
    assert "The application form is not valid: 3 field(s) to correct" in page
    assert "Error: This field is required" in page            # next to the field, and in the summary
    assert "Tên hộ kinh doanh : This field is required" in page
    assert "The value is too small" in page and "Exactly 10 digits, starting with 0" in page  # the phone number
    for vietnamese in ("Trường này là bắt buộc", "Giá trị quá nhỏ", "bắt đầu bằng số 0", "Tờ khai chưa hợp lệ",
                       "trường cần sửa"):
        assert vietnamese not in page
    # the Vietnamese page: the engine's words, as before
    page = text_of(file_badly(web_in(app, CITIZEN, None)))
    assert "Tờ khai chưa hợp lệ: 3 trường cần sửa" in page
    assert "Lỗi: Trường này là bắt buộc" in page and "Giá trị quá nhỏ" in page
    assert "Gồm đúng 10 chữ số, bắt đầu bằng số 0" in page
    assert "This field is required" not in page and "field(s) to correct" not in page
    # the JSON API, even from the client that reads English pages: the engine's words (api.md)
    form = {**SAMPLE_FORM, "so_lao_dong": -1}
    del form["ten_ho_kinh_doanh"]
    r = web_in(app, CITIZEN, "en").client.post("/api/v1/dossiers", json={"procedure": SAMPLE_CODE, "form": form},
                                                headers=api.headers(CITIZEN))
    assert r.status_code == 422, r.get_json()
    error = r.get_json()["error"]
    assert error["message"] == "Tờ khai chưa hợp lệ: 2 trường cần sửa"
    assert error["fields"] == {"ten_ho_kinh_doanh": "Trường này là bắt buộc",
                               "so_lao_dong": "Giá trị quá nhỏ (tối thiểu 0)"}  # the bound said


def test_an_english_filing_page_says_a_refusal_without_a_code_and_the_owners_fields_in_english(app):
    """The owner of a dossier filed for someone else, badly given: the engine's refusal has no code."""
    data = flatten(SAMPLE_FORM)
    data.update({"return_channel": "online", "for_other": "on", "owner.full_name": "Trần Thị Bình",
                 "owner.birth_date": "1990-01-01", "owner.cccd": "123"})
    path = f"/thu-tuc/{SAMPLE_CODE}/nop"
    page = text_of(web_in(app, CITIZEN, "en").post(path, data, status=422, content_type="multipart/form-data"))
    assert "The dossier owner's details are not valid (under Nghị định 45/2020/NĐ-CP)" in page
    assert "The citizen ID number must have exactly 12 digits" in page
    assert "Thông tin chủ hồ sơ chưa hợp lệ" not in page and "Số CCCD phải gồm đúng 12 chữ số" not in page
    page = text_of(web_in(app, CITIZEN, "vi").post(path, data, status=422, content_type="multipart/form-data"))
    assert "Thông tin chủ hồ sơ chưa hợp lệ (theo Nghị định 45/2020/NĐ-CP)" in page
    assert "Số CCCD phải gồm đúng 12 chữ số" in page and "12 digits" not in page


def test_an_english_supplement_page_says_the_field_messages_in_english(app, api):
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
    data = flatten({**SAMPLE_FORM, "dia_chi_tru_so": "", "von_kinh_doanh": "nhiều"})
    path = f"/ca-nhan/ho-so/{code}/bo-sung"
    page = text_of(web_in(app, CITIZEN, "en").post(path, data, status=422, content_type="multipart/form-data"))
    assert "The supplemented application form is not valid: 2 field(s) to correct" in page
    assert "This field is required" in page and "Invalid number: type a whole number" in page
    assert "Trường này là bắt buộc" not in page and "Số không hợp lệ" not in page
    assert "Tờ khai bổ sung chưa hợp lệ" not in page
    page = text_of(web_in(app, CITIZEN, None).post(path, data, status=422, content_type="multipart/form-data"))
    assert "Tờ khai bổ sung chưa hợp lệ: 2 trường cần sửa" in page
    assert "Trường này là bắt buộc" in page and "Số không hợp lệ: nhập một số nguyên" in page
    assert "whole number" not in page


def test_an_english_task_page_says_the_field_messages_in_english(app, api):
    """A refusal without reasons, a supplement request with a blank item: the task page's summary and fields."""
    code = api.file()["code"]
    web = web_in(app, "demo.tiepnhan", "en")
    task = web.task_id(code)
    page = text_of(web.post(f"/can-bo/cong-viec/{task}/refuse", {"reasons": ""}, status=422))
    assert "The form is not valid: 1 field(s) to correct" in page
    assert "At least 1 item(s) needed" in page  # a message with the limit of the form's schema in it
    assert "Cần ít nhất 1 mục" not in page and "Biểu mẫu chưa hợp lệ" not in page
    page = text_of(web.post(f"/can-bo/cong-viec/{task}/request_supplement", {"items.0.component": "Giấy đề nghị"},
                            status=422))
    assert "Item 1 › What is missing or wrong : Must not be left blank" in page
    assert "Error: Must not be left blank" in page and "Không được để trống" not in page
    vi = web_in(app, "demo.tiepnhan", "vi")
    page = text_of(vi.post(f"/can-bo/cong-viec/{task}/refuse", {"reasons": ""}, status=422))
    assert "Biểu mẫu chưa hợp lệ: 1 trường cần sửa" in page and "Cần ít nhất 1 mục" in page
    assert "At least 1 item" not in page
    r = api.post(f"/api/v1/tasks/{task}/complete", "demo.tiepnhan", json={"action": "refuse", "data": {"reasons": []}})
    assert r.status_code == 422
    assert r.get_json()["error"]["message"] == "Biểu mẫu chưa hợp lệ: 1 trường cần sửa"
    assert r.get_json()["error"]["fields"] == {"reasons": "Cần ít nhất 1 mục"}


def test_an_english_administration_form_says_the_field_messages_in_english(app):
    officer = {"username": "X!", "full_name": "", "agency": "khong.co", "email": "thu", "phone": "0912345678"}
    page = text_of(web_in(app, "demo.admin", "en").post("/quan-tri/can-bo", officer, status=422))
    assert "The officer's details are not valid" in page
    assert "Username: 2–64 lowercase characters a–z, 0–9, dots or hyphens, starting with a letter" in page
    assert "Full name is required (2–255 characters)" in page and "No agency has this code" in page
    assert "One or more roles: " in page and "Invalid email address" in page
    for vietnamese in ("Thông tin cán bộ chưa hợp lệ", "Tên đăng nhập: 2–64", "Họ và tên là bắt buộc",
                       "Không có cơ quan với mã này", "Một hoặc nhiều vai trò", "Địa chỉ email không hợp lệ"):
        assert vietnamese not in page
    page = text_of(web_in(app, "demo.admin", None).post("/quan-tri/can-bo", officer, status=422))
    assert "Thông tin cán bộ chưa hợp lệ" in page and "Họ và tên là bắt buộc (2–255 ký tự)" in page
    assert "Một hoặc nhiều vai trò: " in page and "Full name is required" not in page


def test_a_message_the_table_does_not_know_is_shown_as_it_is(app):
    with app.test_request_context("/"):
        from flask import render_template_string, session
        session["lang"] = "en"
        assert field_messages.field_text("Thiếu chữ ký của chủ hộ") == "Thiếu chữ ký của chủ hộ"
        assert field_messages.field_text("Giá trị phải lớn hơn 0") == "Must be greater than 0"
        assert field_messages.field_text(None) is None and field_messages.field_text("") == ""
        assert refusals.refusal_text(Invalid("Thiếu chữ ký")) == "Thiếu chữ ký"
        said = refusals.refusal_text(Invalid("Chọn cách nhận kết quả"))
        assert said == "Choose how to receive the result" and said.original is None
        page = render_template_string('{% from "macros.html" import field_error, error_list %}'
                                      '{{ field_error("x", "Lạ: ô này sai") }}'
                                      '{{ error_list({"y": "Quá dài (tối đa 5 ký tự)"}, {}) }}')
        assert "Lạ: ô này sai" in page and "Too long (at most 5 characters)" in page and "Quá dài" not in page
    with app.test_request_context("/"):  # a Vietnamese page: the engine's words
        assert field_messages.field_text("Quá dài (tối đa 5 ký tự)") == "Quá dài (tối đa 5 ký tự)"
        assert refusals.refusal_text(Invalid("Chọn cách nhận kết quả")) == "Chọn cách nhận kết quả"


def test_a_bound_on_an_english_page_is_grouped_the_english_way(app):
    """The engine writes a bound the Vietnamese way (50.000.000 đồng, 2,5): an English page reads 50,000,000 and
    2.5, not fifty thousand with three decimals."""
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        said = field_messages.field_text("Giá trị quá lớn (tối đa 50.000.000)")
        assert said == "The value is too large (at most 50,000,000)"
        assert field_messages.field_text("Giá trị quá nhỏ (tối thiểu 2,5)") == "The value is too small (at least 2.5)"
        assert field_messages.field_text("Quá dài (tối đa 4.000 ký tự)") == "Too long (at most 4,000 characters)"
        assert field_messages.field_text("Giá trị quá nhỏ (tối thiểu 0)") == "The value is too small (at least 0)"
    with app.test_request_context("/"):  # a Vietnamese page: the engine's words
        assert field_messages.field_text("Giá trị quá lớn (tối đa 50.000.000)") == "Giá trị quá lớn (tối đa 50.000.000)"


# -- the table says what the engine says -------------------------------------------------------------------
def _literals(node) -> str | None:
    """A text of the engine's source as a template: an f-string's values, and what follows a + (a list joined
    on), as {}."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and isinstance(node.left, ast.Constant) \
            and isinstance(node.left.value, str):
        return node.left.value + "{}"
    return None


def _engine_says() -> tuple[set[str], set[str]]:
    """The texts of the engine outside its web pages (the use cases, the law, the forms), as templates, and the
    names use cases give the forms they check (forms.validate(..., what=...))."""
    texts, names = set(), set()
    for path in ENGINE.rglob("*.py"):
        if "web" in path.relative_to(ENGINE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = _literals(node)
            if text is not None:
                texts.add(text)
            if isinstance(node, ast.keyword) and node.arg == "what" and isinstance(node.value, ast.Constant):
                names.add(node.value.value)
            if isinstance(node, ast.arguments):  # the default name: def validate(..., what="Biểu mẫu")
                given = list(zip(node.args[::-1], node.defaults[::-1])) + list(zip(node.kwonlyargs, node.kw_defaults))
                names |= {d.value for a, d in given if a.arg == "what" and isinstance(d, ast.Constant)}
    return texts, names


def _as_template(text: str) -> str:
    return re.sub(r"\{[a-z_]*\}", "{}", text)


def test_every_entry_of_the_table_is_a_message_the_engine_says():
    """A message misspelt in the table, or one the engine no longer says, would never match."""
    texts, names = _engine_says()
    templates = {_as_template(t) for t in texts}
    unknown = [m for m in field_messages.MESSAGE_TEXT if m not in texts]
    assert not unknown, unknown
    for pattern in field_messages.MESSAGE_PATTERNS:
        said = _as_template(pattern)
        validated = [n for n in names if said.startswith(n + " ") and "{} " + said[len(n) + 1:] in templates]
        assert said in templates or validated, pattern


def test_every_message_of_the_forms_is_in_the_table(app):
    """Each field message engine.process.forms says (its _MESSAGES and the others it writes) and each name of a
    form a page checks has its English text."""
    source = ast.parse(Path(forms.__file__).read_text(encoding="utf-8"))
    said = set(forms._MESSAGES.values())
    for function in source.body:
        if isinstance(function, ast.FunctionDef) and function.name in ("field_errors", "_control_chars"):
            said |= {n.value for n in ast.walk(function) if isinstance(n, ast.Constant) and isinstance(n.value, str)
                     and n.value != ast.get_docstring(function) and re.search(r"[^\x00-\x7f]", n.value)}
    assert {"Không được để trống", "Có ký tự điều khiển không hợp lệ", "Số quá lớn (tối đa 9.007.199.254.740.991)",
            "Số không hợp lệ", "Giá trị không hợp lệ", "Trường này là bắt buộc"} <= said
    patterns = {_as_template(p) for p in field_messages.MESSAGE_PATTERNS}
    missing = [m for m in said if m not in field_messages.MESSAGE_TEXT and _as_template(m) not in patterns]
    assert not missing, missing
    _texts, names = _engine_says()
    for name in {"Tờ khai", "Tờ khai bổ sung", "Biểu mẫu", "Ghi chú", "Yêu cầu cấp lại"}:
        assert name in names
        assert f"{name} chưa hợp lệ: {{}} trường cần sửa" in patterns
    with app.test_request_context("/"):
        from flask import session
        session["lang"] = "en"
        for message in field_messages.MESSAGE_TEXT:  # each has an English text in messages.po
            assert field_messages.field_text(message) != message, message
        for pattern in field_messages.MESSAGE_PATTERNS:
            example = pattern.format(limit=2, n=3, items="a, b", roles="a, b", number="1/GCN-UBND", day="23/11/2026",
                                     until="09:00 ngày 24/11/2026")
            assert field_messages.field_text(example) != example, pattern
