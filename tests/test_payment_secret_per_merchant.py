"""Each merchant its own hash secret (D26: the gateway's notification is the truth, checked by signature and
amount). Ward A (UBND phường An Cựu, offering the sample procedure) takes fees through its own VNPay account,
merchant ANCUU01, whose secret is its own; the demo ward Thuận Hóa keeps merchant TTHCDEMO on the province's
default secret. Ward A's pay URL is signed with its secret and its IPN is checked with it: signed with the
default secret, or naming another merchant, the IPN is refused as a bad signature and the fee stays owed."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from conftest import CITIZEN, OFFICERS, vn
from payment_support import configure, ipn_params
from test_offers import DEMO, WARD_A, province, put_offers  # noqa: F401 (province: a fixture)
from engine.cases import payments
from engine.cases.gateways import Dvcqg, VnPay
from engine.core.settings import SettingsError, load_settings, unknown_variables
from engine.data import agencies
from engine.data.payment_model import PaymentEvent
from engine.law.statuses import Status
from engine.paperwork import results

WARD_MERCHANT, WARD_SECRET = "ANCUU01", "an-cuu-own-hash-secret"


@pytest.fixture
def settings(settings):
    """The test settings with ward A's merchant secret configured (``[payment_secrets]``)."""
    return settings.replace(payment_secrets=((WARD_MERCHANT, WARD_SECRET),))


def _gateways(app, ward_gateway: str = "vnpay") -> None:
    """Thuận Hóa on VNPay, merchant TTHCDEMO (no secret of its own: the default one); ward A on ``ward_gateway``,
    merchant ANCUU01, with its seal key (`tthc pki init`) for the receipt of its fees."""
    configure(app)
    with app.extensions["tthc"]["sessions"].begin() as session:
        results.ensure_keys(session, app.extensions["tthc"]["settings"], app.extensions["tthc"]["clock"].now())
        payments.configure(session, agencies.by_code(session, WARD_A).id, ward_gateway,
                           app.extensions["tthc"]["clock"].now(), WARD_MERCHANT, "http://127.0.0.1:9/pay")


def _received_at(api, clock, agency: str, officer: str) -> dict:
    """A dossier filed at ``agency`` Monday 23/11/2026 09:00, received 09:30: its 100.000 đ fee is owed."""
    code = api.file(CITIZEN, agency=agency)["code"]
    clock.set(vn(2026, 11, 23, 9, 30))
    d = api.act(officer, code, "receive")
    assert d["status"] == Status.PAYMENT and d["payments"][0]["amount"] == 100000
    return d


def _start(api, code: str) -> dict:
    r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, json={})
    assert r.status_code == 201, r.get_json()
    return {k: v[0] for k, v in parse_qs(urlparse(r.get_json()["redirect_url"]).query).items()}


def _ipn(app, ref: str, secret: str, merchant: str) -> dict:
    """VNPay's IPN for ``ref`` paid 100.000 đ at merchant ``merchant``, signed with ``secret``."""
    params = {**ipn_params(app, ref, 100000), "vnp_TmnCode": merchant}
    params["vnp_SecureHash"] = VnPay.sign(params, secret)
    return params


def _post(api, params) -> str:
    r = api.get("/api/v1/payments/vnpay/ipn", query_string=params)
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()["RspCode"]


def _status(api, code: str) -> tuple[int, str]:
    d = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    return d["status"], d["payments"][0]["status"]


@pytest.fixture
def two_wards(api, province, app, clock):  # noqa: F811 (province: the fixture imported above)
    r = put_offers(api, {"agencies": [DEMO, WARD_A]})
    assert r.status_code == 200, r.get_json()
    _gateways(app)
    return app


def test_the_wards_pay_url_and_ipn_use_its_own_secret(api, two_wards, app, clock):
    default = app.extensions["tthc"]["settings"].payment_secret
    d = _received_at(api, clock, WARD_A, "a.canbo")
    query = _start(api, d["code"])
    assert query["vnp_TmnCode"] == WARD_MERCHANT
    assert VnPay.signed(query, WARD_SECRET) and not VnPay.signed(query, default)
    clock.set(vn(2026, 11, 23, 9, 45))
    assert _post(api, _ipn(app, query["vnp_TxnRef"], default, WARD_MERCHANT)) == "97"  # the province's key
    assert _status(api, d["code"]) == (Status.PAYMENT, "pending")
    assert _post(api, _ipn(app, query["vnp_TxnRef"], WARD_SECRET, WARD_MERCHANT)) == "00"
    assert _status(api, d["code"]) == (Status.PROCESSING, "paid")


