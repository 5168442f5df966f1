"""The designer's tools (issue 16): `tthc procedure new` makes a folder that validates and simulates at once,
`tthc procedure import` makes or updates folders from the national procedure database's records (JSON, XLSX),
and a copied file is warned of (same process id or code as another file or the catalogue, identical components
or fees) by `tthc validate`, `tthc deploy`, the API's deploy and the upload page, never refused for it."""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SAMPLE, SAMPLE_CODE
from lxml import etree

from engine.cli import main
from engine.process import catalogue_import
from test_procedure_library import (test_each_procedure_folder_is_complete_and_validates as folder_is_complete,
                                    test_each_scenario_runs_as_its_folder_says as scenario_runs)
from web_support import new_client, text_of

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_IMPORT = ROOT / "docs" / "samples" / "thu-tuc-csdl-quoc-gia.json"


class Tthc:
    """`tthc ...` with its own data folder, SQLite file and procedure library (``processes``)."""

    def __init__(self, folder: Path):
        self.processes = folder / "processes"
        self.processes.mkdir()
        self.env = {"TTHC_DATA_DIR": str(folder / "data"), "TTHC_DATABASE_URL": f"sqlite:///{folder / 'cli.sqlite3'}",
                    "TTHC_PROCESSES_DIR": str(self.processes), "TTHC_FORMS_DIR": str(ROOT / "forms")}

    def __call__(self, *args: str):
        return CliRunner().invoke(main, list(args), env=self.env)

    def with_agency(self) -> None:
        assert self("db", "upgrade").exit_code == 0
        added = self("agency", "add", "000.00.06.H56", "--name", "Ủy ban nhân dân phường Thuận Hóa",
                     "--level", "commune")
        assert added.exit_code == 0, added.output


@pytest.fixture
def tthc(tmp_path):
    return Tthc(tmp_path)


def _complete(folder: Path, tmp_path: Path) -> None:
    """What tests/test_procedure_library.py asks of every folder of processes/: complete, drawn, validating,
    and its scenarios run as their expect blocks say."""
    folder_is_complete(folder, tmp_path)
    for scenario in sorted(folder.glob("scenarios/*.json")):
        scenario_runs(scenario, tmp_path)


# -- tthc procedure new ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("timing", [("--days", "7"), ("--same-day",)], ids=["7-days", "same-day"])
def test_new_makes_a_folder_that_validates_and_simulates_at_once(tthc, tmp_path, timing):
    made = tthc("procedure", "new", "cap-phep-thu", "--code", "1.009998", "--title", "Cấp giấy phép thử nghiệm",
                *timing)
    assert made.exit_code == 0, made.output
    folder = tthc.processes / "cap-phep-thu"
    assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} >= {
        "cap-phep-thu.bpmn", "result.html", "sample.json", "README.md", "scenarios/happy-path.json",
        "forms/cap-phep-thu-nop.schema.json", "forms/cap-phep-thu-tham-dinh.schema.json"}
    checked = tthc("validate", "--simulate", str(folder))
    assert checked.exit_code == 0, checked.output
    assert "ok (1.009998" in checked.stdout and "return_result" in checked.stdout
    assert "cảnh báo" not in checked.stderr
    tree = etree.parse(str(folder / "cap-phep-thu.bpmn"))
    [process] = tree.xpath("//*[local-name()='process']")
    assert process.get("id") == "cap_phep_thu" and process.get("name") == "Cấp giấy phép thử nghiệm"
    unit = tree.xpath("//*[local-name()='property'][@name='durationUnit']/@value")
    assert unit == (["working_day"] if timing[0] == "--days" else ["same_day"])
    _complete(folder, tmp_path)
    rendered = tthc("render", str(folder), "-o", str(tmp_path / "ket-qua.pdf"))
    assert rendered.exit_code == 0, rendered.output


