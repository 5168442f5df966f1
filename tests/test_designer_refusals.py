"""What a process designer deploys is tried before it is published, so that no dossier meets the fault.

Found following the designer's journey: a result layout naming a filter the engine lacks (``| vn_phone``), or
failing as it renders (``{{ 1 / 0 }}``), passed ``tthc validate``, ``tthc deploy`` and an upload, and every dossier
of that version then stopped at the leader's signature with a 500; a script calling ``open()``, ``getattr()`` or
``globals()`` was deployed and every filing failed; a layout could render for ever (nested loops) or build a
gigabyte in one operator; a misspelt name printed as nothing. Now the layout is compiled and rendered on sample data at validate, deploy and upload
(a problem line each), a layout failing only on one dossier's data answers the signer 409 with the request still
waiting, scripts calling what scripts cannot call are refused, and rendering is bounded in time and size.
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from datetime import datetime

import pytest
from sqlalchemy import func, select

from conftest import Api, OFFICERS, SAMPLE, STEP_DATA
from engine.core import templating
from engine.core.clock import VN_TZ
from engine.paperwork import resultlayouts
from engine.process import procedures
from engine.data.model import ProcedureVersion
from engine.data.signing_model import SigningRequest
from test_versions import deploy, variant

LAYOUT = (SAMPLE.parent / "result.html").read_text(encoding="utf-8")
PHONE = "{{ values.dien_thoai }}"


def versions_count(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(func.count()).select_from(ProcedureVersion))


def with_script(code: str) -> str:
    """The sample procedure with a script task between the filing and the intake gateway."""
    text = variant()
    text = text.replace(
        '<bpmn:sequenceFlow id="Flow_nop" sourceRef="StartEvent_nop" targetRef="gw_hop_tiep_nhan" />',
        '<bpmn:sequenceFlow id="Flow_nop" sourceRef="StartEvent_nop" targetRef="sc" />'
        '<bpmn:sequenceFlow id="Flow_sc" sourceRef="sc" targetRef="gw_hop_tiep_nhan" />'
        '<bpmn:scriptTask id="sc" name="Tính"><bpmn:incoming>Flow_nop</bpmn:incoming>'
        '<bpmn:outgoing>Flow_sc</bpmn:outgoing><bpmn:script>' + code + '</bpmn:script></bpmn:scriptTask>')
    text = text.replace('<bpmn:incoming>Flow_nop</bpmn:incoming>\n      <bpmn:incoming>Flow_bo_sung_tiep_nhan_xong',
                        '<bpmn:incoming>Flow_sc</bpmn:incoming>\n      <bpmn:incoming>Flow_bo_sung_tiep_nhan_xong')
    assert 'id="sc"' in text and '<bpmn:incoming>Flow_sc</bpmn:incoming>' in text
    return text


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("broken, said", [
    (PHONE.replace("}}", "| vn_phone }}"), "không có bộ lọc 'vn_phone'"),  # found when compiling
    (PHONE.replace("}}", "/ 0 }}"), "mẫu kết quả không hiển thị được với dữ liệu mẫu"),  # found rendering
    (PHONE.replace("values.dien_thoai", "values.__class__"), "mẫu kết quả không hiển thị được với dữ liệu mẫu"),
    (PHONE.replace("values.dien_thoai", "dien_thoai"), "không có tên dien_thoai trong dữ liệu của kết quả"),  # a typo
])
def test_a_layout_that_would_fail_every_result_is_refused_at_upload(api, app, broken, said):
    layout = LAYOUT.replace(PHONE, broken)
    before = versions_count(app)
    r = deploy(api, variant(duration="5"), forms={"result.html": layout.encode()})
    assert r.status_code == 422, r.get_json()
    [problem] = r.get_json()["error"]["problems"]
    assert problem["file"] == "result.html" and problem["line"] == line_of(layout, broken), problem
    assert said in problem["message"], problem
    assert versions_count(app) == before  # nothing deployed


def test_tthc_validate_names_the_layouts_line(tmp_path):
    folder = tmp_path / "ho-kinh-doanh"
    shutil.copytree(SAMPLE.parent, folder)
    layout = LAYOUT.replace(PHONE, "{{ values.dien_thoai | vn_phone }}")
    (folder / "result.html").write_text(layout, encoding="utf-8")
    root = SAMPLE.parent.parent.parent
    done = subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", "validate", "--simulate",
                           str(folder)], cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root), "HOME": str(tmp_path),
                               "TTHC_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 1, (done.stdout, done.stderr)
    expected = f"{folder / 'result.html'}:{line_of(layout, 'vn_phone')}: result"
    assert expected in done.stderr and "vn_phone" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and "lỗi không mong đợi" not in done.stderr, done.stderr


def test_a_layout_failing_only_on_a_dossiers_data_keeps_the_signature_waiting(api, app):
    # the sample data's business name is the field's title: the trial passes; a real dossier's name divides by 0
    layout = LAYOUT.replace(PHONE, PHONE + '{% if form.ten_ho_kinh_doanh != "Tên hộ kinh doanh" %}{{ 1 / 0 }}'
                                          '{% endif %}')
    assert deploy(api, variant(duration="5"), forms={"result.html": layout.encode()}).status_code == 201
    raw = Api(app.test_client(), auto_sign=False)
    code = raw.file()["code"]
    raw.act(OFFICERS["intake"], code, "receive")
    raw.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    raw.act(OFFICERS["approval"], code, "approve", STEP_DATA.get("approve", {}))
    [waiting] = [q for q in raw.get("/api/v1/signing-requests", OFFICERS["approval"]).get_json()
                 if q["dossier"] == code]
    r = raw.post(f"/api/v1/signing-requests/{waiting['id']}/sign", OFFICERS["approval"], json={"pin": "demo12345"})
    assert r.status_code == 409, r.get_json()
    error = r.get_json()["error"]
    assert error["code"] == "result_template_broken" and "ZeroDivisionError" in error["message"], error
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.get(SigningRequest, waiting["id"]).state not in ("signed", "withdrawn")


@pytest.mark.parametrize("script", ['x = open("/etc/passwd").read()', 'x = getattr(ho_so, "items")',
                                    "x = globals()", 'x = "{0.__class__}".format(ho_so)'])
def test_a_script_calling_what_scripts_cannot_call_is_refused_at_deploy(api, app, script):
    before = versions_count(app)
    r = deploy(api, with_script(script))
    assert r.status_code == 422, r.get_json()
    assert any(p["element"] == "sc" for p in r.get_json()["error"]["problems"]), r.get_json()
    assert versions_count(app) == before
    # a script calling a function it defines, and the builtins scripts have, is deployed
    fine = "def twice(v):\n    return v * 2\nx = twice(len(ho_so)) + max(1, 2)\nprint(x)"
    assert deploy(api, with_script(fine)).status_code == 201


def test_rendering_a_layout_is_bounded_in_size_and_time(monkeypatch):
    env = templating.environment()
    for huge in ('{{ "x" * 10**9 }}', '{{ [0] * 10**8 }}', '{{ "%0999999999d" % 1 }}', '{{ 10 ** 100000 }}',
                 '{{ "%20000000s"|format(1) }}', '{{ "x"|center(20000000) }}', '{{ "x".ljust(20000000) }}',
                 '{{ "{:>20000000}".format(1) }}', '{{ range(100000)|map("string")|join }}',
                 '{{ range(10000)|map("string")|map("center", 1000)|join }}'):  # 10 MB: refused once made
        with pytest.raises(templating.TemplateProblem) as caught:  # refused before it is made
            templating.render(env, huge, "result.html", {})
        assert "không được phép trong mẫu" in str(caught.value), huge
    monkeypatch.setattr(templating, "TIME_LIMIT", 0.3)
    loops = "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}"
    with pytest.raises(templating.TemplateProblem) as caught:
        templating.render(env, loops, "result.html", {})
    assert "quá 0.3 giây" in str(caught.value) and caught.value.line == 1
    # what documents do is untouched
    assert templating.render(env, '{{ "ab" * 2 }} {{ 2 ** 10 }} {{ "%05d" % 7 }} {{ "a" ~ "b" }} '
                                  '{{ range(3)|join(",") }} {{ "{:>3}".format(1) }} {{ "x"|center(3) }}', "r.html", {}) \
        == "abab 1024 00007 ab 0,1,2   1  x "


@pytest.mark.parametrize("pattern, refused", [
    ("^(a+)+$", True), ("^([a-zA-Z]+ ?)+$", True), ("^(\\w+\\s?)*$", True),  # a citizen's 28 letters: hours
    ("^(a+|b)+$", True), ("^(ab|cd)+$", False),
    ("^(\\d+\\.)*\\d+$", False), ("^[A-Z]+(-[0-9]+)*$", False), ("^\\d{12}$", False),  # each round needs its mark
])
def test_a_form_pattern_that_backtracks_for_ever_is_refused_at_deploy(api, app, pattern, refused):
    form = json.loads((SAMPLE.parent.parent.parent / "forms/ho-kinh-doanh-nop.schema.json").read_text())
    form["properties"]["ten_ho_kinh_doanh"]["pattern"] = pattern
    r = deploy(api, variant(filing_form="hkd-re.schema.json"),
               forms={"hkd-re.schema.json": json.dumps(form, ensure_ascii=False).encode()})
    if not refused:
        assert r.status_code == 201, r.get_json()
        return
    assert r.status_code == 422, r.get_json()
    problems = [p for p in r.get_json()["error"]["problems"] if "lồng" in p["message"]]
    assert problems and all("hkd-re.schema.json" in p["message"] and pattern in p["message"] for p in problems), \
        r.get_json()


@pytest.mark.parametrize("field, layout", [
    ({"type": "array", "items": {"type": "object", "properties": {"von": {"type": "integer"}}}},
     "{% for x in form.them %}{{ x.von * 2 }}{% endfor %} {{ form.them|sum(attribute='von') }}"),
    ({"type": ["integer", "null"]}, "{{ (form.them or 0) / 2 }}"),
    ({"$ref": "#/properties/chu_ho"}, "{{ form.them.ho_ten|upper }}"),
])
def test_a_layout_right_for_its_form_passes_the_trial(field, layout):
    """The sample data follows the form: a list of objects for an array of objects, a number for a nullable
    number, the referenced schema for a $ref."""
    definition = procedures.load_file(SAMPLE, SAMPLE.parent.parent.parent / "forms")
    forms = copy.deepcopy(definition.forms)
    forms[definition.info["filing_form"]]["properties"]["them"] = field
    framed = '{% extends "van-ban.html" %}{% block body %}' + layout + "{% endblock %}"
    info = dict(definition.info, result=dict(definition.info["result"], template=framed))
    resultlayouts.trial(info, forms, datetime(2026, 12, 7, 9, tzinfo=VN_TZ))  # raises nothing
