"""Signing devices (D35): a PKCS#11 token (SoftHSM2), remote signing confirmed by the signer (CSC API), RFC 3161
timestamps from a TSA and embedded validation data (PAdES B-LT), each checked by validators that are not ours:
pyHanko's own ``validate_pdf_signature`` and poppler's ``pdfsig``."""
from __future__ import annotations

import io
import json
import urllib.error
import urllib.request
from datetime import timedelta, timezone

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from conftest import vn
from device_support import TOKEN, TOKEN_PIN, confirm, nss_db, pdfsig, pyhanko_statuses, softhsm_token
from engine.core.settings import load_settings
from engine.paperwork import longterm, pdf, signatures, signers, tokens
from engine.paperwork.pki import Pki
from engine.web import cscservice, trustservices

NOW = vn(2026, 11, 23, 9, 0)
ORG = "UBND phường Thử Nghiệm"
PASS = "devices-passphrase"


class Clock:
    """The services' clock, moved by the tests."""

    def __init__(self):
        self.at = NOW.astimezone(timezone.utc)

    def __call__(self):
        return self.at


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A PKI whose certificates name the services' CRL, the services, a token with a key made on it."""
    folder = tmp_path_factory.mktemp("devices")
    pki, clock = Pki(folder / "pki", PASS), Clock()
    services = trustservices.start(pki, NOW, clock=clock)
    pki.crl_url = f"{services.url}/crl"  # every certificate below the root names its issuer's list there
    pki.init(ORG, NOW)
    pki.issue(pki.user_key("lanhdao"), "Phạm Minh Lãnh", ORG, NOW)
    pki.issue(pki.remote_key("thutruong"), "Hoàng Văn Trưởng", ORG, NOW)  # held by the remote service
    pki.issue(pki.remote_key("phogiamdoc"), "Lý Phó Giám", ORG, NOW)
    module = softhsm_token(folder / "hsm", pki, NOW, {"giamdoc": ("Đỗ Thị Giám", ORG)})
    settings = load_settings({}, tsa_url=f"{services.url}/tsa", crl_url=pki.crl_url, pkcs11_module=module)
    nssdir = nss_db(folder / "nss", pki.trust_roots())
    yield {"pki": pki, "services": services, "clock": clock, "settings": settings, "nss": nssdir,
           "folder": folder, "module": module}
    services.stop()


@pytest.fixture(autouse=True)
def _clock_back(world):
    world["clock"].at = NOW.astimezone(timezone.utc)


def _document(settings) -> bytes:
    doc = pdf.PdfDocument(agency=ORG, title="Giấy chứng nhận đăng ký hộ kinh doanh",
                          place_date="Huế, ngày 23 tháng 11 năm 2026", number="12/GCN-HKD",
                          blocks=[("para", "Hộ kinh doanh Tạp hóa Bình An, chủ hộ Nguyễn Văn An.")],
                          signers=["Văn thư", "Lãnh đạo"], qr="000.00.09.H56-261123-0001")
    return pdf.render(doc, settings.font_dir)


def _remote(world, credential="thutruong") -> dict:
    return {"kind": "csc", "url": world["services"].url, "credential": credential}


def _open(world, kind: str):
    """A signer of each kind, confirmed where the method asks for it."""
    pki = world["pki"]
    if kind == "pkcs12":
        return signers.open_signer({"kind": "pkcs12"}, pin=PASS, default_file=pki.user_key("lanhdao"))
    if kind == "pkcs11":
        return signers.open_signer({"kind": "pkcs11", "token": TOKEN, "key": "giamdoc"}, pin=TOKEN_PIN,
                                   default_file=None, settings=world["settings"])
    with pytest.raises(signers.SigningPending) as pending:
        signers.open_signer(_remote(world), pin=None, default_file=None, description="Ký Giấy chứng nhận")
    confirm(world["services"].url, pending.value.reference, "dong-y")
    return signers.open_signer(_remote(world), pin=None, default_file=None, reference=pending.value.reference)