def test_new_refuses_an_existing_folder_a_bad_name_or_code(tthc):
    assert tthc("procedure", "new", "thu-tuc-a").exit_code == 0
    again = tthc("procedure", "new", "thu-tuc-a")
    assert again.exit_code == 1 and "thư mục đã có" in again.stderr
    for bad in ("Thu_Tuc", "1-thu-tuc", "thu tuc", "thu--tuc"):
        refused = tthc("procedure", "new", bad)
        assert refused.exit_code == 1 and "không hợp lệ" in refused.stderr, bad
    code = tthc("procedure", "new", "thu-tuc-b", "--code", "1.23")
    assert code.exit_code == 1 and "mã thủ tục" in code.stderr
    both = tthc("procedure", "new", "thu-tuc-c", "--days", "3", "--same-day")
    assert both.exit_code == 1 and not (tthc.processes / "thu-tuc-c").exists()


def test_two_new_procedures_get_their_own_ids_and_codes_and_no_warning(tthc):
    for name in ("thu-tuc-mot", "thu-tuc-hai"):
        assert tthc("procedure", "new", name).exit_code == 0
    checked = tthc("validate", str(tthc.processes))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.count(": ok (0.") == 2 and "cảnh báo" not in checked.stderr


# -- warnings of a copied file --------------------------------------------------------------------------------
def _copy(tthc, name: str = "ban-sao") -> Path:
    folder = tthc.processes / name
    folder.mkdir()
    shutil.copy(SAMPLE.parent / "result.html", folder / "result.html")
    target = folder / f"{name}.bpmn"
    target.write_text(SAMPLE.read_text(encoding="utf-8").replace(
        'name="Đăng ký thành lập hộ kinh doanh" isExecutable="true"',
        'name="Thủ tục mới chép từ hộ kinh doanh" isExecutable="true"'), encoding="utf-8")
    return target


def test_a_copied_file_is_warned_of_id_code_components_and_fees_and_still_deploys(tthc):
    shutil.copytree(SAMPLE.parent, tthc.processes / SAMPLE.parent.name)
    copy = _copy(tthc)
    checked = tthc("validate", str(copy))
    assert checked.exit_code == 0, checked.output
    warnings = [line for line in checked.stderr.splitlines() if line.startswith("cảnh báo: ")]
    assert any(f"{copy}:" in w and "process id" in w and "'ho_kinh_doanh'" in w for w in warnings), warnings
    assert any(f"mã thủ tục (procedureCode) {SAMPLE_CODE} đã dùng ở tệp processes/ho-kinh-doanh/" in w
               for w in warnings), warnings
    assert any("thành phần hồ sơ giống hệt" in w for w in warnings), warnings
    assert any("phí, lệ phí giống hệt" in w for w in warnings), warnings
    line = next(n for n, row in enumerate(copy.read_text(encoding="utf-8").splitlines(), 1)
                if 'name="procedureCode"' in row)
    assert any(w.startswith(f"cảnh báo: {copy}:{line}: ") for w in warnings), warnings

    tthc.with_agency()
    first = tthc("deploy", str(tthc.processes / "ho-kinh-doanh"))
    assert first.exit_code == 0 and first.stdout.split() == [SAMPLE_CODE, "version", "1", "changed"]
    deployed = tthc("deploy", str(copy))  # a warning, not a refusal: the deploy goes on
    assert deployed.exit_code == 0, deployed.output
    assert deployed.stdout.split() == [SAMPLE_CODE, "version", "2", "changed"]
    assert f"mã thủ tục {SAMPLE_CODE} đã có trong danh mục với quy trình 'ho_kinh_doanh'" in deployed.stderr


def test_a_changed_copy_is_warned_only_of_what_it_still_shares(tthc):
    shutil.copytree(SAMPLE.parent, tthc.processes / SAMPLE.parent.name)
    copy = _copy(tthc)
    copy.write_text(copy.read_text(encoding="utf-8").replace('id="ho_kinh_doanh"', 'id="ban_sao"')
                    .replace('processRef="ho_kinh_doanh"', 'processRef="ban_sao"')
                    .replace('value="1.001612"', 'value="1.009997"'), encoding="utf-8")
    checked = tthc("validate", str(copy))
    assert checked.exit_code == 0, checked.output
    assert "process id" not in checked.stderr and "procedureCode" not in checked.stderr
    assert "thành phần hồ sơ giống hệt thủ tục 1.001612" in checked.stderr


