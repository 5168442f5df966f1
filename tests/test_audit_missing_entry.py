"""A dossier that was there when the newest checkpoint was written, whose entry in it is gone (deleted, or moved to
another dossier's number) along with its last events, is reported by the check of that dossier alone (GET
/api/v1/dossiers/{code}/audit, `tthc audit verify CODE`), not taken for one filed after the checkpoint; one really
filed after it is still verified without reading the other entries. Real SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from engine.data.model import AuditCheckpointEntry, AuditEvent, Dossier
from test_audit_verify_bounded import (ADMIN, checkpoint, copies, entry_of, reads, received, sessions, verify_all,
                                       verify_one)


def cut_last_event(app, dossier_id: int) -> None:
    """The last event removed and the dossier's head rolled back with it, as whoever can write the database can."""
    with sessions(app).begin() as session:
        last = session.scalar(select(AuditEvent).where(AuditEvent.dossier_id == dossier_id)
                              .order_by(AuditEvent.id.desc()).limit(1))
        session.delete(last)
        session.execute(update(Dossier).where(Dossier.id == dossier_id)
                        .values(audit_head=last.prev_hash, audit_count=Dossier.audit_count - 1))


def gone(app, dossier_id: int) -> None:
    with sessions(app).begin() as session:
        session.execute(delete(AuditCheckpointEntry).where(AuditCheckpointEntry.dossier_id == dossier_id))


def moved(app, dossier_id: int) -> None:
    with sessions(app).begin() as session:
        session.execute(update(AuditCheckpointEntry).where(AuditCheckpointEntry.dossier_id == dossier_id)
                        .values(dossier_id=10**6))


@pytest.mark.parametrize("tamper", [gone, moved])
def test_a_missing_entry_of_a_dossier_there_at_the_checkpoint_is_reported_by_its_own_check(app, settings, api, clock,
                                                                                          tamper):
    code = received(api)  # filed and received at 09:00
    copies(app, code, 1, 3)
    clock.advance(hours=1)
    cp = checkpoint(app, settings, clock)  # at 10:00
    dossier_id = entry_of(app, code).dossier_id
    cut_last_event(app, dossier_id)
    assert any("(sự kiện cuối bị xóa)" in p for p in verify_one(app, settings, code))
    tamper(app, dossier_id)

    missing = f"{code}: dòng của hồ sơ trong điểm kiểm tra #{cp} bị xóa hoặc chuyển sang hồ sơ khác"
    assert verify_one(app, settings, code) == [missing]
    said = verify_all(app, settings, code)  # `tthc audit verify CODE`
    assert said[0].startswith(f"điểm kiểm tra #{cp}: các dòng của điểm kiểm tra bị sửa hoặc xóa") and missing in said
    body = api.get(f"/api/v1/dossiers/{code}/audit", ADMIN).get_json()
    assert body["valid"] is False
    assert verify_all(app, settings)[0].startswith(f"điểm kiểm tra #{cp}: các dòng của điểm kiểm tra bị sửa hoặc xóa")


def test_a_dossier_filed_after_the_checkpoint_is_valid_reading_no_other_entry(app, settings, api, clock):
    first = received(api)
    counts = []
    for start, n in ((1, 29), (30, 270)):  # 30 dossiers at the checkpoint, then 300
        copies(app, first, start, n)
        clock.advance(hours=1)
        cp = checkpoint(app, settings, clock)
        clock.advance(minutes=5)
        later = received(api)  # filed five minutes after the checkpoint: no entry, rightly
        with sessions(app)() as session:
            assert session.scalar(select(AuditCheckpointEntry).join(
                Dossier, Dossier.id == AuditCheckpointEntry.dossier_id).where(
                Dossier.code == later, AuditCheckpointEntry.checkpoint_id == cp)) is None
        assert verify_one(app, settings, later) == [] and verify_all(app, settings, later) == []
        assert api.get(f"/api/v1/dossiers/{later}/audit", ADMIN).get_json()["valid"] is True
        one = reads(app, lambda: verify_one(app, settings, later))
        command = reads(app, lambda: verify_all(app, settings, later))
        assert one[1] <= 1 and command[1] <= 1  # no other dossier's entry, no whole digest
        counts.append((one[0], command[0]))
    assert counts[0] == counts[1]
    assert verify_all(app, settings) == []
