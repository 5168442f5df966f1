"""The signing flow with real devices (D35), on SQLite and PostgreSQL: an officer whose key a remote service holds
signs once they confirmed on their device (202 until then, 422 when they refuse); with a TSA configured, the
signature carries its timestamp."""
from __future__ import annotations

import io

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from conftest import PASSWORD
from device_support import confirm, pyhanko_statuses
from engine.data.model import Document, Dossier, User
from engine.data.signing_model import SigningMethod, SigningRequest
from engine.paperwork import documents, results
from engine.web import create_app, trustservices
from test_signing_requests import LEADER, approved, only_request, render, sign


@pytest.fixture
def services(settings, clock):
    pki = results.pki(settings)
    pki.issue(pki.remote_key(LEADER), "Phạm Minh Lãnh", "Ủy ban nhân dân phường Thuận Hóa (demo)", clock.now())
    running = trustservices.start(pki, clock.now(), clock=clock.now)
    yield running
    running.stop()


def _use(app, username: str, method: dict, now) -> None:
    with app.extensions["tthc"]["sessions"].begin() as session:
        user = session.scalar(select(User).where(User.username == username))
        session.merge(SigningMethod(user_id=user.id, method=method, updated_at=now))


def _signed_content(app, settings, code: str) -> bytes:
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        doc = session.scalar(select(Document).where(Document.dossier_id == dossier.id,
                                                    Document.kind == "result_draft", Document.state == "signed"))
        return documents.read(settings.data_dir, doc)


@pytest.fixture
def api(app):
    from conftest import Api
    return Api(app.test_client(), auto_sign=False)


def test_remote_signing_answers_202_until_the_signer_confirms_then_200(api, app, settings, clock, services):
    _use(app, LEADER, {"kind": "csc", "url": services.url, "credential": LEADER}, clock.now())
    code = approved(api)
    render(app)
    request = only_request(api, LEADER, code)
    waiting = sign(api, LEADER, request["id"], pin=None, status=202)
    assert waiting["state"] == "awaiting_signer" and "xác nhận" in waiting["message"]
    with app.extensions["tthc"]["sessions"]() as session:
        reference = session.get(SigningRequest, request["id"]).reference
    assert reference
    assert sign(api, LEADER, request["id"], pin=None, status=202)["state"] == "awaiting_signer"  # same reference
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.get(SigningRequest, request["id"]).reference == reference
    page = confirm(services.url, reference, "dong-y")
    assert code in page  # the signer's device says what is signed
    assert sign(api, LEADER, request["id"], pin=None)["state"] == "signed"
    checks = results.verify(settings, _signed_content(app, settings, code), clock.now())
    assert [(c.field, c.signer, c.valid) for c in checks] == [(results.FIELD_PERSONAL, "Phạm Minh Lãnh", True)]


def test_a_refusal_on_the_device_is_a_422_and_the_next_attempt_asks_again(api, app, settings, clock, services):
    _use(app, LEADER, {"kind": "csc", "url": services.url, "credential": LEADER}, clock.now())
    code = approved(api)
    render(app)
    request = only_request(api, LEADER, code)
    sign(api, LEADER, request["id"], pin=None, status=202)
    with app.extensions["tthc"]["sessions"]() as session:
        first = session.get(SigningRequest, request["id"]).reference
    confirm(services.url, first, "tu-choi")
    refused = api.post(f"/api/v1/signing-requests/{request['id']}/sign", LEADER, json={})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "signing_refused"
    assert only_request(api, LEADER, code)["state"] == "awaiting_signer"
    sign(api, LEADER, request["id"], pin=None, status=202)
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.get(SigningRequest, request["id"]).reference not in (None, first)


def test_with_a_tsa_configured_the_signature_carries_its_timestamp(settings, clock, services):
    app = create_app(settings.replace(tsa_url=f"{services.url}/tsa"), clock=clock)
    app.testing = True
    try:
        from conftest import Api
        api = Api(app.test_client(), auto_sign=False)
        code = approved(api)
        render(app)
        sign(api, LEADER, only_request(api, LEADER, code)["id"], pin=PASSWORD)
        content = _signed_content(app, settings, code)
        [status] = pyhanko_statuses(content, results.pki(settings).trust_roots(), clock.now())
        assert status.bottom_line and status.timestamp_validity is not None
        assert status.timestamp_validity.timestamp == clock.now()
        assert len(PdfFileReader(io.BytesIO(content)).embedded_signatures) == 1
    finally:
        app.extensions["tthc"]["engine"].dispose()


def test_tthc_pki_method_shows_and_sets_an_officers_method(tmp_path):
    import json

    from click.testing import CliRunner

    from engine.cli import main

    env = {"TTHC_DATA_DIR": str(tmp_path / "data"), "TTHC_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}
    assert CliRunner().invoke(main, ["demo", "load"], env=env).exit_code == 0
    shown = CliRunner().invoke(main, ["pki", "method", LEADER], env=env)
    assert shown.exit_code == 0 and json.loads(shown.stdout) == {"kind": "pkcs12"}
    remote = {"kind": "csc", "url": "http://127.0.0.1:5001", "credential": LEADER}
    set_ = CliRunner().invoke(main, ["pki", "method", LEADER, json.dumps(remote)], env=env)
    assert set_.exit_code == 0 and json.loads(set_.stdout) == remote
    assert json.loads(CliRunner().invoke(main, ["pki", "method", LEADER], env=env).stdout) == remote
    for bad in ('{"kind": "x"}', "[1]", "not json"):
        refused = CliRunner().invoke(main, ["pki", "method", LEADER, bad], env=env)
        assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert json.loads(CliRunner().invoke(main, ["pki", "method", LEADER], env=env).stdout) == remote