def test_the_api_deploy_answers_with_the_warnings(api):
    bpmn = SAMPLE.read_text(encoding="utf-8").replace('id="ho_kinh_doanh"', 'id="ban_sao_hkd"').replace(
        'processRef="ho_kinh_doanh"', 'processRef="ban_sao_hkd"').replace(
        'name="Đăng ký thành lập hộ kinh doanh" isExecutable="true"', 'name="Bản sao" isExecutable="true"')
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(bpmn.encode("utf-8")), "ban-sao.bpmn")})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["code"] == SAMPLE_CODE and body["version"] == 2 and body["changed"] is True
    messages = [w["message"] for w in body["warnings"]]
    assert any("đã có trong danh mục với quy trình 'ho_kinh_doanh'" in m for m in messages), messages
    assert any("thành phần hồ sơ giống hệt" in m for m in messages), messages
    assert all(set(w) == {"file", "line", "element", "message"} for w in body["warnings"])
    same = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                    data={"bpmn": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name)})
    assert same.status_code == 201 and not any("process id" in w["message"] for w in same.get_json()["warnings"])


def test_an_upload_without_the_result_template_it_names_is_warned_of(api, app):
    """The file names result.template="result.html"; uploaded alone, under a name the server has no folder
    for, its results would be issued in the engine's generic layout: the API and the page say so; uploaded
    with the template, nothing is said."""
    bpmn = SAMPLE.read_text(encoding="utf-8")
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(bpmn.encode("utf-8")), "mot-minh.bpmn")})
    assert r.status_code == 201, r.get_json()
    assert any("không có tệp mẫu kết quả result.html" in w["message"] for w in r.get_json()["warnings"])
    template = (SAMPLE.parent / "result.html").read_bytes()
    r = api.post("/api/v1/procedures", "demo.admin", content_type="multipart/form-data",
                 data={"bpmn": (io.BytesIO(bpmn.encode("utf-8")), "mot-minh.bpmn"),
                       "template": (io.BytesIO(template), "result.html")})
    assert r.status_code == 201, r.get_json()
    assert not any("mẫu kết quả" in w["message"] for w in r.get_json()["warnings"])
    web = new_client(app).login("demo.admin")
    page = text_of(web.post("/quan-tri/thu-tuc/tai-len", {"bpmn": (io.BytesIO(bpmn.encode()), "mot-minh.bpmn"),
                                                           "deploy": "0"}, content_type="multipart/form-data"))
    assert "không có tệp mẫu kết quả result.html" in page


def test_the_upload_page_shows_the_warnings(app):
    web = new_client(app).login("demo.admin")
    bpmn = SAMPLE.read_text(encoding="utf-8").replace('id="ho_kinh_doanh"', 'id="ban_sao_hkd"').replace(
        'processRef="ho_kinh_doanh"', 'processRef="ban_sao_hkd"')
    page = text_of(web.post("/quan-tri/thu-tuc/tai-len", {"bpmn": (io.BytesIO(bpmn.encode()), "ban-sao.bpmn"),
                                                           "deploy": "0"}, content_type="multipart/form-data"))
    assert "Cảnh báo (không chặn việc triển khai)" in page and "đã có trong danh mục" in page
    # the catalogue's file is named by its own name: the server's folders are not the uploader's to see
    assert f"tệp {SAMPLE.name}" in page and str(ROOT) not in page and str(SAMPLE.parent) not in page