def _sign(world, kind: str, document: bytes | None = None, **extra) -> bytes:
    settings = world["settings"]
    return signatures.sign_pdf_with(document or _document(settings), _open(world, kind), "CaNhan", "Phê duyệt",
                                    "Huế", NOW, box=pdf.SIGNATURE_BOXES["personal"],
                                    timestamper=longterm.timestamper(settings), **extra)


SIGNERS = {"pkcs12": "Phạm Minh Lãnh", "pkcs11": "Đỗ Thị Giám", "csc": "Hoàng Văn Trưởng"}


@pytest.mark.parametrize("kind", sorted(SIGNERS))
def test_each_method_signs_a_timestamped_pdf_that_pyhanko_and_pdfsig_accept(world, kind, tmp_path):
    signed = _sign(world, kind)
    [status] = pyhanko_statuses(signed, world["pki"].trust_roots(), NOW + timedelta(hours=1))
    assert status.bottom_line and status.intact and status.trusted
    assert status.signing_cert.subject.native["common_name"] == SIGNERS[kind]
    stamp = status.timestamp_validity  # RFC 3161, from the local TSA, at the TSA's clock
    assert stamp is not None and stamp.trusted and stamp.timestamp == NOW
    assert stamp.signing_cert.subject.native["common_name"] == "TTHC Demo TSA"
    [poppler] = pdfsig(signed, tmp_path, world["nss"])
    assert poppler["signer"] == SIGNERS[kind] and poppler["validation"] == ["Signature is Valid."]
    assert poppler["certificate"] == "Certificate is Trusted."
    [ours] = signatures.verify_pdf(signed, world["pki"].trust_roots(), NOW + timedelta(hours=1))
    assert (ours.signer, ours.status) == (SIGNERS[kind], "valid")


def test_a_token_key_and_its_certificate_are_on_the_token_and_the_key_cannot_be_read(world):
    """The key was made on the token (enrol): it is marked sensitive and never extractable."""
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    with pkcs11.lib(world["module"]).get_token(token_label=TOKEN).open(user_pin=TOKEN_PIN) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="giamdoc")
        assert key[Attribute.SENSITIVE] and not key[Attribute.EXTRACTABLE]
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[Attribute.VALUE]


@pytest.mark.parametrize("method, pin, code, words", [
    ({"token": TOKEN, "key": "giamdoc"}, "000000", "wrong_pin", "Mã PIN của thiết bị ký số không đúng"),
    ({"token": TOKEN, "key": "giamdoc"}, None, "pin_required", "Cần nhập mã PIN"),
    ({"token": "khong-co", "key": "giamdoc"}, TOKEN_PIN, "token_missing", "Không thấy thiết bị ký số “khong-co”"),
    ({"token": TOKEN, "key": "khong-co"}, TOKEN_PIN, "token_key_missing", "Không thấy khóa ký “khong-co”"),
    ({"token": TOKEN, "key": "giamdoc", "module": "/khong/co/libpkcs11.so"}, TOKEN_PIN, "token_module_missing",
     "Không tìm thấy thư viện PKCS#11"),
    ({"key": "giamdoc"}, TOKEN_PIN, "bad_signing_method", "thiếu “token”"),
])
def test_token_failures_are_signing_failed_in_vietnamese(world, method, pin, code, words):
    with pytest.raises(signers.SigningFailed) as failed:
        signers.open_signer({"kind": "pkcs11", **method}, pin=pin, default_file=None, settings=world["settings"])
    assert failed.value.code == code and words in failed.value.message


def test_after_a_wrong_pin_the_right_pin_signs(world):
    with pytest.raises(signers.SigningFailed):
        signers.open_signer({"kind": "pkcs11", "token": TOKEN, "key": "giamdoc"}, pin="111111", default_file=None)
    assert pyhanko_statuses(_sign(world, "pkcs11"), world["pki"].trust_roots(), NOW)[0].bottom_line


