"""D29: every administrative action is audited. `tthc pki method` changed an officer's signing method (which device
or service signs in their name) and left no trace on the administrators' log."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from web_support import Web, text_of

from engine.cli import main
from engine.data.agency_model import AdminEvent

CSC = {"kind": "csc", "url": "https://ky-so.example.vn/csc/v1", "credential": "demo.lanhdao"}


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_changed_signing_method_is_on_the_log_the_same_one_again_is_not(app):
    ext = app.extensions["tthc"]
    settings = ext["settings"]
    env = {"TTHC_DATABASE_URL": settings.resolved_database_url, "TTHC_DATA_DIR": str(settings.data_dir),
           "TTHC_PKI_DIR": str(settings.pki_dir)}

    def method(*value):
        done = CliRunner().invoke(main, ["pki", "method", "demo.lanhdao", *value], env=env)
        assert done.exit_code == 0, done.output
        return json.loads(done.stdout)

    assert method(json.dumps(CSC)) == CSC
    assert method(json.dumps(CSC)) == CSC  # the same again: nothing changed, nothing to audit
    assert method() == CSC  # read only
    with ext["sessions"]() as session:
        events = session.scalars(select(AdminEvent).where(AdminEvent.action == "officer.signing_method")).all()
        assert [(e.actor, e.target, e.details) for e in events] == [
            (None, "demo.lanhdao", {"before": "pkcs12", "after": "csc", "requests_moved": 0})]
        assert events[0].agency_id is not None  # on the log of the officer's agency and those above it
    page = text_of(Web(app.test_client()).login("demo.admin").get("/quan-tri/nhat-ky"))
    assert "Đổi phương thức ký số của cán bộ" in page and "demo.lanhdao" in page, page
