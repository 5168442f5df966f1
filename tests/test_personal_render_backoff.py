"""A personal document (the result's draft the leader signs, D22, D35) that fails to be rendered backs off like a
sealed one (engine.cases.issuing.put_back): failed at the leader's approval on Tuesday 24/11/2026 16:50, it is
tried again at 16:51, then not before 16:53, on the worker's injected clock; the signer keeps a clear message.
The failure is a broken result template (its renderer raising), the drain's own catch-all case
(the receipt, drawn by the same renderer, fails alongside; only the result's request is counted here)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import Api
from test_document_dated_when_signed import decided, vn
from engine import timers
from engine.data.model import Dossier
from engine.data.signing_model import SigningRequest
from engine.paperwork import drafting


@pytest.fixture
def backend():
    return "sqlite"


@pytest.fixture
def api(app):
    return Api(app.test_client(), auto_sign=False)


def test_a_result_draft_that_fails_to_render_waits_longer_after_each_failure(api, app, clock, monkeypatch):
    def broken(*_args, **_kwargs):
        raise ValueError("mẫu kết quả bị lỗi cú pháp")

    monkeypatch.setattr(drafting, "render", broken)
    code = decided(api, clock)
    ext = app.extensions["tthc"]

    def beat(minutes: int) -> int:
        clock.set(vn(2026, 11, 24, 16, 50) + timedelta(minutes=minutes))
        return timers.render_signing(ext["sessions"], ext["settings"], clock.now())

    def result_request() -> SigningRequest:
        with ext["sessions"]() as session:
            return session.scalar(select(SigningRequest).join(Dossier, Dossier.id == SigningRequest.dossier_id)
                                  .where(Dossier.code == code, SigningRequest.purpose == "personal"))

    if result_request().attempts == 0:  # not drawn after the commit here: the worker's first beat draws it
        beat(0)
    assert result_request().attempts == 1  # failed once, at 16:50
    beat(1)  # 16:51: a minute later, tried and failed again
    assert result_request().attempts == 2
    beat(2)  # 16:52: it waits two minutes now
    assert result_request().attempts == 2
    beat(3)  # 16:53
    req = result_request()
    assert req.attempts == 3 and req.state == "pending" and req.document_id is None
    assert "mẫu kết quả bị lỗi cú pháp" in req.last_error