def test_without_a_tsa_or_a_crl_configured_nothing_is_added(world):
    bare = load_settings({})
    assert longterm.signing_options(bare, world["pki"].trust_roots(), NOW) == {
        "timestamper": None, "validation_context": None, "lta": False}
    signed = signatures.sign_pdf_with(_document(bare), _open(world, "pkcs12"), "CaNhan", "Phê duyệt", "Huế", NOW,
                                      **longterm.signing_options(bare, world["pki"].trust_roots(), NOW))
    [status] = pyhanko_statuses(signed, world["pki"].trust_roots(), NOW)
    assert status.bottom_line and status.timestamp_validity is None


def test_one_signing_at_a_time_per_token_so_that_each_pin_is_checked(world, monkeypatch):
    """A PKCS#11 login belongs to the process: without the token's lock, a second session opened while the
    first is logged in would not have its own PIN checked."""
    monkeypatch.setattr(tokens, "BUSY_SECONDS", 0.5)
    method = {"kind": "pkcs11", "token": TOKEN, "key": "giamdoc"}
    first = signers.open_signer(method, pin=TOKEN_PIN, default_file=None)
    with pytest.raises(signers.SigningFailed) as busy:
        signers.open_signer(method, pin="999999", default_file=None)
    assert busy.value.code == "token_busy"
    signatures.sign_pdf_with(_document(world["settings"]), first, "CaNhan", "Phê duyệt", "Huế", NOW)  # lets go
    with pytest.raises(signers.SigningFailed) as wrong:
        signers.open_signer(method, pin="999999", default_file=None)
    assert wrong.value.code == "wrong_pin"
    dropped = signers.open_signer(method, pin=TOKEN_PIN, default_file=None)
    del dropped  # opened and never used: the token is free again
    signers.open_signer(method, pin=TOKEN_PIN, default_file=None).close_after_signing()


def test_tthc_pki_token_makes_an_officers_key_on_the_token_and_prints_the_method(world, tmp_path):
    from click.testing import CliRunner

    from engine.cli import main
    from engine.paperwork import results

    env = {"TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
           "TTHC_PKI_PASSPHRASE": PASS, "TTHC_PKCS11_MODULE": world["module"]}
    assert CliRunner().invoke(main, ["demo", "load"], env=env).exit_code == 0
    made = CliRunner().invoke(main, ["pki", "token", "demo.thutruong", "--token", TOKEN], input=f"{TOKEN_PIN}\n",
                              env=env)
    assert made.exit_code == 0, made.output
    method = json.loads(made.stdout.strip().splitlines()[-1])
    assert method == {"kind": "pkcs11", "token": TOKEN, "key": "demo.thutruong"}
    signer = signers.open_signer(method, pin=TOKEN_PIN, default_file=None, settings=world["settings"])
    signed = signatures.sign_pdf_with(_document(world["settings"]), signer, "CaNhan", "Phê duyệt", "Huế", NOW)
    demo_roots = results.pki(load_settings(env)).trust_roots()  # the demo PKI of that data folder
    [status] = pyhanko_statuses(signed, demo_roots, NOW)
    assert status.bottom_line and status.signing_cert.subject.native["common_name"] == "Hoàng Văn Trưởng"
    other = _sign(world, "pkcs11")  # the token's other holder: their certificate is not embedded
    embedded = PdfFileReader(io.BytesIO(other)).embedded_signatures[0].signed_data["certificates"]
    names = {c.chosen.subject.native["common_name"] for c in embedded}
    assert "Đỗ Thị Giám" in names and f"{ORG} CA" in names and "Hoàng Văn Trưởng" not in names
    again = CliRunner().invoke(main, ["pki", "token", "demo.thutruong", "--token", TOKEN, "--pin", TOKEN_PIN],
                               env=env)
    assert again.exit_code == 1 and "đã có khóa" in again.output and "Traceback" not in again.output