def test_the_demo_wards_ipn_with_the_default_secret_still_settles(api, two_wards, app, clock):
    default = app.extensions["tthc"]["settings"].payment_secret
    d = _received_at(api, clock, DEMO, OFFICERS["intake"])
    query = _start(api, d["code"])
    assert query["vnp_TmnCode"] == "TTHCDEMO" and VnPay.signed(query, default)
    clock.set(vn(2026, 11, 23, 9, 45))
    assert _post(api, _ipn(app, query["vnp_TxnRef"], WARD_SECRET, "TTHCDEMO")) == "97"  # another merchant's key
    assert _post(api, _ipn(app, query["vnp_TxnRef"], default, "TTHCDEMO")) == "00"
    assert _status(api, d["code"]) == (Status.PROCESSING, "paid")


def test_an_ipn_naming_another_merchant_than_the_orders_agency_is_refused(api, two_wards, app, clock):
    default = app.extensions["tthc"]["settings"].payment_secret
    d = _received_at(api, clock, WARD_A, "a.canbo")
    ref = _start(api, d["code"])["vnp_TxnRef"]
    clock.set(vn(2026, 11, 23, 9, 45))
    assert _post(api, _ipn(app, ref, WARD_SECRET, "TTHCDEMO")) == "97"  # ward A's key, Thuận Hóa's merchant
    assert _post(api, _ipn(app, ref, default, "TTHCDEMO")) == "97"  # Thuận Hóa's key and merchant
    assert _status(api, d["code"]) == (Status.PAYMENT, "pending")
    with app.extensions["tthc"]["sessions"]() as session:
        logged = session.execute(select(PaymentEvent.verdict, PaymentEvent.message).order_by(PaymentEvent.id)).all()
    assert [v for v, _ in logged] == ["97", "97"] and "merchant" in logged[0][1]
    assert _post(api, _ipn(app, "NO-SUCH-ORDER", default, "TTHCDEMO")) == "01"  # unknown order: as before


def test_the_platforms_confirmation_is_checked_with_the_wards_secret(api, province, app, clock):  # noqa: F811
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    _gateways(app, "dvcqg")
    d = _received_at(api, clock, WARD_A, "a.canbo")
    init = _start(api, d["code"])
    assert init["MaDoiTac"] == WARD_MERCHANT
    assert init["MaXacThuc"] == Dvcqg.digest(init, Dvcqg.INIT, WARD_SECRET)
    clock.set(vn(2026, 11, 23, 9, 45))

    def confirm(secret: str, merchant: str = WARD_MERCHANT) -> str:
        message = {"LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": merchant, "MaThamChieu": init["MaThamChieu"],
                   "SoTien": "100000", "MaTienTe": "VND", "MaGiaoDich": "GD1", "MaNganHang": "NCB",
                   "ThoiGianGD": "20261123094500", "ThongTinGiaoDich": "THANH TOAN"}
        message["MaXacThuc"] = Dvcqg.digest(message, Dvcqg.CONFIRM, secret)
        return api.post("/api/v1/payments/dvcqg/ipn", data=message).get_json()["MaLoi"]

    assert confirm(app.extensions["tthc"]["settings"].payment_secret) == "97"
    assert confirm(WARD_SECRET, "TTHCDEMO") == "97"
    assert _status(api, d["code"]) == (Status.PAYMENT, "pending")
    assert confirm(WARD_SECRET) == "00"
    assert _status(api, d["code"]) == (Status.PROCESSING, "paid")


# -- the settings: a table in the configuration, a variable per merchant, the default for the others --------------
def test_merchant_secrets_come_from_the_config_file_and_variables(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('payment_hash_secret = "province"\n[payment_secrets]\n"ANCUU01" = "from-file"\n'
                    '"VYDA01" = "file-too"\n', encoding="utf-8")
    settings = load_settings({"TTHC_CONFIG": str(site), "TTHC_PAYMENT_SECRET_VYDA01": "from-variable"})
    assert settings.payment_secret_of("ANCUU01") == "from-file"
    assert settings.payment_secret_of("VYDA01") == "from-variable"
    assert settings.payment_secret_of("TTHCDEMO") == settings.payment_secret_of("") == "province"
    assert "from-file" not in repr(settings)
    assert unknown_variables({"TTHC_PAYMENT_SECRET_VYDA01": "x"}) == []
    assert load_settings({"TTHC_PAYMENT_SECRETS": '{ "A.1" = "s" }'}).payment_secrets == (("A.1", "s"),)
    assert load_settings({}).payment_secrets == ()  # the shipped table is empty


@pytest.mark.parametrize("environ", [{"TTHC_PAYMENT_SECRET_ANCUU01": ""}, {"TTHC_PAYMENT_SECRETS": "not a table"}])
def test_an_empty_or_malformed_merchant_secret_is_refused(environ):
    with pytest.raises(SettingsError, match="payment_secrets"):
        load_settings(environ)
