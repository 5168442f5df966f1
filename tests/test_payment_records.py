"""What a payment leaves: the e-receipt that pyHanko's own validator accepts, and the daily reconciliation of
the gateway's transaction list (`tthc payments reconcile`) with the payments recorded."""
from __future__ import annotations

import io
from datetime import timezone

from click.testing import CliRunner
from conftest import CITIZEN, OFFICERS
from payment_support import configure, ipn_params
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from engine.cli import main
from engine.paperwork import results


def _paid_online(api, app, clock) -> tuple[str, str]:
    d = api.file()
    api.act(OFFICERS["intake"], d["code"], "receive")
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments", CITIZEN, json={})
    ref = r.get_json()["redirect_url"].split("vnp_TxnRef=")[1].split("&")[0]
    answer = api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000))
    assert answer.get_json()["RspCode"] == "00"
    return d["code"], ref


def test_the_e_receipt_is_sealed_by_the_agency_and_pyhankos_validator_accepts_it(app, api, clock, settings):
    configure(app, None)
    d = api.file()
    api.act(OFFICERS["intake"], d["code"], "receive")
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments/desk", OFFICERS["intake"],
                 json={"amount": 100000, "method": "cash"})
    content = api.get(r.get_json()["receipt_url"], CITIZEN).data
    reader = PdfFileReader(io.BytesIO(content))
    [signature] = reader.embedded_signatures
    roots = results.pki(settings).trust_roots()  # the demo root the agency's seal chains to
    context = ValidationContext(trust_roots=roots, moment=clock.now().astimezone(timezone.utc), allow_fetching=False)
    status = validate_pdf_signature(signature, context)
    assert status.intact and status.valid and status.trusted and status.bottom_line, status.pretty_print_details()
    assert "Ủy ban nhân dân phường Thuận Hóa" in status.signing_cert.subject.human_friendly
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    for expected in ("BIÊN LAI THU PHÍ, LỆ PHÍ", "1/BLĐT", "Nguyễn Văn An", "100.000 đồng", "Một trăm nghìn đồng",
                     "Lệ phí đăng ký hộ kinh doanh", d["code"], "Tiền mặt", "09 giờ 00 phút, ngày 23/11/2026"):
        assert expected in text, expected


def _reconcile(settings, tmp_path, rows: list[str], day: str = "2026-11-23"):
    path = tmp_path / "vnpay.csv"
    path.write_text("vnp_TxnRef,vnp_TransactionNo,vnp_Amount,vnp_PayDate,vnp_TransactionStatus\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_DATA_DIR": str(settings.data_dir)}
    return CliRunner().invoke(main, ["payments", "reconcile", str(path), "--gateway", "vnpay", "--date", day], env=env)


def test_reconciliation_reports_each_mismatch_and_exits_1(app, api, clock, settings, tmp_path):
    configure(app)
    _code_a, ref_a = _paid_online(api, app, clock)
    _code_b, ref_b = _paid_online(api, app, clock)
    good = [f"{ref_a},14000001,10000000,20261123090000,00", f"{ref_b},14000002,10000000,20261123090000,00"]
    result = _reconcile(settings, tmp_path, good)
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "2 giao dịch của cổng, 0 chỗ lệch"
    bad = [f"{ref_a},14000001,9000000,20261123090000,00", "NOT-OURS,14000009,10000000,20261123090000,00"]
    result = _reconcile(settings, tmp_path, bad)
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert f"{ref_a}: số tiền khác nhau: cổng 90000, hệ thống 100000 (amount differs)" in lines
    assert "NOT-OURS: có ở cổng thanh toán, không có trong hệ thống (missing)" in lines
    assert f"{ref_b}: đã ghi nhận thanh toán 100000 đồng, cổng thanh toán không có (missing)" in lines
    result = _reconcile(settings, tmp_path, [f"{ref_a},14000001,10000000,20261123090000,02", good[1]])
    assert result.exit_code == 1 and "(status differs)" in result.output
    assert _reconcile(settings, tmp_path, good, day="2026-11-24").exit_code == 1  # that day, nothing of ours
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b\n1,2\n", encoding="utf-8")
    env = {"TTHC_DATABASE_URL": settings.database_url, "TTHC_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(main, ["payments", "reconcile", str(broken), "--date", "2026-11-23"], env=env)
    assert result.exit_code != 0 and "Traceback" not in result.output


def test_serve_demo_starts_the_gateway_simulator_and_the_demo_agency_pays_through_it(tmp_path, pki_dir):
    import os
    import re
    import signal
    import subprocess
    import sys

    from conftest import PKI_PASSPHRASE
    from postgres_server import free_port
    from test_serve import ROOT, _request, _until

    port = free_port()
    env = {**os.environ, "TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'd.sqlite3'}",
           "TTHC_PKI_DIR": str(pki_dir), "TTHC_PKI_PASSPHRASE": PKI_PASSPHRASE, "TTHC_TIMER_INTERVAL_SECONDS": "60"}
    process = subprocess.Popen([sys.executable, "-c", "from engine.cli import run; run()", "serve", "--demo", "--port",
                                str(port), "--threads", "2"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        status, _headers, catalogue = _until("answer", lambda: _request(f"http://127.0.0.1:{port}/api/v1/procedures"),
                                             process)
        assert status == 200 and catalogue[0]["level"] == "full_online"  # D27: the agency has a gateway now
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    output = process.stdout.read()
    found = re.search(r"mô phỏng cổng thanh toán: (http://127\.0\.0\.1:\d+)/", output)
    assert found, output
    assert "Traceback" not in output, output


def test_reconciliation_flags_an_order_paid_after_the_fee_was_paid_at_the_desk(app, api, clock, settings, tmp_path):
    configure(app)
    d = api.file()
    api.act(OFFICERS["intake"], d["code"], "receive")
    r = api.post(f"/api/v1/dossiers/{d['code']}/payments", CITIZEN, json={})
    ref = r.get_json()["redirect_url"].split("vnp_TxnRef=")[1].split("&")[0]
    desk = api.post(f"/api/v1/dossiers/{d['code']}/payments/desk", OFFICERS["intake"],
                    json={"amount": 100000, "method": "cash"})
    assert desk.status_code == 201, desk.get_json()
    api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000, number="14000009"))
    result = _reconcile(settings, tmp_path, [f"{ref},14000009,10000000,20261123090000,00"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (f"{ref}: khoản phí đã được nộp tại quầy; đơn này cũng được thanh "
                                             "toán, cần hoàn trả (paid twice)")


def test_reconciliation_flags_a_fee_paid_through_two_orders(app, api, clock, settings, tmp_path):
    configure(app)
    d = api.file()
    api.act(OFFICERS["intake"], d["code"], "receive")
    refs = []
    for _ in range(2):  # two tabs, two orders, both paid at the gateway
        r = api.post(f"/api/v1/dossiers/{d['code']}/payments", CITIZEN, json={})
        refs.append(r.get_json()["redirect_url"].split("vnp_TxnRef=")[1].split("&")[0])
    for n, ref in enumerate(refs):
        api.get("/api/v1/payments/vnpay/ipn", query_string=ipn_params(app, ref, 100000, number=f"1400000{n}"))
    result = _reconcile(settings, tmp_path, [f"{ref},1400000{n},10000000,20261123090000,00" for n, ref in enumerate(refs)])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (f"{refs[1]}: khoản phí đã được thanh toán bằng đơn hàng {refs[0]}; đơn này "
                                             "cũng được thanh toán, cần hoàn trả (paid twice)")