def test_the_module_is_the_methods_then_the_settings_then_debians(world, tmp_path):
    assert tokens.module_path({}, None) in tokens.KNOWN_MODULES
    assert tokens.module_path({}, world["module"]) == world["module"]
    with pytest.raises(signers.SigningFailed, match="thiết lập|Không tìm thấy"):
        tokens.module_path({}, str(tmp_path / "none.so"))
    assert tokens.module_path({"module": world["module"]}, str(tmp_path / "none.so")) == world["module"]


def test_remote_signing_waits_for_the_signer_then_signs_once_confirmed(world):
    with pytest.raises(signers.SigningPending) as first:
        signers.open_signer(_remote(world), pin=None, default_file=None, description="Ký kết quả hồ sơ 0001")
    reference = first.value.reference
    assert reference and "chờ người ký xác nhận" in first.value.message
    page = urllib.request.urlopen(f"{world['services'].url}/csc/xac-nhan", timeout=10).read().decode()
    assert "Xác nhận ký số" in page and "Ký kết quả hồ sơ 0001" in page and reference in page
    with pytest.raises(signers.SigningPending) as again:  # asked again before the answer: still waiting
        signers.open_signer(_remote(world), pin=None, default_file=None, reference=reference)
    assert again.value.reference == reference
    shown = confirm(world["services"].url, reference, "dong-y")
    assert "Hoàng Văn Trưởng" in shown and "Đồng ý" in shown and "Từ chối" in shown
    signer = signers.open_signer(_remote(world), pin=None, default_file=None, reference=reference)
    signed = signatures.sign_pdf_with(_document(world["settings"]), signer, "CaNhan", "Phê duyệt", "Huế", NOW)
    assert pyhanko_statuses(signed, world["pki"].trust_roots(), NOW)[0].bottom_line
    with pytest.raises(signers.SigningFailed):  # one confirmation, one signature
        signers.open_signer(_remote(world), pin=None, default_file=None, reference=reference)


def test_remote_signing_over_the_v2_paths(world):
    method = {**_remote(world), "version": "v2"}
    with pytest.raises(signers.SigningPending) as pending:
        signers.open_signer(method, pin=None, default_file=None)
    confirm(world["services"].url, pending.value.reference, "dong-y")
    signer = signers.open_signer(method, pin=None, default_file=None, reference=pending.value.reference)
    signed = signatures.sign_pdf_with(_document(world["settings"]), signer, "CaNhan", "Phê duyệt", "Huế", NOW)
    assert pyhanko_statuses(signed, world["pki"].trust_roots(), NOW)[0].bottom_line
    with pytest.raises(signers.SigningFailed):
        signers.open_signer({**method, "version": "v3"}, pin=None, default_file=None)


def test_remote_signing_refused_by_the_signer_fails_and_signs_nothing(world):
    with pytest.raises(signers.SigningPending) as pending:
        signers.open_signer(_remote(world), pin=None, default_file=None, description="Ký thư xin lỗi")
    confirm(world["services"].url, pending.value.reference, "tu-choi")
    with pytest.raises(signers.SigningFailed) as failed:
        signers.open_signer(_remote(world), pin=None, default_file=None, reference=pending.value.reference)
    assert failed.value.code == "signing_refused" and "từ chối" in failed.value.message


def test_an_unanswered_confirmation_expires(world):
    with pytest.raises(signers.SigningPending) as pending:
        signers.open_signer(_remote(world), pin=None, default_file=None)
    world["clock"].at += timedelta(minutes=cscservice.PENDING_MINUTES + 1)
    confirm(world["services"].url, pending.value.reference, "dong-y")  # too late: not taken
    with pytest.raises(signers.SigningFailed) as failed:
        signers.open_signer(_remote(world), pin=None, default_file=None, reference=pending.value.reference)
    assert failed.value.code == "confirmation_expired"


