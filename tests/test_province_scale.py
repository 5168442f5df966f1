"""A province's catalogue stays one read however many procedures it offers (issue 13, "Scale"; the figures are
bench/province.py's): the catalogue page, the API's list and the home page ask the database the same number
of questions for 1 procedure and for 21."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from conftest import SAMPLE_CODE
from engine.data.model import Procedure, ProcedureVersion

PAGES = ["/thu-tuc", "/thu-tuc?level=full_online", "/api/v1/procedures", "/"]


def _questions(app, path: str) -> int:
    engine, seen = app.extensions["tthc"]["engine"], []

    def count(*_args):
        seen.append(1)

    client = app.test_client()
    assert client.get(path).status_code == 200
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def _more_procedures(app, n: int) -> None:
    """``n`` procedures more, copies of the sample's version (with its fee and its full-online level)."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        sample = session.scalar(select(ProcedureVersion).join(Procedure, Procedure.latest_version_id
                                                              == ProcedureVersion.id).where(Procedure.code == SAMPLE_CODE))
        for i in range(n):
            code = f"9.{i:06d}"
            proc = Procedure(code=code, name=f"Thủ tục thử {i}", agency_id=sample.procedure.agency_id)
            session.add(proc)
            session.flush()
            version = ProcedureVersion(procedure_id=proc.id, version=1, process_id=sample.process_id,
                                       file_name=sample.file_name, content_hash=f"{i:064d}", bpmn_xml=sample.bpmn_xml,
                                       spec_json=sample.spec_json, forms=sample.forms,
                                       info={**sample.info, "code": code}, deployed_at=sample.deployed_at)
            session.add(version)
            session.flush()
            proc.latest_version_id = version.id


def test_the_home_page_shows_the_first_procedures_and_links_to_all(app):
    _more_procedures(app, 25)
    text = app.test_client().get("/").get_data(as_text=True)
    assert text.count('href="/thu-tuc/') == 20 and "Xem tất cả 26 thủ tục" in text


@pytest.mark.parametrize("path", PAGES)
def test_the_catalogue_asks_the_same_questions_for_21_procedures_as_for_one(app, path):
    """Regression: each procedure with a fee read its agency's payment gateway again (the identity map does not
    remember an agency that has none): 500 procedures were 500 queries."""
    one = _questions(app, path)
    _more_procedures(app, 20)
    assert _questions(app, path) == one
