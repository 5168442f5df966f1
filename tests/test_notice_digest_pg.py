"""D28 on PostgreSQL: the officers' daily digest is written once a day, and never lost because the agency's row
was locked when the worker came to it.

An officer's transaction that inserts a row referencing the agency (a dossier, a work item) holds FOR KEY SHARE
on the agency's row until it ends; the digest's own lock must not wait for it nor skip the agency. And when the
digest does skip an agency (another worker holds it), the agency is tried again at the next beat, not taken
as done for the day.
"""
from __future__ import annotations

import pytest
from conftest import CITIZEN, vn
from sqlalchemy import create_engine, text

from engine.cases import digests

pytestmark = [pytest.mark.postgresql, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]


def digest_events(api) -> list[str]:
    return [n["event"] for n in api.get("/api/v1/me/notifications", "demo.chuyenvien").get_json()]


def beat_while_held(app, database_url, lock: str) -> int:
    """One digest beat on Thu 26/11/2026 at 09:00 while another connection holds ``lock`` on every agency row."""
    digests._finished.clear()
    other = create_engine(database_url)
    try:
        with other.connect() as conn:
            conn.execute(text("BEGIN"))
            conn.execute(text(f"SELECT id FROM agency ORDER BY id {lock}"))
            written = digests.send_digests(app.extensions["tthc"]["sessions"], app.extensions["tthc"]["settings"],
                                           vn(2026, 11, 26, 9, 0))
            conn.execute(text("ROLLBACK"))
    finally:
        other.dispose()
    return written


def test_the_digest_is_written_while_an_officer_inserts_a_row_of_the_agency(api, app, database_url):
    """D28: an officer's insert (FOR KEY SHARE on the agency's row) does not make the digest skip the agency."""
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")  # the specialist's item is due within a working day on 26/11
    assert beat_while_held(app, database_url, "FOR KEY SHARE") == 1
    assert digest_events(api) == ["digest"]


def test_an_agency_skipped_because_another_worker_holds_it_is_tried_again_at_the_next_beat(
        api, app, database_url):
    """D28: while another worker holds the agency's row the digest is skipped, and the next beat writes it (the
    agency is not taken as done for the day), once."""
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    assert beat_while_held(app, database_url, "FOR NO KEY UPDATE") == 0
    sessions, settings = app.extensions["tthc"]["sessions"], app.extensions["tthc"]["settings"]
    assert digests.send_digests(sessions, settings, vn(2026, 11, 26, 9, 1)) == 1
    assert digests.send_digests(sessions, settings, vn(2026, 11, 26, 9, 2)) == 0
    assert digest_events(api) == ["digest"]
