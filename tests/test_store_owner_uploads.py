"""The citizen's electronic dossier store (D24) and filing for another person (D4): the dossier belongs to its
owner and both see it, but what the owner attaches to it is the owner's. B files for A; when A answers a
supplement request with her own signed paper, that paper is in A's store, not in B's, and B cannot reuse it in
his own dossiers; what B attached himself stays in his store; the dossier's result is A's only. Files attached
before who attached them was recorded are given, by the migration, the account the dossier's trail names."""
from __future__ import annotations

import sqlite3
from datetime import datetime
from io import BytesIO

import pytest
from conftest import CITIZEN, PASSWORD, SAMPLE_FORM, STEP_DATA, VN_TZ
from test_migrations import _alembic, old_database
from test_signatures import _signed_upload
from test_store_own_results import APPROVED, COMPONENT, issued, results_of, reuse, store_ids
from web_support import OTHER_CITIZEN

A_OWNER = {"full_name": "Nguyễn Văn An", "birth_date": "1999-03-14", "cccd": CITIZEN}
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN_TZ)  # Mon 07/12/2026 09:00


def upload(api, settings, user: str, code: str, name: str) -> dict:
    r = api.post(f"/api/v1/dossiers/{code}/documents", user, content_type="multipart/form-data",
                 data={"component": COMPONENT, "file": (BytesIO(_signed_upload(settings)), name)})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def filed_by_b_for_a(api, settings, clock) -> tuple[str, dict, dict]:
    """Mon 07/12/2026 09:00: B registers and files for A (D4) with his own signed upload; at 10:00 the intake
    officer asks for a supplement and A, who sees the dossier, uploads her signed paper to it. Returns the code,
    B's upload and A's."""
    clock.set(MONDAY)
    r = api.post("/api/v1/citizens", json={"full_name": "Trần Văn Bình", "cccd": OTHER_CITIZEN,
                                           "cccd_issued_on": "2021-06-01", "phone": "0905123456",
                                           "email": "binh@example.vn", "password": PASSWORD})
    assert r.status_code == 201, r.get_json()
    code = api.file(OTHER_CITIZEN, owner=A_OWNER)["code"]
    b_upload = upload(api, settings, OTHER_CITIZEN, code, "b-de-nghi.pdf")
    clock.set(MONDAY.replace(hour=10))
    api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
    clock.set(MONDAY.replace(hour=11))
    a_upload = upload(api, settings, CITIZEN, code, "a-de-nghi.pdf")
    return code, b_upload, a_upload


def test_the_owners_upload_is_not_in_the_filers_store_and_he_cannot_reuse_it(api, settings, clock):
    code, b_upload, a_upload = filed_by_b_for_a(api, settings, clock)
    assert api.get(f"/api/v1/dossiers/{code}", OTHER_CITIZEN).status_code == 200  # B still sees it (D4)
    assert a_upload["id"] not in store_ids(api, OTHER_CITIZEN)
    mine = api.file(OTHER_CITIZEN)["code"]  # B's own dossier
    r = reuse(api, OTHER_CITIZEN, mine, a_upload["id"])
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "document_not_found", r.get_json()
    assert [d for d in api.get(f"/api/v1/dossiers/{mine}", OTHER_CITIZEN).get_json()["documents"]
            if d["kind"] == "filing"] == []


def test_the_owner_keeps_her_upload_and_the_filer_his_own(api, settings, clock):
    code, b_upload, a_upload = filed_by_b_for_a(api, settings, clock)
    assert a_upload["id"] in store_ids(api, CITIZEN)
    later = api.file(CITIZEN)["code"]
    assert reuse(api, CITIZEN, later, a_upload["id"]).status_code == 201
    # what B uploaded to the dossier he filed for A stays in his store (and, the dossier being A's, in hers)
    assert b_upload["id"] in store_ids(api, OTHER_CITIZEN)
    mine = api.file(OTHER_CITIZEN)["code"]
    assert reuse(api, OTHER_CITIZEN, mine, b_upload["id"]).status_code == 201


def test_the_result_of_the_dossier_filed_for_the_owner_is_in_her_store_only(api, settings, clock):
    code, _, _ = filed_by_b_for_a(api, settings, clock)
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    clock.set(MONDAY.replace(hour=14))
    issued(api, code, APPROVED)
    [result] = results_of(api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json())
    assert result["id"] in store_ids(api, CITIZEN)
    assert result["id"] not in store_ids(api, OTHER_CITIZEN)


def test_0037_gives_existing_filing_files_the_account_their_attachment_names(tmp_path):
    """Before 0037: dossier X-1 filed by account 1 for someone else; file 1 attached by account 1, file 2 by
    account 2 (the owner), file 3 with no trail of who. After: 1 and 2 name their uploader, 3 stays NULL, and the
    result (4) is nobody's upload. The downgrade drops the column and keeps the files."""
    path, url, db = old_database(tmp_path, "0036")
    db.execute("insert into user_account (id, username, password_hash, full_name, roles, standardised, created_at) "
               "values (2, 'a', 'x', 'A', 'citizen', 0, '2026-12-07 02:00:00')")
    for doc, kind in ((1, "filing"), (2, "filing"), (3, "filing"), (4, "result")):
        db.execute("insert into document (id, dossier_id, kind, name, media_type, size, sha256, created_at) values "
                   "(?, 1, ?, 'f.pdf', 'application/pdf', 1, 'h', '2026-12-07 02:00:00')", (doc, kind))
    for n, (actor, data) in enumerate([(1, '{"component": "C", "document": 1}'),
                                       (2, '{"component": "C", "document": 2, "reused": 9}'),
                                       (1, '{"component": "C"}'), (1, '{"document": 4}'),
                                       (None, '{"document": 3}')], start=1):
        db.execute("insert into audit_event (id, dossier_id, at, actor_id, actor_name, action, to_status, data, "
                   "prev_hash, hash) values (?, 1, '2026-12-07 02:00:00', ?, 'X', 'attach', 2, ?, 'p', 'h')",
                   (n, actor, data))
    db.commit()
    db.close()
    _alembic(url, "upgrade", "0037")
    db = sqlite3.connect(path)
    assert db.execute("select id, uploaded_by_id from document order by id").fetchall() == [
        (1, 1), (2, 2), (3, None), (4, None)]
    db.close()
    _alembic(url, "downgrade", "0036")
    db = sqlite3.connect(path)
    assert "uploaded_by_id" not in [row[1] for row in db.execute("pragma table_info(document)")]
    assert db.execute("select count(*) from document").fetchone() == (4,)
    db.close()