def test_remote_failures_are_signing_failed(world):
    for method, code in (({**_remote(world), "credential": "khong-co"}, "remote_credential_unknown"),
                         ({**_remote(world), "url": "http://127.0.0.1:9"}, "remote_unreachable"),
                         ({"kind": "csc", "url": "ftp://x"}, "bad_signing_method")):
        with pytest.raises(signers.SigningFailed) as failed:
            signers.open_signer(method, pin=None, default_file=None)
        assert failed.value.code == code


def _post(url: str, body: bytes, kind="application/json"):
    request = urllib.request.Request(url, data=body, headers={"Content-Type": kind})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers.get("Content-Type"), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type"), exc.read()


def test_the_services_answer_bad_requests_without_a_crash(world):
    base = world["services"].url
    for path, body in (("/csc/v1/credentials/authorize", b"not json"), ("/csc/v1/credentials/info", b"[]"),
                       ("/csc/v1/signatures/signHash", json.dumps({"SAD": "forged", "hash": ["AA=="]}).encode()),
                       ("/csc/v1/credentials/authorize", json.dumps({"credentialID": "../ca/root"}).encode())):
        status, kind, raw = _post(base + path, body)
        assert status == 400 and json.loads(raw)["error"] == "invalid_request", path
    status, kind, raw = _post(base + "/tsa", b"\x30\x03garbage", "application/timestamp-query")
    assert (status, kind) == (200, "application/timestamp-reply")
    from asn1crypto import core
    status_info = core.Sequence.load(raw)[0]  # PKIStatusInfo, no token
    assert core.Integer.load(status_info.contents[:3]).native == 2 and len(raw) == 7  # rejection
    listed = json.loads(_post(base + "/csc/v1/credentials/list", b"{}")[2])["credentialIDs"]
    assert listed == ["phogiamdoc", "thutruong"]


def ades_lta_passes(signed: bytes, roots, when) -> bool:
    """pyHanko's ETSI EN 319 102-1 long-term validation (revocation checked wherever a certificate declares
    a source), with the data in the file only."""
    import asyncio

    from pyhanko.sign.ades.report import AdESPassed
    from pyhanko.sign.validation import ades
    from pyhanko.sign.validation.policy_decl import (PdfSignatureValidationSpec, RevinfoOnlineFetchingRule,
                                                     RevocationInfoGatheringSpec, SignatureValidationSpec)
    from pyhanko_certvalidator.context import CertValidationPolicySpec
    from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
    from pyhanko_certvalidator.policy_decl import (CertRevTrustPolicy, RevocationCheckingPolicy,
                                                   RevocationCheckingRule)
    from pyhanko_certvalidator.registry import SimpleTrustManager

    declared = RevocationCheckingRule.CHECK_IF_DECLARED
    policy = CertValidationPolicySpec(trust_manager=SimpleTrustManager.build(trust_roots=roots),
                                      revinfo_policy=CertRevTrustPolicy(RevocationCheckingPolicy(declared, declared)))
    spec = PdfSignatureValidationSpec(SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY)))
    reader = PdfFileReader(io.BytesIO(signed))
    sig = next(s for s in reader.embedded_signatures if s.sig_object_type == "/Sig")
    timing = ValidationTimingInfo(validation_time=when, best_signature_time=when, point_in_time_validation=True)
    result = asyncio.run(ades.ades_lta_validation(sig, spec, timing_info=timing))
    return result.ades_subindic == AdESPassed.OK and result.api_status.bottom_line


