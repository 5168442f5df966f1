"""A result layout is filled into the NĐ 30/2020 frame (docs/bpmn-conventions.md, "The result"). Three mistakes
Jinja2 accepts in silence left every result without what the designer wrote, and deployed: no extends (no
issuing body, motto, number, signer nor "Nơi nhận"), a block the frame lacks (never printed), text outside the
blocks (never printed). Each is refused at the upload, with its line."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from engine.core.clock import VN_TZ
from engine.core.templating import TemplateProblem
from engine.paperwork import resultlayouts
from engine.process import procedures

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "processes" / "ho-kinh-doanh"
LAYOUT = (FOLDER / "result.html").read_text(encoding="utf-8")


def _trial(layout: str) -> None:
    definition = procedures.load_file(FOLDER / "ho-kinh-doanh.bpmn", ROOT / "forms")
    info = dict(definition.info, result=dict(definition.info["result"], template=layout))
    resultlayouts.trial(info, definition.forms, datetime(2026, 12, 7, 9, tzinfo=VN_TZ))


@pytest.mark.parametrize("layout, line, words", [
    ("<h1>GIẤY CHỨNG NHẬN</h1>\n<p>{{ form.ten_ho_kinh_doanh }}</p>", 1, 'thêm {% extends "van-ban.html" %}'),
    (LAYOUT.replace("{% block body %}", "{% block noi_dung %}"), None, "không có khối 'noi_dung'"),
    (LAYOUT.replace('{% extends "van-ban.html" %}\n', '{% extends "van-ban.html" %}\n<p>Ghi chú</p>\n'), 6,
     "nằm ngoài các khối"),
])
def test_a_layout_not_filled_into_the_frame_is_refused_with_its_line(layout, line, words):
    with pytest.raises(TemplateProblem) as caught:
        _trial(layout)
    expected = line or layout[:layout.index("noi_dung")].count("\n") + 1
    assert caught.value.line == expected and words in caught.value.message, caught.value
    if "noi_dung" in layout:
        assert "body" in caught.value.message and "subtitle" in caught.value.message  # the blocks it has


def test_the_shipped_layouts_and_nested_blocks_pass():
    _trial(LAYOUT)
    _trial(LAYOUT.replace("{% block body %}", "{% block body %}{% block phan_rieng %}x{% endblock %}"))
    for layout in sorted((ROOT / "processes").glob("*/result.html")):
        assert "{% extends" in layout.read_text(encoding="utf-8"), layout


def test_the_upload_says_it(api):
    bpmn = (FOLDER / "ho-kinh-doanh.bpmn").read_bytes()
    broken = LAYOUT.replace("{% block body %}", "{% block noi_dung %}").encode("utf-8")
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(bpmn), "ho-kinh-doanh.bpmn"), "form0": (io.BytesIO(broken), "result.html")})
    assert r.status_code == 422, r.get_json()
    [problem] = r.get_json()["error"]["problems"]
    assert problem["file"] == "result.html" and "không có khối 'noi_dung'" in problem["message"], problem
