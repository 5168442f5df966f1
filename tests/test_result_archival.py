"""Results, letters and receipts are archival PDF (PDF/A-3b), before and after their signatures, and page 1 of
the certificate is a real page (pdftoppm); `tthc render` previews a layout without a dossier."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import CITIZEN, SAMPLE, STEP_DATA
from engine.core.clock import VN_TZ
from engine.paperwork import pdf, resultdata, resultlayouts, signatures

ROOT = Path(__file__).resolve().parent.parent
FOLDER = SAMPLE.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=VN_TZ)


def archival_problems(content: bytes) -> list[str]:
    """What keeps ``content`` from being PDF/A: a font not embedded (every font of every page, form XObject and
    annotation appearance, signature stamps included), no sRGB output intent, no XMP with pdfaid, no /Lang, a
    catalog version other than the header's."""
    reader = PdfReader(BytesIO(content))
    root = reader.trailer["/Root"]
    problems = []
    header = reader.pdf_header.removeprefix("%PDF-")
    if "/Version" in root and str(root["/Version"]).lstrip("/") != header:
        problems.append(f"catalog version {root['/Version']} but header {header}")
    intents = [i.get_object() for i in root.get("/OutputIntents", [])]
    if not any(i.get("/S") == "/GTS_PDFA1" and "/DestOutputProfile" in i for i in intents):
        problems.append("no PDF/A output intent with an ICC profile")
    xmp = root["/Metadata"].get_object().get_data() if "/Metadata" in root else b""
    if not re.search(rb"pdfaid:part(>|=\")[23]", xmp) or not re.search(rb"pdfaid:conformance(>|=\")B", xmp):
        problems.append("no XMP metadata with pdfaid:part 2 or 3, conformance B")
    if not str(root.get("/Lang", "")).startswith("vi"):
        problems.append(f"/Lang is {root.get('/Lang')!r}")
    seen: set[int] = set()

    def fonts_of(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":
                continue
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                problems.append(f"font {font.get('/BaseFont')} is not embedded")
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.idnum not in seen:
                seen.add(xobject.idnum)
                fonts_of(xobject.get_object().get("/Resources"))

    for page in reader.pages:
        fonts_of(page.get("/Resources"))
        for annotation in page.get("/Annots") or []:
            appearance = annotation.get_object().get("/AP")
            if appearance is not None:
                fonts_of(appearance["/N"].get_object().get("/Resources"))
    return problems


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    pki = signatures.Pki(tmp_path_factory.mktemp("keys"), "archival-passphrase")
    pki.init("Ủy ban nhân dân phường Thuận Hóa", NOW)
    pki.issue(pki.user_key("chutich"), "Hoàng Văn Trưởng", "Ủy ban nhân dân phường Thuận Hóa", NOW)
    pki.issue(pki.org_key("ubnd"), "Ủy ban nhân dân phường Thuận Hóa", "Ủy ban nhân dân phường Thuận Hóa", NOW)
    return pki


def sign_and_seal(content: bytes, keys, font_dir: Path) -> tuple[bytes, bytes]:
    """The personal signature, then the seal with the number, as results.sign and results.seal place them."""
    box = pdf.SIGNATURE_BOXES["personal"]
    signed = signatures.sign_pdf(content, keys.user_key("chutich"), "archival-passphrase", "ChuKyCaNhan",
                                 "Phê duyệt kết quả", "Huế", NOW, box=box,
                                 stamp_pdf=pdf.render_stamp(["Ký bởi: Hoàng Văn Trưởng", "Thời gian: 02/12/2026 09:00"],
                                                            box, font_dir, "ĐÃ KÝ SỐ"))
    box = pdf.SIGNATURE_BOXES["organisation"]
    sealed = signatures.sign_pdf(signed, keys.org_key("ubnd"), "archival-passphrase", "ChuKySoToChuc",
                                 "Văn thư ban hành: số 12/GCN-UBND", "Huế", NOW + timedelta(minutes=5), box=box,
                                 stamp_pdf=pdf.render_stamp(["Ủy ban nhân dân phường Thuận Hóa", "Số: 12/GCN-UBND",
                                                             "02/12/2026 09:05"], box, font_dir, "ĐÃ KÝ SỐ"))
    return signed, sealed


def certificate(settings) -> bytes:
    """The sample procedure's certificate with its sample data, as `tthc render` makes it."""
    import json

    from engine.process import procedures

    definition = procedures.load_file(SAMPLE, ROOT / "forms")
    sample = json.loads((FOLDER / "sample.json").read_text(encoding="utf-8"))
    facts = resultdata.ResultFacts(
        definition.code, definition.info["name"], "Ủy ban nhân dân phường Thuận Hóa", "000.00.06.H56-261202-0001",
        sample["owner_name"], sample["form"], definition.forms[definition.info["filing_form"]], NOW,
        signer_name="Hoàng Văn Trưởng", number="12/GCN-UBND", registration="33A8000012",
        declaration=definition.info["result"], place=settings.place_name, public_url=settings.public_url)
    return resultlayouts.render(facts, settings.font_dir)


def test_a_result_is_pdfa_before_and_after_its_signatures(keys, settings):
    draft = certificate(settings)
    signed, sealed = sign_and_seal(draft, keys, settings.font_dir)
    for content in (draft, signed, sealed):
        assert archival_problems(content) == []
    assert PdfReader(BytesIO(draft)).pdf_header == "%PDF-1.7"
    checks = signatures.verify_pdf(sealed, keys.trust_roots(), NOW + timedelta(hours=1))
    assert [(c.field, c.valid) for c in checks] == [("ChuKyCaNhan", True), ("ChuKySoToChuc", True)]


def test_letters_and_forms_made_with_reportlab_are_pdfa_too(keys, settings):
    letter = pdf.render(pdf.PdfDocument(
        agency="Ủy ban nhân dân phường Thuận Hóa", title="Thư xin lỗi", place_date="Huế, ngày 02 tháng 12 năm 2026",
        number="3/PXL", blocks=[("para", "Kính gửi Ông Nguyễn Văn An."), ("fields", [("Mã hồ sơ", "X-1")]),
                                ("table", ["TT", "Nội dung"], [["1", "Quá hạn"]]), ("list", ["Một"])],
        signers=["Đóng dấu", "Thủ trưởng"], qr="000.00.06.H56-261202-0001"), settings.font_dir)
    assert b"/Helvetica" not in letter  # ReportLab's default face is never referenced without being embedded
    signed, sealed = sign_and_seal(letter, keys, settings.font_dir)
    for content in (letter, signed, sealed):
        assert archival_problems(content) == []


def test_the_documents_of_a_dossier_are_pdfa(api):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    dossier = api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    kinds = {}
    for doc in dossier["documents"]:
        if doc["media_type"] == "application/pdf":
            kinds[doc["kind"]] = archival_problems(api.get(doc["url"], "demo.vanthu").data)
    assert {"receipt", "result_draft", "result"} <= set(kinds) and all(p == [] for p in kinds.values()), kinds


def test_page_one_of_the_signed_certificate_is_not_blank(keys, settings, tmp_path):
    """pdftoppm (poppler-utils) draws page 1; the picture is kept in tests/artifacts for the note."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm is missing: install the Debian package poppler-utils (.ci/run does)")
    _, sealed = sign_and_seal(certificate(settings), keys, settings.font_dir)
    (tmp_path / "gcn.pdf").write_bytes(sealed)
    subprocess.run(["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "gcn.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    raw = (tmp_path / "page.pgm").read_bytes()
    magic, width, height, depth, pixels = re.match(rb"(P5)\s+(\d+)\s+(\d+)\s+(\d+)\s(.*)", raw, re.S).groups()
    width, height = int(width), int(height)
    dark = sum(1 for value in pixels[:width * height] if value < 200)
    assert width * height > 100_000 and dark > 0.01 * width * height, (width, height, dark)
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(tmp_path / "gcn.pdf"),
                    str(ARTIFACTS / "result-page1")], check=True, timeout=60)
    assert (ARTIFACTS / "result-page1.png").stat().st_size > 10_000


# -- tthc render ------------------------------------------------------------------------------------------------
def tthc(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT), "HOME": str(cwd)}
    return subprocess.run([sys.executable, "-c", "from engine.cli import run; run()", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def pdf_text(path: Path) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(str(path)).pages).split())


def test_tthc_render_previews_a_procedure_with_its_sample(tmp_path):
    done = tthc("render", str(FOLDER), "-o", str(tmp_path / "out.pdf"), cwd=tmp_path)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    text = pdf_text(tmp_path / "out.pdf")
    assert "GIẤY CHỨNG NHẬN ĐĂNG KÝ HỘ KINH DOANH" in text and "CÀ PHÊ SÔNG HƯƠNG" in text
    assert "Số: 12/GCN-UBND" in text and "150.000.000 đồng" in text and "TM. ỦY BAN NHÂN DÂN" in text
    assert archival_problems((tmp_path / "out.pdf").read_bytes()) == []


def test_tthc_render_takes_data_or_makes_a_sample_from_the_form(tmp_path):
    folder = tmp_path / "proc"
    shutil.copytree(FOLDER, folder)
    (folder / "sample.json").unlink()
    (folder / "forms").symlink_to(ROOT / "forms")
    done = tthc("render", str(folder), "-o", str(tmp_path / "made.pdf"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Tên hộ kinh doanh".upper() in pdf_text(tmp_path / "made.pdf")  # each text field shows its title
    assert "100.000.000 đồng" in pdf_text(tmp_path / "made.pdf")
    data = tmp_path / "data.json"
    data.write_text('{"form": {"ten_ho_kinh_doanh": "Tiệm may Áo Dài", "von_kinh_doanh": 7000000}, '
                    '"number": "7/GCN-UBND", "signer_role": "department_leader"}', encoding="utf-8")
    done = tthc("render", str(folder / "result.html"), "--data", str(data), "-o", str(tmp_path / "d.pdf"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = pdf_text(tmp_path / "d.pdf")
    assert "TIỆM MAY ÁO DÀI" in text and "7.000.000 đồng" in text and "Số: 7/GCN-UBND" in text
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text


@pytest.mark.parametrize(("source", "line", "words"), [
    ('{% extends "van-ban.html" %}\n{% block body %}\n{% if %}\n{% endblock %}\n', 3, "Expected an expression"),
    ('{% extends "van-ban.html" %}\n{% block body %}\n<p>{{ "".__class__ }}</p>\n{% endblock %}\n', 3, "unsafe"),
    ('{% extends "van-ban.html" %}\n{% block body %}\n\n<p>{{ 5000 | vn_money(1, 2, 3) }}</p>'
     '\n{% endblock %}\n', 4, "TypeError"),
])
def test_tthc_render_names_the_line_of_a_broken_template(tmp_path, source, line, words):
    template = tmp_path / "ket-qua.html"
    template.write_text(source, encoding="utf-8")
    done = tthc("render", str(template), "-o", str(tmp_path / "out.pdf"), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert f"ket-qua.html:{line}:" in done.stderr and words in done.stderr, done.stderr
    assert not (tmp_path / "out.pdf").exists()