def test_a_signature_with_validation_data_stays_valid_after_the_certificate_expired(world, tmp_path):
    """Signed at T with a timestamp and the CRL fetched then (PAdES B-LT, sealed B-LTA); three years later the
    certificate (two years) has expired: pyHanko judges the signature at the time the timestamp proves, with
    the revocation data in the file only, revocation required (hard-fail), and accepts it; without the
    embedded data the same judgement fails, and without a timestamp the signature is simply expired."""
    pki, settings = world["pki"], world["settings"]
    roots, later = pki.trust_roots(), NOW + timedelta(days=3 * 365)
    options = longterm.signing_options(settings, roots, NOW)
    assert options["lta"] and options["validation_context"] is not None
    lt = _sign(world, "pkcs12", validation_context=options["validation_context"], lta=True)
    plain = signatures.sign_pdf_with(_document(settings), _open(world, "pkcs12"), "CaNhan", "Phê duyệt", "Huế",
                                     NOW)
    timestamped_only = _sign(world, "pkcs12")

    def judged_at_signing_time(signed: bytes):
        reader = PdfFileReader(io.BytesIO(signed))
        sig = next(s for s in reader.embedded_signatures if s.sig_object_type == "/Sig")
        assert "/DSS" in reader.root or signed is not lt
        now_context = longterm.validation_context(reader, roots, later)
        stamp = validate_pdf_signature(sig, now_context).timestamp_validity
        assert stamp is not None and stamp.trusted and stamp.timestamp == NOW  # the TSA's certificate lives on
        then = validate_pdf_signature(sig, longterm.validation_context(reader, roots, stamp.timestamp, True),
                                      ts_validation_context=now_context)
        return then.bottom_line

    assert judged_at_signing_time(lt)
    assert ades_lta_passes(lt, roots, NOW + timedelta(hours=1))  # pyHanko's AdES (EN 319 102-1) validator
    [poppler] = [p for p in pdfsig(lt, tmp_path, world["nss"]) if p["field"] == "CaNhan"]  # and its B-LTA seal
    assert poppler["validation"] == ["Signature is Valid."] and poppler["certificate"] == "Certificate is Trusted."
    assert not judged_at_signing_time(timestamped_only)  # the certificate names a CRL the file does not carry
    assert not pyhanko_statuses(plain, roots, later)[0].bottom_line
    [ours] = signatures.verify_pdf(lt, roots, later)
    assert ours.valid and ours.status == "valid" and "dấu thời gian" in ours.message
    assert [c.status for c in signatures.verify_pdf(plain, roots, later)] == ["expired"]
    assert [c.status for c in signatures.verify_pdf(timestamped_only, roots, later)] == ["expired"]


def test_a_tampered_pdf_is_refused_by_pyhanko_pdfsig_and_the_engine(world, tmp_path):
    signed = bytearray(_sign(world, "pkcs11"))
    where = signed.index(b"stream") + 40  # inside the first content stream, in the signed range
    signed[where] ^= 0x01
    [status] = pyhanko_statuses(bytes(signed), world["pki"].trust_roots(), NOW)
    assert not status.intact and not status.bottom_line
    [poppler] = pdfsig(bytes(signed), tmp_path, world["nss"])
    assert poppler["validation"] != ["Signature is Valid."]
    assert [c.status for c in signatures.verify_pdf(bytes(signed), world["pki"].trust_roots(), NOW)] == ["modified"]


def test_an_expired_certificate_is_refused_by_pyhanko_pdfsig_and_the_engine(world, tmp_path):
    """pdfsig judges certificates at the machine's own time, so this case is made relative to it: a
    certificate that ended twenty days ago, used while it was valid, without a timestamp."""
    from datetime import datetime

    pki = world["pki"]
    today = datetime.now(timezone.utc)
    issued = today - timedelta(days=30)
    pki.issue(pki.user_key("het-han"), "Người Hết Hạn", ORG, issued, days=10)
    signer = signers.open_signer({"kind": "pkcs12"}, pin=PASS, default_file=pki.user_key("het-han"))
    signed = signatures.sign_pdf_with(_document(world["settings"]), signer, "CaNhan", "Phê duyệt", "Huế",
                                      issued + timedelta(days=1))
    [status] = pyhanko_statuses(signed, pki.trust_roots(), today)
    assert status.intact and status.valid and not status.bottom_line  # the signature is whole; the cert is not
    [poppler] = pdfsig(signed, tmp_path, world["nss"])
    assert poppler["validation"] == ["Signature is Valid."] and poppler["certificate"] == "Certificate has Expired"
    assert [c.status for c in signatures.verify_pdf(signed, pki.trust_roots(), today)] == ["expired"]
