"""D22: nothing invalid is returned. A document's bytes are stored under their SHA-256 and the document row keeps
that digest; bytes altered in the file store afterwards (one flipped byte of an issued result) no longer match it.
Such a read is refused with a clear Vietnamese reason (409, document_altered) on the portal and the API and is
logged for the operators; the altered bytes are never served. Before, they were served with 200."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from conftest import CITIZEN
from test_result_reissue import issued, results_of
from web_support import Web, text_of
from engine.core.errors import Conflict
from engine.data.model import Document
from engine.paperwork import documents

ALTERED = "Tệp của tài liệu trong kho lưu trữ đã bị thay đổi so với bản đã lưu"


@pytest.fixture
def backend():
    return "sqlite"


def _flip_one_byte(app, settings) -> tuple[Document, bytes]:
    with app.extensions["tthc"]["sessions"]() as session:
        result = session.scalar(select(Document).where(Document.kind == "result"))
    path = documents.path_for(settings.data_dir, result.sha256)
    altered = bytearray(path.read_bytes())
    altered[altered.index(b"stream") + 40] ^= 0x01
    path.write_bytes(bytes(altered))
    return result, bytes(altered)


def test_d22_an_altered_result_is_refused_on_the_api_and_logged_never_served(api, app, settings, caplog):
    """D22: the API answers 409 document_altered, not the altered bytes, and the operators' log names it."""
    code = issued(api, returned=True)
    [res] = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    assert api.get(res["url"], CITIZEN).status_code == 200  # as stored: served
    result, altered = _flip_one_byte(app, settings)
    with caplog.at_level(logging.ERROR):
        r = api.get(res["url"], CITIZEN)
    assert r.status_code == 409
    error = r.get_json()["error"]
    assert error["code"] == "document_altered" and error["message"].startswith(ALTERED)
    assert altered not in r.data
    assert any(str(result.id) in rec.getMessage() and result.sha256 in rec.getMessage() for rec in caplog.records)


def test_d22_an_altered_result_is_refused_on_the_portal_with_a_page_not_a_500(api, app, settings):
    """D22: the citizen's download link answers a 409 page with the reason in Vietnamese."""
    code = issued(api, returned=True)
    result, altered = _flip_one_byte(app, settings)
    citizen = Web(app.test_client()).login(CITIZEN)
    r = citizen.get(f"/tai-lieu/{result.id}", status=409)
    assert ALTERED in text_of(r)
    assert altered not in r.data
    assert code  # the dossier itself still opens
    citizen.get(f"/ca-nhan/ho-so/{code}")


def test_d22_the_bytes_served_are_compared_with_the_stored_digest(app, settings):
    """D22: documents.read_intact (what the downloads serve) refuses bytes whose SHA-256 is not the recorded one
    and returns matching bytes unchanged."""
    digest = documents.store_bytes(settings.data_dir, b"%PDF-1.7 ket qua")
    doc = Document(id=7, dossier_id=1, kind="result", name="kq.pdf", media_type="application/pdf", size=16,
                   sha256=digest)
    assert documents.read_intact(settings.data_dir, doc) == b"%PDF-1.7 ket qua"
    documents.path_for(settings.data_dir, digest).write_bytes(b"%PDF-1.7 ket qua!")
    with pytest.raises(Conflict) as refused:
        documents.read_intact(settings.data_dir, doc)
    assert refused.value.code == "document_altered" and refused.value.status == 409
