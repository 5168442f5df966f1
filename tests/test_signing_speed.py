"""What signing keeps per process to be fast (bench/signing.py) changes nothing it decides (D22, D35): a replaced
key file is used at once, an expired certificate is still refused, stamps and names compare as before."""
from __future__ import annotations

import io
import os
from datetime import datetime, timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils import generic

from engine.core.clock import VN_TZ
from engine.paperwork import nameprep, pdf, signatures

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)
PIN = "123456"


@pytest.fixture()
def keys(tmp_path):
    pki = signatures.Pki(tmp_path / "keys", "speed-passphrase")
    pki.init("UBND phường Thử Nghiệm", NOW)
    pki.issue(pki.user_key("lanhdao"), "Phạm Minh Lãnh", "UBND phường Thử Nghiệm", NOW, days=30, pin=PIN)
    return pki


def _document(settings) -> bytes:
    doc = pdf.PdfDocument(agency="UBND phường Thử Nghiệm", title="Giấy chứng nhận", place_date="Huế",
                          number="12/GCN-HKD", blocks=[("para", "Hộ kinh doanh Bình An.")], signers=["Lãnh đạo"],
                          qr="000.00.09.H56-261123-0001")
    return pdf.render(doc, settings.font_dir)


def _sign(keys, content: bytes, now: datetime, stamp: bytes | None = None) -> bytes:
    return signatures.sign_pdf(content, keys.user_key("lanhdao"), PIN, "ChuKyCaNhan", "Phê duyệt", "Huế", now,
                               box=pdf.SIGNATURE_BOXES["personal"], stamp_pdf=stamp)


def _serial(signed: bytes, keys, now) -> int:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return PdfFileReader(io.BytesIO(signed)).embedded_signatures[0].signer_cert.serial_number


def test_a_replaced_key_file_is_used_at_once(keys, settings):
    content = _document(settings)
    first = _sign(keys, content, NOW)
    path = keys.user_key("lanhdao")
    path.unlink()
    keys.issue(path, "Phạm Minh Lãnh", "UBND phường Thử Nghiệm", NOW, days=30, pin=PIN)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))  # a new version, surely
    second = _sign(keys, content, NOW)
    assert _serial(first, keys, NOW) != _serial(second, keys, NOW)
    assert [c.status for c in signatures.verify_pdf(second, keys.trust_roots(), NOW)] == ["valid"]
    with pytest.raises(signatures.Invalid):  # the kept signer does not open the file without its PIN
        signatures._signer(path, "000000")


def test_an_expired_certificate_is_still_refused_with_a_kept_key(keys, settings):
    content = _document(settings)
    assert [c.status for c in signatures.verify_pdf(_sign(keys, content, NOW), keys.trust_roots(), NOW)] == ["valid"]
    late = NOW + timedelta(days=31)  # the same opened key, after its certificate's end
    checks = signatures.verify_pdf(_sign(keys, content, late), keys.trust_roots(), late)
    assert [(c.status, c.valid) for c in checks] == [("expired", False)]


def test_a_stamp_drawn_once_serves_several_documents(keys, settings):
    lines = ["Ký bởi: Phạm Minh Lãnh", "Thời gian: 23/11/2026 09:00"]
    stamp = pdf.render_stamp(lines, pdf.SIGNATURE_BOXES["personal"], settings.font_dir, "ĐÃ KÝ SỐ")
    assert pdf.render_stamp(list(lines), pdf.SIGNATURE_BOXES["personal"], settings.font_dir, "ĐÃ KÝ SỐ") is stamp
    assert pdf.render_stamp(lines[:1], pdf.SIGNATURE_BOXES["personal"], settings.font_dir, "ĐÃ KÝ SỐ") != stamp
    content = _document(settings)
    for _ in range(2):  # the second import reuses the parsed stamp
        signed = _sign(keys, content, NOW, stamp)
        assert [c.status for c in signatures.verify_pdf(signed, keys.trust_roots(), NOW)] == ["valid"]
        assert signed.count(b"/Subtype /Form") >= 1


@pytest.mark.parametrize("data", [b"<48656c6c6f> rest", b"<48 65\n6c\t6c6f>x", b"<486>", b"<>", b"<4 8%c\n65>y",
                                  b"<48zz>", b"<4865", b"<" + b"ab" * 20000 + b">Q", b"<" + b"a" * 16384 + b"b>"])
def test_hex_strings_read_in_one_pass_read_as_pyhanko_reads_them(data):
    fast = generic.read_hex_string_from_stream
    assert getattr(fast, "fast", False)

    def outcome(reader):
        stream = io.BytesIO(data)
        try:
            return bytes(reader(stream)), stream.read()
        except Exception as exc:  # noqa: BLE001 - the same error is the point
            return type(exc).__name__, str(exc)

    assert outcome(fast) == outcome(fast.original)


def test_names_compare_as_rfc_5280_says():
    def name(common: str) -> asn1_x509.Name:
        return asn1_x509.Name.build({"country_name": "VN", "common_name": common})

    assert name("Phạm  Minh Lãnh") == name("phạm minh lãnh")
    assert name("Phạm Minh Lãnh") != name("Phạm Minh Lanh")
    assert nameprep.prepared("  Ủy ban  ") == nameprep._original(None, "  Ủy ban  ")