# -- tthc procedure import ------------------------------------------------------------------------------------
def test_import_of_the_sample_json_creates_folders_that_validate(tthc, tmp_path):
    result = tthc("procedure", "import", str(SAMPLE_IMPORT))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split("\t")[:3] == ["dòng 1", "1.001193", "created"]
    assert lines[1].split("\t")[:3] == ["dòng 2", "1.009994", "created"]
    birth = tthc.processes / "dang-ky-khai-sinh" / "dang-ky-khai-sinh.bpmn"
    text = birth.read_text(encoding="utf-8")
    assert 'name="durationUnit" value="same_day"' in text and "fee." not in text  # "Miễn lệ phí": no fee
    assert 'value="Tờ khai đăng ký khai sinh"' in text
    permit = (tthc.processes / "cap-giay-phep-xay-dung-nha-o-rieng-le" / "cap-giay-phep-xay-dung-nha-o-rieng-le.bpmn"
              ).read_text(encoding="utf-8")
    assert 'name="duration" value="15"' in permit and 'value="75000;at_intake;Lệ phí cấp giấy phép xây dựng"' in permit
    assert "Bản vẽ thiết kế xây dựng (số bản: 02)" in permit
    checked = tthc("validate", "--simulate", str(tthc.processes))
    assert checked.exit_code == 0, checked.output
    for folder in sorted(p for p in tthc.processes.iterdir()):
        _complete(folder, tmp_path)
    again = tthc("procedure", "import", str(SAMPLE_IMPORT))
    assert again.exit_code == 0 and [line.split("\t")[2] for line in again.stdout.splitlines()] == ["unchanged"] * 2


def test_import_updates_the_catalogue_of_an_existing_folder_and_leaves_the_flow(tthc, tmp_path):
    shutil.copytree(SAMPLE.parent, tthc.processes / SAMPLE.parent.name)
    before = (tthc.processes / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn").read_text(encoding="utf-8")
    record = {"code": SAMPLE_CODE, "name": "Đăng ký thành lập hộ kinh doanh", "level": "xã",
              "time": "05 ngày làm việc", "agency": "Ủy ban nhân dân cấp xã",
              "fees": [{"name": "Lệ phí đăng ký hộ kinh doanh", "amount": "50.000 đồng"}],
              "components": [{"name": "Giấy đề nghị đăng ký hộ kinh doanh", "copies": 1}]}
    source = tmp_path / "thu-tuc.json"
    source.write_text(json.dumps([record], ensure_ascii=False), encoding="utf-8")
    result = tthc("procedure", "import", str(source))
    assert result.exit_code == 0, result.output
    assert result.stdout.split("\t")[:3] == ["dòng 1", SAMPLE_CODE, "updated"]
    after = (tthc.processes / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn").read_text(encoding="utf-8")
    assert 'name="duration" value="5"' in after
    assert 'name="fee.le_phi" value="50000;at_intake;Lệ phí đăng ký hộ kinh doanh"' in after  # its key kept
    assert 'name="component.giay_de_nghi"' in after and "component.giay_to_tru_so" not in after
    flow = before[before.index("<bpmn:laneSet"):]
    assert after[after.index("<bpmn:laneSet"):] == flow  # the flow and the diagram are left alone
    assert tthc("validate", str(tthc.processes)).exit_code == 0
    again = tthc("procedure", "import", str(source))
    assert again.stdout.split("\t")[2] == "unchanged"


def _xlsx(path: Path, rows: list[list]) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Mã thủ tục", "Tên thủ tục", "Cấp thực hiện", "Thời hạn giải quyết", "Phí, lệ phí",
                  "Thành phần hồ sơ", "Cơ quan thực hiện"])
    for row in rows:
        sheet.append(row)
    book.save(path)


