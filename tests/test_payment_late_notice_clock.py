"""A gateway's notification that comes late (a retry): the payment is dated when the gateway says the citizen paid
(the receipt, the day's reconciliation, the reports: D26), but the dossier's clock moves on when the engine learns of
it, since nobody could work on the dossier before (status 6). So a filing fee paid at 14:00 and notified at 15:30
gives the one-stop its hour from 15:30 (D7), not an intake already late, and the dossier's history reads in the
order things happened."""
from __future__ import annotations

from conftest import iso, vn
from payment_support import configure
from test_fees import _deploy
from test_payment_notice_race_paydate import _at, _order, _signed, _waiting

from engine import timers
from engine.law.statuses import Status


def test_a_filing_fee_notified_late_gives_the_one_stop_its_hour_from_the_notice(app, api, clock):
    configure(app)
    _deploy(api, '<spiffworkflow:property name="fee.le_phi" value="100000;at_filing;Lệ phí" />')
    _at(api, clock, vn(2026, 11, 23, 13, 50))  # Monday
    d = api.file()
    assert d["status"] == Status.PAYMENT
    ref = _order(api, d["code"])
    _at(api, clock, vn(2026, 11, 23, 15, 30))  # paid 14:00 at the gateway, told at 15:30
    assert api.get("/api/v1/payments/vnpay/ipn",
                   query_string=_signed(app, ref, "20261123140000")).get_json()["RspCode"] == "00"
    ext = app.extensions["tthc"]
    timers.sweep(ext["sessions"], ext["settings"], clock.now())
    after = api.get(f"/api/v1/dossiers/{d['code']}", "demo.tiepnhan").get_json()
    assert after["payments"][0]["paid_at"] == iso(2026, 11, 23, 14, 0)
    assert after["intake_due_at"] == iso(2026, 11, 23, 16, 30) and after["intake_late"] is False, after


def test_the_history_stays_in_time_order_when_the_notice_comes_after_other_events(app, api, clock):
    configure(app)
    d = _waiting(api, clock)  # received Monday 23/11/2026 09:30, the fee owed (status 6)
    code = d["code"]
    _at(api, clock, vn(2026, 11, 25, 13, 0))
    ref = _order(api, code)
    _at(api, clock, vn(2026, 11, 25, 15, 0))
    assert api.post(f"/api/v1/dossiers/{code}/suspend", "demo.admin",
                    json={"reason": "Kiểm tra dữ liệu"}).status_code == 200
    _at(api, clock, vn(2026, 11, 25, 16, 0))  # paid 14:00, told 16:00
    assert api.get("/api/v1/payments/vnpay/ipn",
                   query_string=_signed(app, ref, "20261125140000")).get_json()["RspCode"] == "00"
    history = api.get(f"/api/v1/dossiers/{code}", "demo.tiepnhan").get_json()["history"]
    times = [e["at"] for e in history]
    assert times == sorted(times), history
    assert history[-1]["at"] == iso(2026, 11, 25, 16, 0)
