"""The civil-status procedures of the library (processes/khai-sinh, khai-tu, ket-hon): a birth registration goes
through the ward's real roles on the same day and its Giấy khai sinh carries the number of the register, the date
of birth in words and the chairman's signer block; the death extract and the marriage certificate render from
their folders' samples as the official forms read."""
from __future__ import annotations

import json
from datetime import datetime
from io import BytesIO
from pathlib import Path

from click.testing import CliRunner
from conftest import CITIZEN
from pypdf import PdfReader
from sqlalchemy import select

from engine.cli import main
from engine.core.clock import VN_TZ
from engine.data.model import Dossier
from engine.paperwork import results
from engine.process import procedures

PROCESSES = Path(__file__).resolve().parent.parent / "processes"


def text_of(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages).split())


def test_a_birth_is_registered_the_same_day_with_its_register_number(api, app, settings, clock):
    clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=VN_TZ))  # Wednesday, before 15:00
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(PROCESSES / "khai-sinh" / "khai-sinh.bpmn",
                                                        settings.forms_dir), clock.now(), "tester")
    form = json.loads((PROCESSES / "khai-sinh" / "sample.json").read_text(encoding="utf-8"))["form"]
    code = api.file(CITIZEN, form=form, procedure="1.001193")["code"]
    api.act("demo.tiepnhan", code, "receive")
    task = api.task_for("demo.chuyenvien", code)
    assert sorted(task["actions"]) == ["propose_approval", "propose_refusal", "request_extension",
                                       "request_supplement"]  # D12, D18: a same-day procedure too
    api.act("demo.chuyenvien", code, "propose_approval", {"y_kien_tham_dinh": "Đủ điều kiện, đã ghi Sổ"})
    api.act("demo.thutruong", code, "approve")  # the chairman of the ward
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        assert dossier.due_at.astimezone(VN_TZ) == datetime(2026, 12, 2, 17, 0, tzinfo=VN_TZ)
        assert dossier.registration_number == "KS000001"
        text = text_of(results.render_draft(settings, dossier, "head_of_agency", "approved", "", clock.now(),
                                            number="1/KS-UBND", signer_name="Hoàng Văn Minh"))
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "GIẤY KHAI SINH",
                     "Số: 1/KS-UBND", "KS000001", "TRẦN NGỌC AN NHIÊN", "24/11/2026",
                     "Ngày hai mươi tư, tháng mười một, năm hai nghìn không trăm hai mươi sáu",
                     "Giới tính: Nữ", "LÊ THỊ THU HÀ", "TRẦN VĂN HÙNG", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH",
                     "Ủy ban nhân dân phường Thuận Hóa", code):
        assert expected in text, (expected, text)
    assert "KT. CHỦ TỊCH" not in text and "2026-11-24" not in text


def _render(folder: str, tmp_path: Path) -> str:
    out = tmp_path / f"{folder}.pdf"
    result = CliRunner().invoke(main, ["render", str(PROCESSES / folder), "-o", str(out)],
                                env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    return text_of(out.read_bytes())


def test_the_death_extract_reads_like_the_official_form(tmp_path):
    text = _render("khai-tu", tmp_path)
    for expected in ("TRÍCH LỤC KHAI TỬ", "KT000037", "NGUYỄN VĂN THÀNH", "05/04/1941", "28/11/2026",
                     "Ngày hai mươi tám, tháng mười một, năm hai nghìn không trăm hai mươi sáu",
                     "Nguyên nhân chết: Bệnh già", "1523/GBT", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"):
        assert expected in text, (expected, text)


def test_the_marriage_certificate_shows_both_parties_and_where_they_sign(tmp_path):
    text = _render("ket-hon", tmp_path)
    for expected in ("GIẤY CHỨNG NHẬN KẾT HÔN", "KH000058", "Thông tin bên nữ", "Thông tin bên nam",
                     "PHAN THỊ NGỌC LAN", "VÕ MINH QUÂN", "12/06/1998", "30/01/1996", "Vợ", "Chồng"):
        assert expected in text, (expected, text)