def test_import_of_an_xlsx_file_with_deploy(tthc, tmp_path):
    source = tmp_path / "thu-tuc.xlsx"
    _xlsx(source, [["1.000894", "Đăng ký kết hôn", "Cấp xã", "Trong ngày", "Lệ phí đăng ký kết hôn | Miễn lệ phí",
                    "Tờ khai đăng ký kết hôn | 1\nGiấy xác nhận tình trạng hôn nhân | 1", "UBND cấp xã"],
                   ["1.004227", "Chứng thực bản sao từ bản chính", "Cấp xã", "01 ngày làm việc",
                    "Phí chứng thực | 2.000 đồng/trang", "Bản chính | 1\nBản sao | 1", "UBND cấp xã"]])
    tthc.with_agency()
    result = tthc("procedure", "import", str(source), "--agency", "000.00.06.H56", "--deploy")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split("\t")[:3] for line in lines[:2]] == [["dòng 2", "1.000894", "created"],
                                                          ["dòng 3", "1.004227", "created"]]
    assert sorted(lines[2:]) == ["1.000894\tversion 1\tchanged", "1.004227\tversion 1\tchanged"]
    copy = (tthc.processes / "chung-thuc-ban-sao-tu-ban-chinh" / "chung-thuc-ban-sao-tu-ban-chinh.bpmn")
    assert 'value="2000;at_intake;Phí chứng thực"' in copy.read_text(encoding="utf-8")
    assert tthc("validate", "--simulate", str(tthc.processes)).exit_code == 0


def test_import_refuses_bad_rows_naming_row_and_field_and_writes_nothing(tthc, tmp_path):
    source = tmp_path / "thu-tuc.xlsx"
    _xlsx(source, [["1.000894", "Đăng ký kết hôn", "Cấp xã", "Trong ngày", "", "Tờ khai | 1", "000.00.06.H56"],
                   ["1.000895", "Sai thời hạn", "Cấp xã", "theo quy định", "", "", "000.00.06.H56"],
                   ["1.000896", "Sai phí", "Cấp xã", "3 ngày làm việc", "Lệ phí | tùy trường hợp", "",
                    "000.00.06.H56"],
                   ["1.000897", "Không có cơ quan", "Cấp xã", "3 ngày làm việc", "", "", "UBND cấp xã"],
                   ["1.00x", "Sai mã", "Cấp xã", "3 ngày", "", "", "000.00.06.H56"],
                   ["1.000898", "Sai cấp", "Cấp bộ", "3 ngày", "", "", "000.00.06.H56"]])
    result = tthc("procedure", "import", str(source))
    assert result.exit_code == 1
    rows = {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines()}
    assert rows["dòng 2"][2] == "would-create"  # nothing is written while a row is refused
    assert rows["dòng 3"][2] == "refused" and rows["dòng 3"][3].startswith("time: ")
    assert rows["dòng 4"][2] == "refused" and rows["dòng 4"][3].startswith("fees[0].amount: ")
    assert rows["dòng 5"][2] == "refused" and rows["dòng 5"][3].startswith("agency: ")
    assert rows["dòng 6"][2] == "refused" and rows["dòng 6"][3].startswith("code: ")
    assert rows["dòng 7"][2] == "refused" and rows["dòng 7"][3].startswith("level: ")
    assert "5 dòng bị từ chối" in result.stderr
    assert list(tthc.processes.iterdir()) == []  # checked first: nothing written


def test_import_refuses_an_unreadable_file(tthc, tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("{not json", encoding="utf-8")
    result = tthc("procedure", "import", str(bad))
    assert result.exit_code == 1 and "JSON không hợp lệ" in result.stderr
    broken = tmp_path / "x.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    assert "không đọc được tệp XLSX" in tthc("procedure", "import", str(broken)).stderr


@pytest.mark.parametrize(("text", "parsed"), [
    ("05 ngày làm việc", (5, "working_day")), ("Trong ngày", (None, "same_day")), ("15 ngày", (15, "calendar_day")),
    ("04 giờ làm việc", (4, "working_hour")),
    ("Trong ngày (nhận sau 15 giờ thì trả trong ngày làm việc tiếp theo)", (None, "same_day")),
    ("10 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ", (10, "working_day"))])
def test_durations_are_read_from_the_national_text(text, parsed):
    assert catalogue_import.parse_duration(text) == parsed


@pytest.mark.parametrize(("text", "amount"), [("100.000 đồng", 100000), ("1,500,000đ", 1500000), ("Miễn phí", None),
                                              ("Không", None), (50000, 50000), ("75.000 đồng/giấy phép", 75000)])
def test_amounts_are_read_from_the_national_text(text, amount):
    assert catalogue_import.parse_amount(text) == amount
